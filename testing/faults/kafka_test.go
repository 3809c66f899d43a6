package faults_test

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/testing/faults"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// kafkaEnv is a kfake broker that advertises a KafkaProxy's address, and
// two clients that reach it through the proxy: victim and bystander.
type kafkaEnv struct {
	proxy             *faults.KafkaProxy
	victim, bystander *kgo.Client
}

func newKafkaEnv(t *testing.T) *kafkaEnv {
	t.Helper()
	proxy := kafkaBehindProxy(t, func(ln net.Listener) net.Listener { return ln })
	client := func(id string) *kgo.Client {
		c, err := kgo.NewClient(kgo.SeedBrokers(proxy.Addr()), kgo.ClientID(id),
			kgo.DefaultProduceTopic("t"), kgo.RequestRetries(1), kgo.RecordRetries(1))
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c
	}
	return &kafkaEnv{proxy: proxy, victim: client("victim"), bystander: client("bystander")}
}

// kafkaBehindProxy starts a one-broker kfake cluster with topic "t" whose
// listener, wrapped by wrap, advertises a KafkaProxy's address, and points
// the proxy at it.
func kafkaBehindProxy(t *testing.T, wrap func(net.Listener) net.Listener) *faults.KafkaProxy {
	t.Helper()
	proxy, err := faults.NewKafkaProxy("")
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, proxy.Close()) })
	var real string
	cluster, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.SeedTopics(1, "t"),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			ln, err := net.Listen(network, address)
			if err != nil {
				return nil, err
			}
			real = ln.Addr().String()
			return faults.Advertise(wrap(ln), proxy.Addr())
		}),
	)
	require.NoError(t, err)
	t.Cleanup(cluster.Close)
	require.Equal(t, []string{proxy.Addr()}, cluster.ListenAddrs(), "the broker advertises the proxy")
	proxy.SetTarget(real)
	return proxy
}

// produce produces one record with c within timeout.
func produce(t *testing.T, c *kgo.Client, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	return c.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr()
}

// ping asks the broker for metadata with c within timeout.
func ping(t *testing.T, c *kgo.Client, timeout time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	return c.Ping(ctx)
}

func TestKafkaProxyCutsOneClient(t *testing.T) {
	for _, cut := range []faults.Cut{faults.CutBlackhole, faults.CutReset} {
		t.Run(cut.String(), func(t *testing.T) {
			env := newKafkaEnv(t)
			require.NoError(t, produce(t, env.victim, 10*time.Second))
			require.NoError(t, produce(t, env.bystander, 10*time.Second))

			require.NoError(t, env.proxy.Partition(cut, func(id string) bool { return id == "victim" }))
			require.Error(t, ping(t, env.victim, time.Second), "the victim is cut off")
			require.NoError(t, produce(t, env.bystander, 5*time.Second), "the bystander is not")
			st := env.proxy.Stats()
			if cut == faults.CutBlackhole {
				assert.Positive(t, st.Blackholed)
				assert.Zero(t, st.Reset)
			} else {
				assert.Positive(t, st.Reset)
				assert.Zero(t, st.Blackholed)
			}

			env.proxy.Heal()
			require.NoError(t, produce(t, env.victim, 15*time.Second), "the victim reaches the broker again")
		})
	}
}

func TestKafkaProxyRejectsUnknownCut(t *testing.T) {
	p, err := faults.NewKafkaProxy("")
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	require.ErrorIs(t, p.Partition(faults.Cut(9), func(string) bool { return true }), faults.ErrInvalidFault)
}

// TestKafkaProxyPassesTLSThrough makes many TLS connections through the
// proxy (a handshake's random bytes once passed for a Kafka header and
// stalled about half of them) and cuts them off by the client's address.
func TestKafkaProxyPassesTLSThrough(t *testing.T) {
	certs := kafkatest.NewCerts(t)
	proxy := kafkaBehindProxy(t, func(ln net.Listener) net.Listener {
		return tls.NewListener(ln, certs.ServerTLS(t, false))
	})
	client := func() *kgo.Client {
		c, err := kgo.NewClient(kgo.SeedBrokers(proxy.Addr()), kgo.DialTLSConfig(certs.ClientTLS(t)),
			kgo.DefaultProduceTopic("t"), kgo.RequestRetries(1), kgo.RecordRetries(1))
		require.NoError(t, err)
		t.Cleanup(c.Close)
		return c
	}
	for i := range 16 {
		require.NoError(t, produce(t, client(), 10*time.Second), "TLS client %d through the proxy", i)
	}

	c := client()
	require.NoError(t, produce(t, c, 10*time.Second))
	var (
		mu  sync.Mutex
		ids []string
	)
	require.NoError(t, proxy.Partition(faults.CutReset, func(id string) bool {
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, id)
		return true
	}))
	require.Error(t, ping(t, c, time.Second), "the client is cut off")
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, ids)
	host, _, err := net.SplitHostPort(ids[0])
	require.NoError(t, err, "a TLS connection is known by the client's address")
	assert.Equal(t, "127.0.0.1", host)
	proxy.Heal()
	require.NoError(t, produce(t, c, 15*time.Second), "the client reaches the broker again")
}
