package kafka

// SASL to the brokers: the kafka.sasl section becomes one saslAuth (the
// mechanism, the credentials, a token source), which two thin adapters hand
// to sarama (applySarama) and to franz-go (kgoMechanism). The mechanisms
// themselves are franz-go's (pkg/sasl/...), sarama's built-in PLAIN and
// OAUTHBEARER framing aside.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/sluicehq/sluice/conf"
)

// SASL mechanisms kafka.sasl.mechanism accepts.
const (
	MechanismPlain       = "PLAIN"
	MechanismSCRAMSHA256 = "SCRAM-SHA-256"
	MechanismSCRAMSHA512 = "SCRAM-SHA-512"
	MechanismOAuthBearer = "OAUTHBEARER"
	// MechanismAWSMSKIAM is Amazon MSK's IAM access control: an OAUTHBEARER
	// token signed with AWS credentials (aws-msk-iam-sasl-signer-go).
	MechanismAWSMSKIAM = "AWS_MSK_IAM"
)

var mechanisms = []string{MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512, MechanismOAuthBearer, MechanismAWSMSKIAM}

// RedactedValue is what Config.Redacted puts in place of a secret.
const RedactedValue = "[REDACTED]"

// SASLConfig is how sluice authenticates to the brokers (kafka.sasl). SASL
// is off while Mechanism is empty.
type SASLConfig struct {
	// Mechanism is PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or
	// AWS_MSK_IAM. Empty: no SASL.
	Mechanism string `yaml:"mechanism"`
	// Username is the user of PLAIN and SCRAM.
	Username string `yaml:"username"`
	// Password is the password of PLAIN and SCRAM; write "${ENV_VAR}" or
	// use PasswordFile rather than putting it in the file. Redacted when
	// the configuration is printed.
	Password string `yaml:"password"`
	// PasswordFile is a file holding the password (a mounted secret), read
	// at start; a final newline is ignored. Exclusive with Password.
	PasswordFile string `yaml:"password_file"`
	// OAuth says where OAUTHBEARER tokens come from.
	OAuth OAuthConfig `yaml:"oauth"`
	// AWSMSKIAM configures AWS_MSK_IAM.
	AWSMSKIAM MSKIAMConfig `yaml:"aws_msk_iam"`
}

// OAuthConfig is the source of OAUTHBEARER tokens: exactly one of TokenFile
// and TokenCommand.
type OAuthConfig struct {
	// TokenFile is a file holding the token, re-read every time a
	// connection authenticates (so a sidecar may refresh it).
	TokenFile string `yaml:"token_file"`
	// TokenCommand is a command (program and arguments, not run by a shell)
	// whose standard output is the token, run every time a connection
	// authenticates; it must finish within 30 seconds.
	TokenCommand []string `yaml:"token_command,omitempty"`
}

// MSKIAMConfig configures AWS_MSK_IAM. Credentials come from the AWS
// default chain, as for S3 (environment, shared files, web identity / IRSA,
// ECS and EC2 roles).
type MSKIAMConfig struct {
	// Region is the cluster's AWS region, e.g. "us-east-1". Required.
	Region string `yaml:"region"`
	// RoleARN is a role to assume (with the default chain's credentials)
	// before signing. Optional.
	RoleARN string `yaml:"role_arn"`
	// SessionName names the assumed role's session. Default "sluice".
	SessionName string `yaml:"session_name"`
}

// Enabled reports whether SASL is configured.
func (c SASLConfig) Enabled() bool { return c.Mechanism != "" }

// Validate reports every problem of the sasl section, each a FieldError
// with its path relative to it ("password_file"). It checks that the files
// it names can be read and that a token command can be found.
func (c SASLConfig) Validate() error {
	var errs conf.Errors
	type field struct {
		path string
		set  bool
	}
	userPass := []field{{"username", c.Username != ""}, {"password", c.Password != ""}, {"password_file", c.PasswordFile != ""}}
	oauth := []field{{"oauth.token_file", c.OAuth.TokenFile != ""}, {"oauth.token_command", len(c.OAuth.TokenCommand) > 0}}
	msk := []field{{"aws_msk_iam.region", c.AWSMSKIAM.Region != ""}, {"aws_msk_iam.role_arn", c.AWSMSKIAM.RoleARN != ""},
		{"aws_msk_iam.session_name", c.AWSMSKIAM.SessionName != ""}}
	unused := func(fields []field, why string) {
		for _, f := range fields {
			if f.set {
				errs.Addf(f.path, "%s", why)
			}
		}
	}
	switch c.Mechanism {
	case "":
		unused(slices.Concat(userPass, oauth, msk), "set, but sasl.mechanism is empty (SASL is off)")
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		if c.Username == "" {
			errs.Addf("username", "required with mechanism %s", c.Mechanism)
		}
		switch {
		case c.Password != "" && c.PasswordFile != "":
			errs.Addf("password_file", "give password or password_file, not both")
		case c.Password == "" && c.PasswordFile == "":
			errs.Addf("password", "required with mechanism %s (or password_file)", c.Mechanism)
		case c.PasswordFile != "":
			if _, err := readSecret(c.PasswordFile); err != nil {
				errs.Add("password_file", err)
			}
		}
		unused(slices.Concat(oauth, msk), "not used by mechanism "+c.Mechanism)
	case MechanismOAuthBearer:
		switch {
		case c.OAuth.TokenFile != "" && len(c.OAuth.TokenCommand) > 0:
			errs.Addf("oauth.token_command", "give oauth.token_file or oauth.token_command, not both")
		case c.OAuth.TokenFile == "" && len(c.OAuth.TokenCommand) == 0:
			errs.Addf("oauth", "mechanism OAUTHBEARER needs oauth.token_file or oauth.token_command")
		case c.OAuth.TokenFile != "":
			errs.Add("oauth.token_file", checkReadable(c.OAuth.TokenFile))
		default:
			if c.OAuth.TokenCommand[0] == "" {
				errs.Addf("oauth.token_command[0]", "the program is empty")
			} else if _, err := exec.LookPath(c.OAuth.TokenCommand[0]); err != nil {
				errs.Addf("oauth.token_command[0]", "cannot find program %q: %v", c.OAuth.TokenCommand[0], errors.Unwrap(err))
			}
		}
		unused(slices.Concat(userPass, msk), "not used by mechanism OAUTHBEARER")
	case MechanismAWSMSKIAM:
		if c.AWSMSKIAM.Region == "" {
			errs.Addf("aws_msk_iam.region", "required with mechanism AWS_MSK_IAM (the cluster's region, e.g. us-east-1)")
		}
		if r := c.AWSMSKIAM.RoleARN; r != "" && !strings.HasPrefix(r, "arn:") {
			errs.Addf("aws_msk_iam.role_arn", "%q is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)", r)
		}
		if c.AWSMSKIAM.SessionName != "" && c.AWSMSKIAM.RoleARN == "" {
			errs.Addf("aws_msk_iam.session_name", "needs aws_msk_iam.role_arn")
		}
		unused(slices.Concat(userPass, oauth), "not used by mechanism AWS_MSK_IAM (credentials come from the AWS default chain)")
	default:
		errs.Addf("mechanism", "unknown SASL mechanism %q (want one of %s)", c.Mechanism, strings.Join(mechanisms, ", "))
	}
	return errs.Err()
}

// Redacted returns c with the password replaced by RedactedValue.
func (c SASLConfig) Redacted() SASLConfig {
	if c.Password != "" {
		c.Password = RedactedValue
	}
	return c
}

// saslAuth is a resolved SASL configuration: what both clients need.
type saslAuth struct {
	// mechanism is the configured name (AWS_MSK_IAM included), for
	// messages; wire is the name sent to the broker.
	mechanism, wire string
	user, pass      string
	// token returns an OAUTHBEARER token (OAUTHBEARER, AWS_MSK_IAM).
	token func(context.Context) (string, error)
}

// auth resolves c: it reads the password file and sets up the token
// source. It returns nil when SASL is off.
func (c SASLConfig) auth() (*saslAuth, error) {
	a := &saslAuth{mechanism: c.Mechanism, wire: c.Mechanism, user: c.Username, pass: c.Password}
	switch c.Mechanism {
	case "":
		return nil, nil
	case MechanismPlain, MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		if c.PasswordFile != "" {
			p, err := readSecret(c.PasswordFile)
			if err != nil {
				return nil, fmt.Errorf("reading kafka.sasl.password_file: %w", err)
			}
			a.pass = p
		}
	case MechanismOAuthBearer:
		if c.OAuth.TokenFile != "" {
			a.token = tokenFile(c.OAuth.TokenFile)
		} else {
			a.token = tokenCommand(c.OAuth.TokenCommand)
		}
	case MechanismAWSMSKIAM:
		tok, err := mskToken(c.AWSMSKIAM)
		if err != nil {
			return nil, err
		}
		a.wire, a.token = MechanismOAuthBearer, tok
	default:
		return nil, fmt.Errorf("unknown kafka.sasl.mechanism %q", c.Mechanism)
	}
	return a, nil
}

// readSecret reads a secret file; surrounding white space (a final
// newline) is not part of the secret.
func readSecret(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", readError(err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// tokenFile returns a token source reading path on every call.
func tokenFile(path string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		tok, err := readSecret(path)
		if err != nil {
			return "", fmt.Errorf("reading the OAUTHBEARER token file: %w", err)
		}
		return tok, nil
	}
}

// tokenCommandTimeout bounds one run of an OAUTHBEARER token command.
const tokenCommandTimeout = 30 * time.Second

// tokenCommand returns a token source running argv on every call; its
// standard output, trimmed, is the token.
func tokenCommand(argv []string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithTimeout(ctx, tokenCommandTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			msg := strings.TrimSpace(stderr.String())
			if len(msg) > 200 {
				msg = msg[:200] + "..."
			}
			if msg != "" {
				return "", fmt.Errorf("running the OAUTHBEARER token command %q: %w: %s", argv[0], err, msg)
			}
			return "", fmt.Errorf("running the OAUTHBEARER token command %q: %w", argv[0], err)
		}
		tok := strings.TrimSpace(string(out))
		if tok == "" {
			return "", fmt.Errorf("the OAUTHBEARER token command %q printed no token", argv[0])
		}
		return tok, nil
	}
}
