package kafkatest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Cluster is an in-process Kafka broker with a client to drive it.
type Cluster struct {
	*kfake.Cluster
	client *kgo.Client
	admin  *kadm.Client
	// security are the options the harness's own clients connect with.
	security []kgo.Opt
}

// Start starts a one-broker cluster with topics of the given partition
// count and closes it in t.Cleanup.
func Start(t testing.TB, partitions int32, topics ...string) *Cluster {
	t.Helper()
	return StartSecure(t, Security{}, partitions, topics...)
}

// User is a SASL user of a secure cluster.
type User struct {
	// Mechanism is PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string
	User      string
	Pass      string
}

// Security is how a cluster started by StartSecure is reached.
type Security struct {
	// ServerTLS turns TLS on for the broker's listener (see Certs.ServerTLS).
	ServerTLS *tls.Config
	// ClientTLS is what the harness's own client dials with (see
	// Certs.ClientTLS); set it with ServerTLS.
	ClientTLS *tls.Config
	// Users turns SASL on with these superusers; the harness's own client
	// authenticates as the first.
	Users []User
}

// StartSecure is Start with TLS and SASL as sec says.
func StartSecure(t testing.TB, sec Security, partitions int32, topics ...string) *Cluster {
	t.Helper()
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, topics...)}
	if sec.ServerTLS != nil {
		opts = append(opts, kfake.TLS(sec.ServerTLS))
	}
	if len(sec.Users) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range sec.Users {
			opts = append(opts, kfake.Superuser(u.Mechanism, u.User, u.Pass))
		}
	}
	copts := sec.ClientOpts(t)
	kc, err := kfake.NewCluster(opts...)
	require.NoError(t, err)
	t.Cleanup(kc.Close)
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(kc.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(0),
	}, copts...)...)
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return &Cluster{Cluster: kc, client: cl, admin: kadm.NewClient(cl), security: copts}
}

// ClientOpts are the franz-go options of a client that reaches a broker
// secured as sec says: ClientTLS when set, and the first user's
// credentials when there are users. (ServerTLS is not needed: a harness
// may use it for a broker in another process.)
func (sec Security) ClientOpts(t testing.TB) []kgo.Opt {
	t.Helper()
	var opts []kgo.Opt
	if sec.ClientTLS != nil {
		opts = append(opts, kgo.DialTLSConfig(sec.ClientTLS))
	}
	if len(sec.Users) > 0 {
		opts = append(opts, kgo.SASL(mechanism(t, sec.Users[0])))
	}
	return opts
}

// mechanism is u as a franz-go SASL mechanism.
func mechanism(t testing.TB, u User) sasl.Mechanism {
	t.Helper()
	switch u.Mechanism {
	case "PLAIN":
		return plain.Auth{User: u.User, Pass: u.Pass}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: u.User, Pass: u.Pass}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return scram.Auth{User: u.User, Pass: u.Pass}.AsSha512Mechanism()
	}
	t.Fatalf("kafkatest: unknown SASL mechanism %q", u.Mechanism)
	return nil
}

// Brokers returns the broker addresses.
func (c *Cluster) Brokers() []string { return c.ListenAddrs() }

// Record is what Produce writes.
type Record struct {
	Partition int32
	Key       []byte
	Value     []byte
	Headers   []kgo.RecordHeader
	Timestamp time.Time
}

// Produce writes records synchronously and fails the test on any error.
func (c *Cluster) Produce(t testing.TB, topic string, recs ...Record) {
	t.Helper()
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Partition: r.Partition, Key: r.Key, Value: r.Value,
			Headers: r.Headers, Timestamp: r.Timestamp}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, c.client.ProduceSync(ctx, krs...).FirstErr())
}

// ProduceJSON writes n JSON events round-robin over partitions; event i has
// "id": i and "ts" in unix milliseconds starting at start, one second apart.
func (c *Cluster) ProduceJSON(t testing.TB, topic string, partitions int32, n int, start time.Time) {
	t.Helper()
	const batch = 2000
	for lo := 0; lo < n; lo += batch {
		recs := make([]Record, 0, batch)
		for i := lo; i < min(n, lo+batch); i++ {
			ts := start.Add(time.Duration(i) * time.Second)
			recs = append(recs, Record{
				Partition: int32(i) % partitions,
				Key:       []byte("k" + strconv.Itoa(i)),
				Value:     fmt.Appendf(nil, `{"id":%d,"ts":%d,"msg":"event %d"}`, i, ts.UnixMilli(), i),
				Timestamp: ts,
			})
		}
		c.Produce(t, topic, recs...)
	}
}

// EndOffsets returns the high watermark of each partition of topic.
func (c *Cluster) EndOffsets(t testing.TB, topic string) map[int32]int64 {
	t.Helper()
	res, err := c.admin.ListEndOffsets(context.Background(), topic)
	require.NoError(t, err)
	out := map[int32]int64{}
	res.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}

// Committed returns the group's committed offset per partition of topic
// (partitions without a commit are absent).
func (c *Cluster) Committed(t testing.TB, group, topic string) map[int32]int64 {
	t.Helper()
	out := map[int32]int64{}
	res, err := c.admin.FetchOffsets(context.Background(), group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return out // the group never committed
	}
	require.NoError(t, err)
	res.Each(func(o kadm.OffsetResponse) {
		if o.Topic == topic && o.Err == nil && o.At >= 0 {
			out[o.Partition] = o.At
		}
	})
	return out
}

// ProduceTransaction writes records in one transaction of a transactional
// producer and commits it, or aborts it when commit is false. Each
// transaction leaves a control record (the commit or abort marker) after its
// records, so offsets have gaps a read_committed consumer never sees.
func (c *Cluster) ProduceTransaction(t testing.TB, topic string, commit bool, recs ...Record) {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.TransactionalID("kafkatest-" + topic),
		kgo.ProducerLinger(0),
	}, c.security...)...)
	require.NoError(t, err)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, cl.BeginTransaction())
	krs := make([]*kgo.Record, len(recs))
	for i, r := range recs {
		krs[i] = &kgo.Record{Topic: topic, Partition: r.Partition, Key: r.Key, Value: r.Value,
			Headers: r.Headers, Timestamp: r.Timestamp}
	}
	require.NoError(t, cl.ProduceSync(ctx, krs...).FirstErr())
	require.NoError(t, cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)))
}
