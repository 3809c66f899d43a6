package kafka

// The thin adapters from one resolved security configuration (a *tls.Config
// and a saslAuth) to the two client libraries: sarama (the consumer,
// ResolveTopics, Probe) and franz-go (the Inspector).

import (
	"context"
	"fmt"
	"time"

	"github.com/IBM/sarama"
	"github.com/aws/aws-msk-iam-sasl-signer-go/signer"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// tokenTimeout bounds one token request of sarama, whose token provider
// has no context.
const tokenTimeout = 45 * time.Second

// applySecurity sets cfg's TLS and SASL on a sarama configuration.
func applySecurity(sc *sarama.Config, cfg Config) error {
	tc, err := cfg.TLS.Build()
	if err != nil {
		return fmt.Errorf("kafka.tls: %w", err)
	}
	if tc != nil {
		sc.Net.TLS.Enable = true
		sc.Net.TLS.Config = tc
	}
	a, err := cfg.SASL.auth()
	if err != nil || a == nil {
		return err
	}
	a.applySarama(sc)
	return nil
}

// kgoSecurity returns cfg's TLS and SASL as franz-go options.
func kgoSecurity(cfg Config) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	tc, err := cfg.TLS.Build()
	if err != nil {
		return nil, fmt.Errorf("kafka.tls: %w", err)
	}
	if tc != nil {
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	a, err := cfg.SASL.auth()
	if err != nil {
		return nil, err
	}
	if a != nil {
		opts = append(opts, kgo.SASL(a.kgoMechanism()))
	}
	return opts, nil
}

// kgoMechanism is a as a franz-go SASL mechanism.
func (a *saslAuth) kgoMechanism() sasl.Mechanism {
	switch a.wire {
	case MechanismPlain:
		return plain.Auth{User: a.user, Pass: a.pass}.AsMechanism()
	case MechanismSCRAMSHA256:
		return scram.Auth{User: a.user, Pass: a.pass}.AsSha256Mechanism()
	case MechanismSCRAMSHA512:
		return scram.Auth{User: a.user, Pass: a.pass}.AsSha512Mechanism()
	default: // OAUTHBEARER
		return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
			tok, err := a.token(ctx)
			return oauth.Auth{Token: tok}, err
		})
	}
}

// applySarama sets a on a sarama configuration: PLAIN and OAUTHBEARER
// with sarama's own framing, SCRAM through franz-go's implementation.
func (a *saslAuth) applySarama(sc *sarama.Config) {
	s := &sc.Net.SASL
	s.Enable = true
	s.Handshake = true
	s.Version = sarama.SASLHandshakeV1
	s.User, s.Password = a.user, a.pass
	switch a.wire {
	case MechanismPlain:
		s.Mechanism = sarama.SASLTypePlaintext
	case MechanismSCRAMSHA256, MechanismSCRAMSHA512:
		s.Mechanism = sarama.SASLMechanism(a.wire)
		s.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{mech: a.wire} }
	default: // OAUTHBEARER
		s.Mechanism = sarama.SASLTypeOAuth
		s.TokenProvider = tokenProvider(a.token)
	}
}

// scramClient is franz-go's SCRAM as a sarama.SCRAMClient.
type scramClient struct {
	mech string
	auth scram.Auth
	sess sasl.Session
	done bool
}

// Begin implements sarama.SCRAMClient.
func (c *scramClient) Begin(user, pass, zid string) error {
	c.auth = scram.Auth{User: user, Pass: pass, Zid: zid}
	return nil
}

// Step implements sarama.SCRAMClient: the first call gives the client's
// first message, the next ones answer the server's challenges.
func (c *scramClient) Step(challenge string) (string, error) {
	if c.sess == nil {
		m := c.auth.AsSha256Mechanism()
		if c.mech == MechanismSCRAMSHA512 {
			m = c.auth.AsSha512Mechanism()
		}
		sess, first, err := m.Authenticate(context.Background(), "")
		if err != nil {
			return "", err
		}
		c.sess = sess
		return string(first), nil
	}
	done, resp, err := c.sess.Challenge([]byte(challenge))
	c.done = done
	return string(resp), err
}

// Done implements sarama.SCRAMClient.
func (c *scramClient) Done() bool { return c.done }

// tokenProvider is a token source as a sarama.AccessTokenProvider.
type tokenProvider func(context.Context) (string, error)

// Token implements sarama.AccessTokenProvider.
func (p tokenProvider) Token() (*sarama.AccessToken, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	defer cancel()
	tok, err := p(ctx)
	if err != nil {
		return nil, err
	}
	return &sarama.AccessToken{Token: tok}, nil
}

// mskToken returns a token source signing AWS_MSK_IAM tokens with the AWS
// default credential chain (cached; refreshed when it expires), after
// assuming RoleARN when set.
func mskToken(c MSKIAMConfig) (func(context.Context) (string, error), error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(context.Background(), awsconfig.WithRegion(c.Region))
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration for AWS_MSK_IAM: %w", err)
	}
	creds := awsCfg.Credentials
	if c.RoleARN != "" {
		name := c.SessionName
		if name == "" {
			name = "sluice"
		}
		creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(awsCfg), c.RoleARN,
			func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = name }))
	}
	return func(ctx context.Context) (string, error) {
		tok, _, err := signer.GenerateAuthTokenFromCredentialsProvider(ctx, c.Region, creds)
		if err != nil {
			return "", fmt.Errorf("signing the AWS_MSK_IAM token: %w", err)
		}
		return tok, nil
	}, nil
}
