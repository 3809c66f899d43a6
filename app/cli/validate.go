package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newValidateCommand returns "sluice validate".
func newValidateCommand(s streams) *cobra.Command {
	var (
		path     string
		printCfg bool
	)
	cmd := &cobra.Command{
		Use:   "validate -c FILE",
		Short: "Check a configuration file without connecting to anything",
		Long: `Validate reads the configuration file and reports every problem at once,
one a line, prefixed with the file name and line. It connects to nothing.

It prints "FILE: ok" and exits 0 when the file is valid, else exits 2. With
--print, the effective configuration (defaults filled in, secrets redacted) is
printed as YAML on standard output, and "FILE: ok" goes to standard error.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := loadConfig(path, s.stderr)
			if err != nil {
				return err
			}
			if !printCfg {
				fmt.Fprintf(s.stdout, "%s: ok\n", path)
				return nil
			}
			fmt.Fprint(s.stdout, cfg.String())
			fmt.Fprintf(s.stderr, "%s: ok\n", path)
			return nil
		},
	}
	addConfigFlag(cmd, &path)
	cmd.Flags().BoolVar(&printCfg, "print", false, "print the effective configuration with defaults, secrets redacted")
	return cmd
}
