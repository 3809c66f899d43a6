package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/IBM/sarama"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/sluicehq/sluice/internal/wmlog"
)

// ErrUnknownTopic is returned by ResolveTopics for a configured topic the
// brokers do not have.
var ErrUnknownTopic = errors.New("topic does not exist")

// SaramaConfig is the sarama configuration sluice consumes with: start at the
// oldest offset when nothing is committed (an archiver wants everything; also
// under kafka.initial_offset latest, which the pipeline resolves to an offset
// on assignment, so that a durable offset retention overtook still falls back
// to the oldest record, never to the newest), no
// auto-commit (only the commit stage commits), the configured assignor
// (cooperative-sticky unless told otherwise), and the TLS and SASL of
// kafka.tls and kafka.sasl.
func SaramaConfig(cfg Config) (*sarama.Config, error) {
	sc := wkafka.DefaultSaramaSubscriberConfig()
	if err := applyClient(sc, cfg); err != nil {
		return nil, err
	}
	if newStrategy, ok := assignors[cfg.Assignor]; ok {
		sc.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{newStrategy()}
	}
	sc.Consumer.IsolationLevel = sarama.ReadCommitted
	if cfg.Isolation == IsolationReadUncommitted {
		sc.Consumer.IsolationLevel = sarama.ReadUncommitted
	}
	sc.Consumer.Offsets.Initial = sarama.OffsetOldest
	sc.Consumer.Offsets.AutoCommit.Enable = false
	sc.Consumer.Return.Errors = true
	if cfg.SessionTimeout > 0 {
		sc.Consumer.Group.Session.Timeout = cfg.SessionTimeout
		sc.Consumer.Group.Heartbeat.Interval = cfg.SessionTimeout / 10
	}
	// The coordinator may hold a JoinGroup for up to the rebalance timeout
	// (waiting for members that are slow to rejoin, or stopped). Sarama reads
	// every response within Net.ReadTimeout, so a read timeout shorter than
	// the rebalance timeout makes each JoinGroup give up and start over, and
	// the group may never settle (seen in the chaos suite with a SIGSTOPped
	// member). Keep the rebalance timeout at the session timeout and the read
	// timeout above it, as the Java client does (rebalance + 5s).
	sc.Consumer.Group.Rebalance.Timeout = sc.Consumer.Group.Session.Timeout
	sc.Net.ReadTimeout = max(sc.Net.ReadTimeout, sc.Consumer.Group.Rebalance.Timeout+10*time.Second)
	sc.Metadata.Retry.Max = 3
	sc.Metadata.Retry.Backoff = 250 * time.Millisecond
	return sc, nil
}

// applyClient sets what every sarama client of sluice takes from the kafka
// section: client id, protocol version, dial timeout, TLS and SASL.
func applyClient(sc *sarama.Config, cfg Config) error {
	sc.ClientID = cfg.ClientID
	if cfg.Version != "" {
		v, err := sarama.ParseKafkaVersion(cfg.Version)
		if err != nil {
			return fmt.Errorf("parsing kafka.version: %w", err)
		}
		sc.Version = v
	}
	if cfg.DialTimeout > 0 {
		sc.Net.DialTimeout = cfg.DialTimeout
	}
	return applySecurity(sc, cfg)
}

// SubscriberSaramaConfig is SaramaConfig for the clients of the Subscriber.
// watermill-kafka makes one sarama client per subscribed topic, so each of
// them keeps the metadata of its own topic only (Metadata.Full off): with
// the default, every client fetched and refreshed the metadata of every
// topic of the cluster, which grew memory and metadata traffic with the
// square of the topics archived (issue #11: 500 topics, see
// docs/benchmarks.md). The group leader still fetches the metadata of every
// topic the group subscribes to when it assigns partitions. ResolveTopics
// and Probe keep the full metadata: they list the cluster's topics.
func SubscriberSaramaConfig(cfg Config) (*sarama.Config, error) {
	sc, err := SaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	sc.Metadata.Full = false
	return sc, nil
}

// NewSubscriber returns watermill-kafka's Subscriber for the consumer group,
// with coord as its tracer so that acks commit nothing, on
// SubscriberSaramaConfig.
func NewSubscriber(cfg Config, coord *Coordinator, logger *slog.Logger) (*wkafka.Subscriber, error) {
	sc, err := SubscriberSaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return wkafka.NewSubscriber(wkafka.SubscriberConfig{
		Brokers:               cfg.Brokers,
		Unmarshaler:           Unmarshaler{},
		OverwriteSaramaConfig: sc,
		ConsumerGroup:         cfg.Group,
		NackResendSleep:       100 * time.Millisecond,
		ReconnectRetrySleep:   time.Second,
		Tracer:                coord,
	}, wmlog.New(logger))
}

// ResolveTopics connects to the brokers and returns the topics to archive:
// the listed ones (each must exist) and every topic matching TopicRegex,
// sorted. It first probes the brokers (Probe): it fails with a clear error
// when no broker answers, and with a *SecurityError when a broker refuses
// the TLS handshake or the credentials.
func ResolveTopics(ctx context.Context, cfg Config) ([]string, error) {
	if err := Probe(ctx, cfg); err != nil {
		return nil, err
	}
	sc, err := SaramaConfig(cfg)
	if err != nil {
		return nil, err
	}
	type result struct {
		topics []string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		client, err := sarama.NewClient(cfg.Brokers, sc)
		if err != nil {
			done <- result{err: fmt.Errorf("connecting to kafka brokers %s: %w", strings.Join(cfg.Brokers, ","), err)}
			return
		}
		defer client.Close()
		all, err := client.Topics()
		if err != nil {
			done <- result{err: fmt.Errorf("listing kafka topics: %w", err)}
			return
		}
		done <- result{topics: all}
	}()
	var all []string
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-done:
		if r.err != nil {
			return nil, r.err
		}
		all = r.topics
	}
	return selectTopics(cfg, all)
}

func selectTopics(cfg Config, all []string) ([]string, error) {
	var (
		out  []string
		errs []error
	)
	for _, t := range cfg.Topics {
		if !slices.Contains(all, t) {
			errs = append(errs, fmt.Errorf("%w: %q (kafka.topics; the brokers have %d topics)", ErrUnknownTopic, t, len(all)))
			continue
		}
		out = append(out, t)
	}
	if cfg.TopicRegex != "" {
		re, err := regexp.Compile("^(?:" + cfg.TopicRegex + ")$")
		if err != nil {
			return nil, fmt.Errorf("compiling kafka.topic_regex: %w", err)
		}
		for _, t := range all {
			if re.MatchString(t) && !strings.HasPrefix(t, "__") {
				out = append(out, t)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no topic matches kafka.topic_regex %q", ErrUnknownTopic, cfg.TopicRegex)
	}
	return out, nil
}
