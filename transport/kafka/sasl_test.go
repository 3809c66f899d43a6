package kafka

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

// oauthSarama returns the token sarama would send, and checks the sarama
// configuration is OAUTHBEARER.
func oauthSarama(t *testing.T, cfg Config) (string, error) {
	t.Helper()
	sc, err := SaramaConfig(cfg)
	require.NoError(t, err)
	require.True(t, sc.Net.SASL.Enable)
	require.Equal(t, sarama.SASLMechanism(sarama.SASLTypeOAuth), sc.Net.SASL.Mechanism)
	require.NoError(t, sc.Validate())
	tok, err := sc.Net.SASL.TokenProvider.Token()
	if err != nil {
		return "", err
	}
	return tok.Token, nil
}

// oauthKgo returns the token franz-go would send in its first message.
func oauthKgo(t *testing.T, cfg Config) string {
	t.Helper()
	a, err := cfg.SASL.auth()
	require.NoError(t, err)
	m := a.kgoMechanism()
	require.Equal(t, MechanismOAuthBearer, m.Name())
	_, first, err := m.Authenticate(t.Context(), "127.0.0.1:9092")
	require.NoError(t, err)
	_, tok, ok := strings.Cut(string(first), "auth=Bearer ")
	require.True(t, ok, "%q", first)
	return strings.TrimRight(tok, "\x01")
}

// TestOAuthTokenFile: kfake has no OAUTHBEARER (only PLAIN and SCRAM), so
// the token source is tested through both clients' mechanisms: the file is
// read again on every authentication.
func TestOAuthTokenFile(t *testing.T) {
	path := writeTemp(t, "token", "first-token\n")
	cfg := DefaultConfig()
	cfg.SASL = SASLConfig{Mechanism: MechanismOAuthBearer, OAuth: OAuthConfig{TokenFile: path}}
	tok, err := oauthSarama(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, "first-token", tok)
	assert.Equal(t, "first-token", oauthKgo(t, cfg))

	require.NoError(t, os.WriteFile(path, []byte("second-token"), 0o600))
	tok, err = oauthSarama(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, "second-token", tok, "re-read on every token request")
	assert.Equal(t, "second-token", oauthKgo(t, cfg))

	require.NoError(t, os.Remove(path))
	_, err = oauthSarama(t, cfg)
	require.ErrorContains(t, err, "reading the OAUTHBEARER token file: cannot read "+path)
}

// TestOAuthTokenCommand: the command's standard output is the token; a
// failing command's error carries its standard error.
func TestOAuthTokenCommand(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SASL = SASLConfig{Mechanism: MechanismOAuthBearer, OAuth: OAuthConfig{
		TokenCommand: []string{"sh", "-c", "echo \"tok-$0\"", "x"}}}
	tok, err := oauthSarama(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, "tok-x", tok)
	assert.Equal(t, "tok-x", oauthKgo(t, cfg))

	cfg.SASL.OAuth.TokenCommand = []string{"sh", "-c", "echo no credentials >&2; exit 3"}
	_, err = oauthSarama(t, cfg)
	require.ErrorContains(t, err, `running the OAUTHBEARER token command "sh": exit status 3: no credentials`)

	cfg.SASL.OAuth.TokenCommand = []string{"true"}
	_, err = oauthSarama(t, cfg)
	require.ErrorContains(t, err, `printed no token`)
}

// TestMSKIAMToken: AWS_MSK_IAM is OAUTHBEARER with a token the MSK signer
// makes from the AWS default chain; with static credentials in the
// environment it signs offline. The token is a base64url presigned URL of
// the kafka-cluster:Connect action.
func TestMSKIAMToken(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret/example/key")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg := DefaultConfig()
	cfg.SASL = SASLConfig{Mechanism: MechanismAWSMSKIAM, AWSMSKIAM: MSKIAMConfig{Region: "eu-west-1"}}
	tok, err := oauthSarama(t, cfg)
	require.NoError(t, err)
	assert.Equal(t, tok[:20], oauthKgo(t, cfg)[:20], "both clients use the signer")
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	require.NoError(t, err, "token %q", tok)
	u, err := url.Parse(string(raw))
	require.NoError(t, err)
	assert.Equal(t, "kafka.eu-west-1.amazonaws.com", u.Host)
	q := u.Query()
	assert.Equal(t, "kafka-cluster:Connect", q.Get("Action"))
	assert.Contains(t, q.Get("X-Amz-Credential"), "AKIAEXAMPLEEXAMPLE/")
	assert.Contains(t, q.Get("X-Amz-Credential"), "/eu-west-1/kafka-cluster/aws4_request")
	assert.NotEmpty(t, q.Get("X-Amz-Signature"))
	assert.NotContains(t, tok, "secret", "the secret key is never in the token")
}

// TestSCRAMClientAdapter runs franz-go's SCRAM through the sarama adapter
// against franz-go's own SCRAM as the server would see it: the adapter
// produces the client-first message with the user.
func TestSCRAMClientAdapter(t *testing.T) {
	for _, mech := range []string{MechanismSCRAMSHA256, MechanismSCRAMSHA512} {
		c := &scramClient{mech: mech}
		require.NoError(t, c.Begin("alice", "pw", ""))
		first, err := c.Step("")
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(first, "n,,n=alice,r="), first)
		assert.False(t, c.Done())
		_, err = c.Step("garbage")
		assert.Error(t, err, "a malformed server-first message is refused")
	}
}
