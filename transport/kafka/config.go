package kafka

import (
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/IBM/sarama"

	"github.com/sluicehq/sluice/conf"
)

// Config is how sluice reaches Kafka and which topics it archives.
type Config struct {
	// Brokers are the bootstrap brokers, "host:port". Required.
	Brokers []string `yaml:"brokers,omitempty"`
	// Group is the consumer group. Default "sluice".
	Group string `yaml:"group"`
	// ClientID names this client to the brokers. Default "sluice".
	ClientID string `yaml:"client_id"`
	// Topics lists topics to archive by name.
	Topics []string `yaml:"topics,omitempty"`
	// TopicRegex archives every topic whose whole name matches (RE2 syntax),
	// found at start. Topics and TopicRegex may be combined; one is required.
	TopicRegex string `yaml:"topic_regex"`
	// Version is the Kafka protocol version sarama speaks ("2.8.0"). Default
	// "2.4.0", which every broker since 2019 understands and the first with
	// cooperative rebalancing.
	Version string `yaml:"version"`
	// Assignor is how the group spreads partitions over its members:
	// "cooperative-sticky" (default; a rebalance moves only the partitions
	// that change owner, the others are never stopped, so what they buffered
	// is kept), or the eager "sticky", "range" and "roundrobin", which stop
	// every partition on every rebalance (each is read again from its
	// durable offset). Every member of a group must list the same one.
	Assignor string `yaml:"assignor"`
	// Isolation is which records of transactional producers are read:
	// "read_committed" (default: records of committed transactions only,
	// what a read_committed consumer of the topic sees) or
	// "read_uncommitted" (every record, aborted ones too, as soon as written).
	Isolation string `yaml:"isolation"`
	// InitialOffset is where a partition starts when the bucket has no
	// progress record for it and the group no committed offset (Secor's
	// auto.offset.reset): "earliest" (default: every record Kafka still
	// holds) or "latest" (the end of the log when sluice first gets the
	// partition; records produced before are not archived). From then on the
	// progress record decides, exactly once.
	InitialOffset string `yaml:"initial_offset"`
	// SessionTimeout is the consumer group session timeout. Default 30s.
	SessionTimeout time.Duration `yaml:"session_timeout"`
	// DialTimeout bounds connecting to a broker. Default 10s.
	DialTimeout time.Duration `yaml:"dial_timeout"`
	// TLS encrypts the connections to the brokers (and authenticates sluice
	// with a client certificate, mTLS).
	TLS TLSConfig `yaml:"tls"`
	// SASL authenticates sluice to the brokers.
	SASL SASLConfig `yaml:"sasl"`
}

// Isolation levels.
const (
	IsolationReadCommitted   = "read_committed"
	IsolationReadUncommitted = "read_uncommitted"
)

// Initial offsets.
const (
	InitialOffsetEarliest = "earliest"
	InitialOffsetLatest   = "latest"
)

// Assignor names.
const (
	AssignorCooperativeSticky = "cooperative-sticky"
	AssignorSticky            = "sticky"
	AssignorRange             = "range"
	AssignorRoundRobin        = "roundrobin"
)

var assignors = map[string]func() sarama.BalanceStrategy{
	AssignorCooperativeSticky: sarama.NewBalanceStrategyCooperativeSticky,
	AssignorSticky:            sarama.NewBalanceStrategySticky,
	AssignorRange:             sarama.NewBalanceStrategyRange,
	AssignorRoundRobin:        sarama.NewBalanceStrategyRoundRobin,
}

func assignorNames() []string {
	names := make([]string, 0, len(assignors))
	for n := range assignors {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// validTopic is what Kafka accepts as a topic name (up to 249 characters).
var validTopic = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)

// DefaultConfig returns the Kafka configuration used where the file sets
// none. Brokers and topics have no default.
func DefaultConfig() Config {
	return Config{
		Group:          "sluice",
		ClientID:       "sluice",
		Version:        "2.4.0",
		Assignor:       AssignorCooperativeSticky,
		Isolation:      IsolationReadCommitted,
		InitialOffset:  InitialOffsetEarliest,
		SessionTimeout: 30 * time.Second,
		DialTimeout:    10 * time.Second,
		TLS:            TLSConfig{MinVersion: TLSVersion12},
	}
}

// Validate reports every problem of the configuration, each a
// *conf.FieldError naming its YAML path relative to the kafka section
// ("brokers[0]", "topic_regex"). It only checks; it never fills in defaults.
func (c Config) Validate() error {
	var errs conf.Errors
	if len(c.Brokers) == 0 {
		errs.Addf("brokers", "at least one broker is required")
	}
	for i, b := range c.Brokers {
		errs.Add(conf.Index("brokers", i), checkHostPort(b))
	}
	if c.Group == "" {
		errs.Addf("group", "required")
	}
	if c.ClientID == "" {
		errs.Addf("client_id", "required")
	}
	if len(c.Topics) == 0 && c.TopicRegex == "" {
		errs.Addf("topics", "at least one of topics and topic_regex is required")
	}
	seen := make(map[string]int, len(c.Topics))
	for i, t := range c.Topics {
		path := conf.Index("topics", i)
		if first, ok := seen[t]; ok {
			errs.Addf(path, "duplicate topic %q (also topics[%d])", t, first)
			continue
		}
		seen[t] = i
		if !validTopic.MatchString(t) || t == "." || t == ".." {
			errs.Addf(path, "invalid topic name %q (want 1 to 249 of a-z, A-Z, 0-9, '.', '_', '-')", t)
		}
	}
	if c.TopicRegex != "" {
		if _, err := regexp.Compile(c.TopicRegex); err != nil {
			errs.Addf("topic_regex", "invalid regular expression: %v", err)
		}
	}
	version, err := sarama.ParseKafkaVersion(c.Version)
	if err != nil {
		errs.Addf("version", "invalid Kafka version %q (want one such as 2.4.0 or 3.9.0)", c.Version)
	}
	if _, ok := assignors[c.Assignor]; !ok {
		errs.Addf("assignor", "unknown assignor %q (want one of %s)", c.Assignor, strings.Join(assignorNames(), ", "))
	} else if err == nil && c.Assignor == AssignorCooperativeSticky && !version.IsAtLeast(sarama.V2_4_0_0) {
		errs.Addf("assignor", "%s needs kafka.version 2.4.0 or later (got %s); use range for older brokers", c.Assignor, c.Version)
	}
	if c.Isolation != IsolationReadCommitted && c.Isolation != IsolationReadUncommitted {
		errs.Addf("isolation", "unknown isolation %q (want %s, %s)", c.Isolation, IsolationReadCommitted, IsolationReadUncommitted)
	}
	if c.InitialOffset != InitialOffsetEarliest && c.InitialOffset != InitialOffsetLatest {
		errs.Addf("initial_offset", "unknown initial offset %q (want %s, %s)", c.InitialOffset, InitialOffsetEarliest, InitialOffsetLatest)
	}
	if c.SessionTimeout <= 0 {
		errs.Addf("session_timeout", "must be positive, got %s", c.SessionTimeout)
	}
	if c.DialTimeout <= 0 {
		errs.Addf("dial_timeout", "must be positive, got %s", c.DialTimeout)
	}
	errs.Nest("tls", c.TLS.Validate())
	errs.Nest("sasl", c.SASL.Validate())
	return errs.Err()
}

// Redacted returns a copy of c with its secret (sasl.password) replaced by
// RedactedValue, safe to log or print.
func (c Config) Redacted() Config {
	c.SASL = c.SASL.Redacted()
	return c
}

// Warnings lists what in a valid configuration is risky, for the log at
// start: TLS that verifies no certificate, a password sent in clear.
func (c Config) Warnings() []string {
	var out []string
	if c.TLS.Enabled && c.TLS.InsecureSkipVerify {
		out = append(out, "kafka.tls.insecure_skip_verify is set: the brokers' certificates are NOT verified, "+
			"anyone on the network path can impersonate them (use it for tests only)")
	}
	if !c.TLS.Enabled && c.SASL.Mechanism == MechanismPlain {
		out = append(out, "kafka.sasl.mechanism PLAIN without kafka.tls: the password crosses the network in clear")
	}
	return out
}

// checkHostPort reports what is wrong with a broker address.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
		return fmt.Errorf("%q has an invalid port (want 1 to 65535)", addr)
	}
	return nil
}
