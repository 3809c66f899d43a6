package verify_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/app/verify"
	"github.com/sluicehq/sluice/testing/kafkatest"
	"github.com/sluicehq/sluice/transport/kafka"
)

const txnTopic = "txn"

// txnLog is what was produced into one partition.
type txnLog struct {
	data    map[int64]bool // offset of each data record → aborted
	markers int            // transaction markers written
}

// produceTxns writes, into both partitions of txnTopic, transactions that
// commit and abort between plain records, and ends with plain records so
// that every marker lies inside the archived range.
func produceTxns(t *testing.T, brokers []string) map[int32]*txnLog {
	t.Helper()
	ctx := t.Context()
	opts := []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(txnTopic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.ProducerLinger(0)}
	txn, err := kgo.NewClient(append(opts, kgo.TransactionalID("verify-test"))...)
	require.NoError(t, err)
	defer txn.Close()
	plain, err := kgo.NewClient(opts...)
	require.NoError(t, err)
	defer plain.Close()
	logs := map[int32]*txnLog{0: {data: map[int64]bool{}}, 1: {data: map[int64]bool{}}}
	steps := []struct {
		n            int
		txn, aborted bool
	}{
		{n: 120, txn: true}, {n: 40, txn: true, aborted: true}, {n: 300}, {n: 90, txn: true},
		{n: 60, txn: true, aborted: true}, {n: 10, txn: true}, {n: 500}, {n: 30, txn: true, aborted: true},
		{n: 200, txn: true}, {n: 150},
	}
	base := time.Date(2026, 11, 22, 23, 50, 0, 0, time.UTC)
	id := 0
	for _, s := range steps {
		var recs []*kgo.Record
		for i := range s.n {
			ts := base.Add(time.Duration(id) * time.Second)
			recs = append(recs, &kgo.Record{Partition: int32(i % 2), Timestamp: ts,
				Value: fmt.Appendf(nil, `{"id":%d,"ts":%d}`, id, ts.UnixMilli())})
			id++
		}
		cl := plain
		if s.txn {
			cl = txn
			require.NoError(t, txn.BeginTransaction())
		}
		res := cl.ProduceSync(ctx, recs...)
		require.NoError(t, res.FirstErr())
		for _, r := range res {
			logs[r.Record.Partition].data[r.Record.Offset] = s.aborted
		}
		if s.txn {
			end := kgo.TryCommit
			if s.aborted {
				end = kgo.TryAbort
			}
			require.NoError(t, txn.EndTransaction(ctx, end))
			logs[0].markers++
			logs[1].markers++
		}
	}
	return logs
}

// absent counts the offsets of [lo..hi] that hold no record a consumer at
// the isolation level reads.
func (l *txnLog) absent(lo, hi int64, readCommitted bool) int64 {
	var n int64
	for o := lo; o <= hi; o++ {
		aborted, ok := l.data[o]
		if !ok || (readCommitted && aborted) {
			n++
		}
	}
	return n
}

func newInspector(t *testing.T, brokers ...string) *kafka.Inspector {
	t.Helper()
	cfg := kafka.DefaultConfig()
	cfg.Brokers = brokers
	cfg.DialTimeout = time.Second
	in, err := kafka.NewInspector(cfg)
	require.NoError(t, err)
	t.Cleanup(in.Close)
	return in
}

func runWith(t *testing.T, dir string, cfg verify.Config, br verify.Broker) *verify.Report {
	t.Helper()
	set := verify.Settings{Store: openStore(t, dir), TempDir: t.TempDir()}
	if br != nil {
		set.Broker = br
	}
	rep, err := verify.Run(t.Context(), cfg, set)
	require.NoError(t, err)
	return rep
}

func kinds(rep *verify.Report) map[string]verify.Severity {
	out := map[string]verify.Severity{}
	for _, f := range findings(rep) {
		out[f.Kind] = f.Severity
	}
	return out
}

// TestVerifyBroker archives a transactional topic (markers and aborted
// records leave offsets without data) with the real pipeline, then checks
// that the broker tells those gaps apart from planted losses.
func TestVerifyBroker(t *testing.T) {
	kc := kafkatest.Start(t, 2, txnTopic)
	logs := produceTxns(t, kc.Brokers())
	end := map[string]map[int32]int64{txnTopic: kc.EndOffsets(t, txnTopic)}
	dir := t.TempDir()
	archiveTopics(t, kc.Brokers(), dir, end, nil)
	in := newInspector(t, kc.Brokers()...)
	committed := in.ReadCommitted()

	clean := runWith(t, dir, verify.Config{}, in)
	t.Run("transaction gaps are Kafka's", func(t *testing.T) {
		rep := clean
		require.True(t, rep.OK, "findings: %+v", findings(rep))
		assert.Empty(t, findings(rep))
		assert.True(t, rep.BrokerConsulted)
		require.Len(t, rep.Partitions, 2)
		var total int64
		for _, p := range rep.Partitions {
			l := logs[p.Partition]
			e := end[txnTopic][p.Partition]
			require.NotNil(t, p.Max)
			assert.Equal(t, e-1, *p.Max)
			// Every marker but none of the data is missing (and, under
			// read_committed, the aborted records).
			want := l.absent(*p.Min, *p.Max, committed)
			if !committed {
				assert.Equal(t, int64(l.markers), want)
			}
			assert.Equal(t, want, p.KafkaGapOffsets, "partition %d", p.Partition)
			assert.Equal(t, p.GapOffsets, p.KafkaGapOffsets)
			assert.Zero(t, p.LostOffsets)
			assert.Zero(t, p.UnverifiedOffsets)
			assert.Zero(t, p.RetentionOffsets)
			require.NotNil(t, p.Broker)
			assert.Equal(t, verify.BrokerOffsets{LogStart: 0, HighWatermark: e, LastStable: e, Lag: 0}, *p.Broker)
			total += p.KafkaGapOffsets
		}
		assert.Equal(t, total, rep.KafkaGapOffsets)
		var text bytes.Buffer
		require.NoError(t, rep.WriteText(&text))
		assert.Contains(t, text.String(), fmt.Sprintf("broker consulted (%s): %d offsets Kafka has no record at, 0 lost", rep.Isolation, total))
		assert.Contains(t, text.String(), "KAFKA_GAPS")
	})

	t.Run("without the broker every gap is unverified", func(t *testing.T) {
		rep := runWith(t, dir, verify.Config{}, nil)
		require.False(t, rep.OK)
		assert.False(t, rep.BrokerConsulted)
		assert.Equal(t, verify.SeverityViolation, kinds(rep)[verify.KindGap])
		assert.Equal(t, clean.KafkaGapOffsets, rep.UnverifiedOffsets)
		assert.Zero(t, rep.KafkaGapOffsets)
	})

	t.Run("unreachable broker is a warning", func(t *testing.T) {
		rep := runWith(t, dir, verify.Config{}, newInspector(t, "127.0.0.1:1"))
		require.False(t, rep.OK)
		assert.False(t, rep.BrokerConsulted)
		k := kinds(rep)
		assert.Equal(t, verify.SeverityWarning, k[verify.KindBrokerUnreachable])
		assert.Equal(t, verify.SeverityViolation, k[verify.KindGap])
		assert.Equal(t, clean.KafkaGapOffsets, rep.UnverifiedOffsets)
		var text bytes.Buffer
		require.NoError(t, rep.WriteText(&text))
		assert.Contains(t, text.String(), "broker unreachable: every gap is unverified")
	})

	t.Run("deleted object is lost", func(t *testing.T) {
		d := clone(t, dir)
		fs := files(t, d, txnTopic, 1)
		require.Greater(t, len(fs), 2)
		require.NoError(t, os.Remove(filepath.Join(d, fs[len(fs)/2].rel)))
		rep := runWith(t, d, verify.Config{}, in)
		require.False(t, rep.OK)
		f := requireFinding(t, rep, verify.KindLost, "")
		require.NotNil(t, f.Range)
		bad := rep.Partitions[1]
		assert.Equal(t, clean.Partitions[1].Records-bad.Records, bad.LostOffsets)
		assert.Positive(t, bad.LostOffsets)
		assert.Equal(t, clean.Partitions[1].KafkaGapOffsets, bad.KafkaGapOffsets)
		assert.Equal(t, verify.StatusOK, rep.Partitions[0].Status)
		assert.NotContains(t, kinds(rep), verify.KindGap)
	})

	t.Run("budget spent leaves gaps unverified", func(t *testing.T) {
		rep := runWith(t, dir, verify.Config{BrokerMaxBytes: 1}, in)
		require.False(t, rep.OK)
		assert.Positive(t, rep.UnverifiedOffsets)
		f := requireFinding(t, rep, verify.KindGap, "")
		assert.Contains(t, f.Message, "budget")
	})

	// Last: it moves the log start offset.
	t.Run("below the log start is unverifiable", func(t *testing.T) {
		const start = 700
		adm := kadm.NewClient(kgoClient(t, kc.Brokers()))
		off := kadm.Offsets{}
		off.Add(kadm.Offset{Topic: txnTopic, Partition: 0, At: start})
		res, err := adm.DeleteRecords(t.Context(), off)
		require.NoError(t, err)
		require.NoError(t, res.Error())
		rep := runWith(t, dir, verify.Config{}, in)
		require.True(t, rep.OK, "findings: %+v", findings(rep))
		assert.Equal(t, verify.SeverityWarning, kinds(rep)[verify.KindRetention])
		p := rep.Partitions[0]
		l := logs[0]
		assert.Equal(t, l.absent(*p.Min, start-1, committed), p.RetentionOffsets)
		assert.Positive(t, p.RetentionOffsets)
		assert.Equal(t, l.absent(start, *p.Max, committed), p.KafkaGapOffsets)
		assert.Equal(t, int64(start), p.Broker.LogStart)
		assert.Equal(t, clean.Partitions[1], rep.Partitions[1])
	})
}

func kgoClient(t *testing.T, brokers []string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	return cl
}

// clone copies the archive in dir into a fresh directory.
func clone(t *testing.T, dir string) string {
	t.Helper()
	return archive{dir: dir}.clone(t)
}
