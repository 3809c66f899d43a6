package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/sluicehq/sluice/testing/duckdb"
)

// The README's fenced blocks are checked by TestReadme, each by its language:
//
//   - sh, bash, shell: run by a shell interpreter in a scratch directory, with
//     every command either run for real (sluice validate, sluice demo, duckdb
//     through the npm package, cat), or skipped for a reason listed in
//     readmeSkips. Any other command fails the test.
//   - yaml: a sluice config; one with kafka and destination must pass sluice
//     validate as it is, any other (a fragment) appended to the README's first
//     full config. A ${NAME} the environment lacks is set to "example".
//   - no language: output shown to the reader; a "duckdb -c" line in it is run.
//
// A block preceded by an HTML comment "<!-- not-checked: REASON -->" is not
// checked. A block in any other language fails the test until it is marked or
// this test learns it. Every "duckdb -c" command anywhere in the README, in
// inline code too, is run against a real demo archive.

// notChecked matches the marker of a block that is not checked.
var notChecked = regexp.MustCompile(`^<!--\s*not-checked:\s*(\S.*?)\s*-->$`)

// readmeSkips lists the commands of checked blocks that cannot run here, by
// their leading words, with the reason.
var readmeSkips = []struct{ prefix, reason string }{
	{"go test", "the whole test suite: this test is part of it, CI runs the command"},
	{"docker run", "CI machines have no Docker; testing/jaeger runs Jaeger v2 against sluice's OTLP export"},
	{"sluice run", "needs the Kafka brokers and the bucket its config names; testing/e2e runs the pipeline"},
}

// readmePlaceholders are path placeholders in README output samples, replaced
// by the scratch directory.
var readmePlaceholders = []string{"/abs/path"}

// demoRunFor bounds the README's "sluice demo", which runs until Ctrl-C.
const demoRunFor = "8s"

// block is one fenced block of the README.
type block struct {
	line       int    // of the opening fence, 1-based
	lang       string // the fence's info string
	text       string
	notChecked string // the marker's reason
}

func (b block) name() string {
	lang := b.lang
	if lang == "" {
		lang = "text"
	}
	return fmt.Sprintf("line_%d_%s", b.line, lang)
}

// readmeBlocks returns the fenced blocks of a Markdown text and the text
// outside them.
func readmeBlocks(t *testing.T, md string) (blocks []block, prose string) {
	t.Helper()
	var (
		cur      *block
		body     strings.Builder
		outside  strings.Builder
		lastLine string // the last non-blank line outside blocks
	)
	sc := bufio.NewScanner(strings.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fence := strings.HasPrefix(strings.TrimSpace(line), "```")
		switch {
		case cur == nil && fence:
			cur = &block{line: n, lang: strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "```"))}
			if m := notChecked.FindStringSubmatch(strings.TrimSpace(lastLine)); m != nil {
				cur.notChecked = m[1]
			}
			body.Reset()
		case cur != nil && fence:
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		default:
			outside.WriteString(line + "\n")
			if strings.TrimSpace(line) != "" {
				lastLine = line
			}
		}
	}
	require.NoError(t, sc.Err())
	if cur != nil {
		t.Fatalf("README.md: the block opened at line %d is not closed", cur.line)
	}
	return blocks, outside.String()
}

// readmeRun is the state of one TestReadme run.
type readmeRun struct {
	dir  string // the scratch directory commands run in
	demo bool   // the demo archive exists
	// queries are the DuckDB queries run so far.
	queries map[string]bool
}

// TestReadme checks the README's commands and configs (see readmeBlocks):
// they run, and every DuckDB query works on a demo archive.
func TestReadme(t *testing.T) {
	raw, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	blocks, prose := readmeBlocks(t, string(raw))
	r := &readmeRun{dir: t.TempDir(), queries: map[string]bool{}}
	var baseConfig string // the first full config, for fragments
	for _, b := range blocks {
		if (b.lang == "yaml" || b.lang == "yml") && b.notChecked == "" && baseConfig == "" && isFullConfig(b.text) {
			baseConfig = b.text
		}
	}

	for _, b := range blocks {
		t.Run(b.name(), func(t *testing.T) {
			if b.notChecked != "" {
				t.Logf("not checked: %s", b.notChecked)
				return
			}
			switch b.lang {
			case "sh", "bash", "shell":
				r.runShell(t, b.text)
			case "yaml", "yml":
				r.validateYAML(t, b.text, baseConfig)
			case "":
				for _, cmd := range duckdbCommands(b.text) {
					r.runShell(t, cmd)
				}
			default:
				t.Errorf("README.md line %d: cannot check a ```%s block: teach TestReadme (app/cli/readme_test.go) "+
					"to run it, or precede it with <!-- not-checked: REASON -->", b.line, b.lang)
			}
		})
	}
	t.Run("inline_duckdb", func(t *testing.T) {
		for _, span := range regexp.MustCompile("`(duckdb [^`]+)`").FindAllStringSubmatch(prose, -1) {
			r.runShell(t, span[1])
		}
		require.NotEmpty(t, r.queries, "the README shows at least one DuckDB query")
	})
}

// duckdbCommands returns the "duckdb ..." command lines of an output sample.
func duckdbCommands(text string) []string {
	var cmds []string
	for line := range strings.Lines(text) {
		if i := strings.Index(line, "duckdb -c "); i >= 0 {
			cmds = append(cmds, strings.TrimSpace(line[i:]))
		}
	}
	return cmds
}

// isFullConfig tells a complete config from a fragment.
func isFullConfig(text string) bool {
	var top map[string]any
	if yaml.Unmarshal([]byte(text), &top) != nil {
		return false
	}
	_, k := top["kafka"]
	_, d := top["destination"]
	return k && d
}

// validateYAML runs sluice validate on a config block, a fragment appended to
// base.
func (r *readmeRun) validateYAML(t *testing.T, text, base string) {
	var top map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(text), &top), "a yaml block must parse")
	if !isFullConfig(text) {
		require.NotEmpty(t, base, "a config fragment needs a full config in the README to complete it")
		var baseTop map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(base), &baseTop))
		for k := range top {
			require.NotContains(t, baseTop, k, "the fragment sets %q, which the first full config sets too: "+
				"mark the block <!-- not-checked: REASON --> or make it a full config", k)
		}
		text = base + text
	}
	path := filepath.Join(t.TempDir(), "sluice.yaml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	for _, kv := range exampleEnv(text) {
		name, value, _ := strings.Cut(kv, "=")
		t.Setenv(name, value)
	}
	res := sluice(t, time.Minute, "validate", "-c", path)
	assert.Equal(t, 0, res.code, "sluice validate of:\n%s\nstdout:\n%s\nstderr:\n%s", text, res.stdout, res.stderr)
}

// envRef matches a ${NAME} reference without a default.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// exampleEnv returns NAME=value for each ${NAME} of text that is not set:
// an example config's secrets come from the environment of whoever runs it.
func exampleEnv(text string) []string {
	var out []string
	for _, m := range envRef.FindAllStringSubmatch(text, -1) {
		if _, ok := os.LookupEnv(m[1]); !ok && !slices.Contains(out, m[1]+"=example") {
			out = append(out, m[1]+"=example")
		}
	}
	return out
}

// runShell runs script in the scratch directory with a shell interpreter
// whose commands are those of readmeExec.
func (r *readmeRun) runShell(t *testing.T, script string) {
	t.Helper()
	for _, p := range readmePlaceholders {
		script = strings.ReplaceAll(script, p, r.dir)
	}
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "README.md")
	require.NoError(t, err, "parsing:\n%s", script)
	var out bytes.Buffer
	runner, err := interp.New(
		interp.Dir(r.dir),
		interp.Env(expand.ListEnviron(append(os.Environ(), exampleEnv(script)...)...)),
		interp.StdIO(nil, &out, &out),
		interp.ExecHandlers(func(next interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(ctx context.Context, args []string) error { return r.exec(t, ctx, next, args) }
		}),
	)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	err = runner.Run(ctx, file)
	t.Logf("$ %s\n%s", strings.TrimSpace(script), out.String())
	require.NoError(t, err, "running:\n%s", script)
}

// exec runs one command of a README block.
func (r *readmeRun) exec(t *testing.T, ctx context.Context, next interp.ExecHandlerFunc, args []string) error {
	words := args
	if len(words) >= 3 && words[0] == "go" && words[1] == "run" && strings.TrimSuffix(words[2], "/") == "./cmd/sluice" {
		words = append([]string{"sluice"}, words[3:]...) // go run ./cmd/sluice X == sluice X
	}
	if filepath.Base(words[0]) == "sluice" {
		words = append([]string{"sluice"}, words[1:]...)
	}
	line := strings.Join(words, " ")
	for _, s := range readmeSkips {
		if line == s.prefix || strings.HasPrefix(line, s.prefix+" ") {
			t.Logf("skipped %q: %s", strings.Join(args, " "), s.reason)
			return nil
		}
	}
	hc := interp.HandlerCtx(ctx)
	switch {
	case words[0] == "cat", words[0] == "echo", words[0] == "mkdir":
		return next(ctx, args)
	case len(words) == 5 && words[0] == "go" && words[1] == "build" && words[2] == "-o" && words[4] == "./cmd/sluice":
		// The binary TestMain built, where the README builds it.
		dst := filepath.Join(hc.Dir, words[3])
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.Symlink(binary, dst)
	case words[0] == "duckdb":
		return r.duckdb(t, hc.Dir, words[1:])
	case len(words) >= 2 && words[0] == "sluice" && words[1] == "demo":
		return r.runDemo(t, hc.Dir, words[2:])
	case len(words) >= 2 && words[0] == "sluice" && words[1] == "validate":
		return sluiceIn(t, hc, words[1:])
	}
	t.Errorf("README.md: cannot check the command %q: teach TestReadme (app/cli/readme_test.go) to run it, "+
		"list it in readmeSkips with a reason, or precede its block with <!-- not-checked: REASON -->", strings.Join(args, " "))
	return interp.NewExitStatus(127)
}

// duckdb runs "duckdb -c SQL" with the npm DuckDB package, on the demo
// archive, and checks the query returns a row without nulls and a non-zero
// count.
func (r *readmeRun) duckdb(t *testing.T, dir string, args []string) error {
	if len(args) != 2 || args[0] != "-c" {
		t.Errorf("duckdb %q: TestReadme runs only duckdb -c SQL", args)
		return interp.NewExitStatus(2)
	}
	sql := args[1]
	if r.queries[sql] {
		return nil
	}
	r.queries[sql] = true
	if err := r.ensureDemo(t); err != nil {
		return err
	}
	rows := duckdb.QueryIn(t, dir, sql)
	require.NotEmpty(t, rows, "DuckDB returned no row for %s", sql)
	for col, v := range rows[0] {
		assert.NotNil(t, v, "column %s of %s", col, sql)
		if strings.HasPrefix(col, "count") {
			assert.NotContains(t, []any{"0", float64(0)}, v, "%s of %s: the demo archive is not empty", col, sql)
		}
	}
	return nil
}

// ensureDemo makes the demo archive in the scratch directory, once.
func (r *readmeRun) ensureDemo(t *testing.T) error {
	if r.demo {
		return nil
	}
	return r.runDemo(t, r.dir, nil)
}

// runDemo runs "sluice demo args" in dir for demoRunFor (it runs until
// Ctrl-C otherwise) on a free port, once per test.
func (r *readmeRun) runDemo(t *testing.T, dir string, args []string) error {
	if r.demo {
		return nil
	}
	if !slices.Contains(args, "--duration") {
		args = append(args, "--duration", demoRunFor)
	}
	if !slices.Contains(args, "--port") {
		args = append(args, "--port", "0")
	}
	if err := sluiceIn(t, interp.HandlerContext{Dir: dir}, append([]string{"demo"}, args...)); err != nil {
		return err
	}
	r.demo = true
	return nil
}

// sluiceIn runs the sluice binary with args in the directory and environment
// of hc (the test's own environment without one), failing the test on a
// non-zero exit.
func sluiceIn(t *testing.T, hc interp.HandlerContext, args []string) error {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = hc.Dir
	if hc.Env != nil {
		cmd.Env = []string{}
		hc.Env.Each(func(name string, vr expand.Variable) bool {
			if vr.Exported {
				cmd.Env = append(cmd.Env, name+"="+vr.String())
			}
			return true
		})
	}
	out, err := cmd.CombinedOutput()
	t.Logf("sluice %s:\n%s", strings.Join(args, " "), out)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Errorf("sluice %s exited %d:\n%s", strings.Join(args, " "), ee.ExitCode(), out)
		return interp.NewExitStatus(uint8(ee.ExitCode()))
	}
	require.NoError(t, err, "running sluice %s", strings.Join(args, " "))
	return nil
}

// TestReadmeBlocks checks how TestReadme reads Markdown: fences, languages,
// the not-checked marker (only right before a block) and the prose.
func TestReadmeBlocks(t *testing.T) {
	md := "intro `duckdb -c \"select 1\"`\n\n<!-- not-checked: needs AWS -->\n\n```sh\naws s3 ls\n```\n\n" +
		"<!-- not-checked: far away -->\ntext\n```yaml\na: 1\n```\n  ```\nout\n  ```\n"
	blocks, prose := readmeBlocks(t, md)
	require.Len(t, blocks, 3)
	assert.Equal(t, block{line: 5, lang: "sh", text: "aws s3 ls\n", notChecked: "needs AWS"}, blocks[0])
	assert.Equal(t, block{line: 11, lang: "yaml", text: "a: 1\n"}, blocks[1])
	assert.Equal(t, block{line: 14, lang: "", text: "out\n"}, blocks[2])
	assert.Contains(t, prose, "`duckdb -c \"select 1\"`")
	assert.NotContains(t, prose, "aws s3 ls")
	assert.Equal(t, []string{`duckdb -c "select count(*) from x"`}, duckdbCommands("Query:\n  duckdb -c \"select count(*) from x\"\n"))
	assert.Equal(t, []string{"README_TEST_UNSET=example"}, exampleEnv("a: ${README_TEST_UNSET}\nb: ${README_TEST_UNSET}\nc: ${D:-x}\nd: ${PATH}\n"))
}
