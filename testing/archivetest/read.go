package archivetest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/hamba/avro/v2/ocf"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Row is one stored record.
type Row struct {
	Key       string // object key
	Topic     string
	Partition int32
	Offset    int64
	Value     []byte
	RecordKey []byte
}

// nameRE is the file name every data object must have.
var nameRE = regexp.MustCompile(`^([A-Za-z0-9._-]+)\+(\d+)\+(\d{20})(?:\.[1-9]\d*)?\.(parquet|jsonl|jsonl\.gz|jsonl\.zst|avro)$`)

// ReadAll reads every data object (keys not under "_sluice/" or
// "_rejected/") and checks
// each object's name: "<topic>+<partition>+<round start, 20 digits>.<ext>",
// where topic and partition match its rows and the round start is the
// smallest offset over all objects of the round (the files of one round
// share the name, in different output partitions).
func ReadAll(t testing.TB, st objstore.Store) []Row {
	t.Helper()
	return readAll(t, st, true)
}

// ReadFiltered is ReadAll for an archive whose stages filter or reject
// records: a round may start on a filtered or rejected offset, so its
// files' name is at most, not exactly, their smallest offset, and then the
// round's records of filtered and rejected offsets (commit.FilteredKey,
// commit.RejectedKey) must hold every offset from the name's to the files'
// first.
func ReadFiltered(t testing.TB, st objstore.Store) []Row {
	t.Helper()
	return readAll(t, st, false)
}

func readAll(t testing.TB, st objstore.Store, exact bool) []Row {
	t.Helper()
	ctx := context.Background()
	var keys []string
	require.NoError(t, st.List(ctx, "", func(o objstore.Object) error {
		if !strings.HasPrefix(o.Key, "_sluice/") && !strings.HasPrefix(o.Key, deadletter.Prefix) {
			keys = append(keys, o.Key)
		}
		return nil
	}))
	var rows []Row
	type roundID struct {
		topic     string
		partition int32
		start     int64
	}
	roundMin := map[roundID]int64{} // smallest offset in the round's files
	for _, k := range keys {
		m := nameRE.FindStringSubmatch(path.Base(k))
		require.NotNil(t, m, "object %q is not named <topic>+<partition>+<offset>.<ext>", k)
		rc, err := st.Open(ctx, k)
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		rc.Close()
		require.NoError(t, err)
		var got []Row
		switch m[4] {
		case "parquet":
			got = readParquet(t, k, data)
		case "avro":
			got = readAvro(t, k, data)
		default:
			got = readJSONL(t, k, m[4], data)
		}
		require.NotEmpty(t, got, "object %q holds no rows", k)
		first, _ := strconv.ParseInt(m[3], 10, 64)
		part, _ := strconv.Atoi(m[2])
		round := roundID{m[1], int32(part), first}
		if _, ok := roundMin[round]; !ok {
			roundMin[round] = got[0].Offset
		}
		for _, r := range got {
			require.Equal(t, m[1], r.Topic, "object %q", k)
			require.Equal(t, int32(part), r.Partition, "object %q", k)
			require.GreaterOrEqual(t, r.Offset, first, "object %q holds an offset before its round's start", k)
			roundMin[round] = min(roundMin[round], r.Offset)
		}
		rows = append(rows, got...)
	}
	for round, lo := range roundMin {
		name := fmt.Sprintf("%s+%d+%d", round.topic, round.partition, round.start)
		if exact || lo == round.start {
			require.Equal(t, round.start, lo, "files of round %s must be named by the round's first offset", name)
			continue
		}
		// The offsets before the files' first one were filtered or
		// dead-lettered: the round's records of them must say so.
		var dropped model.Offsets
		if data, _, err := st.Get(ctx, commit.FilteredKey(round.topic, round.partition, round.start)); err == nil {
			f, err := commit.DecodeFiltered(commit.FilteredKey(round.topic, round.partition, round.start), data)
			require.NoError(t, err)
			dropped = model.OffsetsOf(f.Ranges...)
		}
		if data, _, err := st.Get(ctx, commit.RejectedKey(round.topic, round.partition, round.start)); err == nil {
			rj, err := commit.DecodeRejected(commit.RejectedKey(round.topic, round.partition, round.start), data)
			require.NoError(t, err)
			for _, r := range rj.Ranges {
				dropped.AddRange(r)
			}
		}
		require.NotZero(t, dropped.Len(), "files of round %s start at offset %d: the offsets before must be recorded as filtered or rejected", name, lo)
		require.Equal(t, round.start, dropped.Ranges()[0].First, "round %s: the round's first offset is filtered or rejected", name)
		require.Less(t, dropped.Ranges()[0].Last, lo, "round %s: the round's files start after its first filtered or rejected offsets", name)
	}
	return rows
}

func readParquet(t testing.TB, key string, data []byte) []Row {
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	require.NoError(t, err, key)
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	require.NoError(t, err, key)
	kv := rdr.MetaData().KeyValueMetadata()
	tbl, err := fr.ReadTable(context.Background())
	require.NoError(t, err, key)
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 0)
	defer tr.Release()
	var rows []Row
	for tr.Next() {
		rec := tr.RecordBatch()
		// A typed file names its envelope columns in its metadata; those
		// it switched off (all but the offset) are absent, and the row
		// takes the file name's topic and partition, no key or value.
		typed := kv.FindValue(format.MetaOffsetColumn) != nil
		col := func(metaKey, name string) arrow.Array {
			if v := kv.FindValue(metaKey); v != nil {
				name = *v
			} else if typed {
				return nil
			}
			idx := rec.Schema().FieldIndices(name)
			require.Len(t, idx, 1, "column %q in %s", name, key)
			return rec.Column(idx[0])
		}
		offs := col(format.MetaOffsetColumn, "offset").(*array.Int64)
		topics, _ := col(format.MetaTopicColumn, "topic").(*array.String)
		parts, _ := col(format.MetaPartitionColumn, "partition").(*array.Int32)
		vals, _ := col(format.MetaValueColumn, "value").(*array.Binary)
		keys, _ := col(format.MetaKeyColumn, "key").(*array.Binary)
		lane := nameRE.FindStringSubmatch(path.Base(key))
		for i := 0; i < int(rec.NumRows()); i++ {
			r := Row{Key: key, Offset: offs.Value(i)}
			if topics != nil {
				r.Topic = topics.Value(i)
			} else if lane != nil {
				r.Topic = lane[1]
			}
			if parts != nil {
				r.Partition = parts.Value(i)
			} else if lane != nil {
				p, _ := strconv.ParseInt(lane[2], 10, 32)
				r.Partition = int32(p)
			}
			if vals != nil && !vals.IsNull(i) {
				r.Value = bytes.Clone(vals.Value(i))
			}
			if keys != nil && !keys.IsNull(i) {
				r.RecordKey = bytes.Clone(keys.Value(i))
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// readAvro reads an Avro object container file of the envelope schema
// with hamba/avro.
func readAvro(t testing.TB, key string, data []byte) []Row {
	dec, err := ocf.NewDecoder(bytes.NewReader(data))
	require.NoError(t, err, key)
	defer dec.Close()
	var rows []Row
	for dec.HasNext() {
		var rec struct {
			Topic     string  `avro:"topic"`
			Partition int32   `avro:"partition"`
			Offset    int64   `avro:"offset"`
			Key       *[]byte `avro:"key"`
			Value     *[]byte `avro:"value"`
		}
		require.NoError(t, dec.Decode(&rec), key)
		row := Row{Key: key, Topic: rec.Topic, Partition: rec.Partition, Offset: rec.Offset}
		if rec.Value != nil {
			row.Value = *rec.Value
		}
		if rec.Key != nil {
			row.RecordKey = *rec.Key
		}
		rows = append(rows, row)
	}
	require.NoError(t, dec.Error(), key)
	return rows
}

func readJSONL(t testing.TB, key, ext string, data []byte) []Row {
	r, err := format.Decompress(bytes.NewReader(data), format.CompressionOf(ext))
	require.NoError(t, err, key)
	defer r.Close()
	var rows []Row
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var line struct {
			Topic     string          `json:"topic"`
			Partition int32           `json:"partition"`
			Offset    int64           `json:"offset"`
			Value     json.RawMessage `json:"value"`
			Key       *string         `json:"key"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &line), "%s: %s", key, sc.Text())
		row := Row{Key: key, Topic: line.Topic, Partition: line.Partition, Offset: line.Offset, Value: line.Value}
		if line.Key != nil {
			row.RecordKey = []byte(*line.Key)
		}
		rows = append(rows, row)
	}
	require.NoError(t, sc.Err(), key)
	return rows
}

// Offsets groups rows by partition ("topic/partition") and fails the test
// when an offset is stored twice.
func Offsets(t testing.TB, rows []Row) map[string][]int64 {
	t.Helper()
	seen := map[string]string{}
	out := map[string][]int64{}
	for _, r := range rows {
		lane := fmt.Sprintf("%s/%d", r.Topic, r.Partition)
		id := fmt.Sprintf("%s@%d", lane, r.Offset)
		if prev, dup := seen[id]; dup {
			t.Fatalf("offset %s stored twice: in %s and %s", id, prev, r.Key)
		}
		seen[id] = r.Key
		out[lane] = append(out[lane], r.Offset)
	}
	return out
}

// RequireExactlyOnce fails unless every offset 0..end-1 of every partition in
// end is stored exactly once and nothing else is.
func RequireExactlyOnce(t testing.TB, rows []Row, topic string, end map[int32]int64) {
	t.Helper()
	got := Offsets(t, rows)
	total := 0
	for p, e := range end {
		lane := fmt.Sprintf("%s/%d", topic, p)
		offs := got[lane]
		require.Len(t, offs, int(e), "partition %s: stored %d offsets, produced %d", lane, len(offs), e)
		have := make(map[int64]bool, len(offs))
		for _, o := range offs {
			have[o] = true
		}
		for o := int64(0); o < e; o++ {
			require.True(t, have[o], "partition %s: offset %d missing", lane, o)
		}
		total += len(offs)
	}
	require.Len(t, rows, total, "rows of partitions nobody produced to")
}
