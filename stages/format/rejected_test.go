package format_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/klauspost/compress/zstd"
	"github.com/stretchr/testify/require"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/format"
)

// A dead-letter line is the jsonl format's line for the same record with
// the reason added (one encoding, not two), and reads back to the record's
// original bytes: key, value, headers, tombstones and bytes that are not
// UTF-8 included.
func TestRejectionLineIsTheJSONLRowPlusReason(t *testing.T) {
	recs := edgeRecords()
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	spill := writeSpill(t, t.TempDir(), recs, 4, mem)
	rows := bytes.SplitAfter(encodeFile(t, spill, format.Config{Type: format.TypeJSONL, Compression: format.CompressionNone}, mem), []byte("\n"))
	want := stored(recs)
	for i := range recs {
		rej := model.Rejection{Record: recs[i], Reason: "decoding: \"bad\"\n\xff"}
		line := format.AppendRejection(nil, &rej)
		row := rows[i]
		require.Equal(t, string(row[:len(row)-2])+`,"reason":`, string(line[:len(row)-2+len(`,"reason":`)]), "offset %d", recs[i].Offset)
		got, err := format.ParseRejection(line)
		require.NoError(t, err, "%s", line)
		require.Equal(t, "decoding: \"bad\"\n\uFFFD", got.Reason)
		w := want[i]
		require.Equal(t, w.Topic, got.Record.Topic)
		require.Equal(t, w.Offset, got.Record.Offset)
		require.Equal(t, w.Partition, got.Record.Partition)
		require.True(t, w.Timestamp.Equal(got.Record.Timestamp), "offset %d: %v != %v", w.Offset, w.Timestamp, got.Record.Timestamp)
		require.Equal(t, w.Key, got.Record.Key, "offset %d key", w.Offset)
		require.Equal(t, w.Key == nil, got.Record.Key == nil, "offset %d key null", w.Offset)
		require.Equal(t, w.Value, got.Record.Value, "offset %d value", w.Offset)
		require.Equal(t, w.Value == nil, got.Record.Value == nil, "offset %d tombstone", w.Offset)
		require.Len(t, got.Record.Headers, len(w.Headers))
		for j, h := range w.Headers {
			require.Equal(t, h.Key, got.Record.Headers[j].Key)
			require.Equal(t, h.Value, got.Record.Headers[j].Value)
			require.Equal(t, h.Value == nil, got.Record.Headers[j].Value == nil)
		}
		require.Equal(t, line, format.AppendRejection(nil, &got), "offset %d: a line read back writes the same bytes", w.Offset)
	}
}

func TestParseRejectionRejectsGarbage(t *testing.T) {
	for _, line := range []string{``, `{`, `[]`, `{"timestamp":"yesterday"}`,
		`{"timestamp":"2026-11-22T01:02:03.456Z","key_base64":"%%%"}`,
		`{"timestamp":"2026-11-22T01:02:03.456Z","value_base64":"%%%"}`,
		`{"timestamp":"2026-11-22T01:02:03.456Z","headers":[{"key":"h","value_base64":"%"}]}`} {
		_, err := format.ParseRejection([]byte(line))
		require.ErrorIs(t, err, format.ErrBadRejection, "%q", line)
	}
}

// The compressed dead-letter file is the same bytes for the same lines.
func TestRejectedWriterDeterministic(t *testing.T) {
	var lines []byte
	for i, r := range edgeRecords() {
		lines = format.AppendRejection(lines, &model.Rejection{Record: r, Reason: "r" + string(rune('a'+i))})
	}
	enc := func() []byte {
		var buf bytes.Buffer
		w, err := format.NewRejectedWriter(&buf, format.CompressionZstd)
		require.NoError(t, err)
		_, err = w.Write(lines)
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return buf.Bytes()
	}
	a, b := enc(), enc()
	require.Equal(t, a, b)
	zr, err := zstd.NewReader(bytes.NewReader(a))
	require.NoError(t, err)
	defer zr.Close()
	got, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Equal(t, lines, got)
	require.Equal(t, ".jsonl.zst", format.RejectedExtension(format.CompressionZstd))
	require.Equal(t, ".jsonl", format.RejectedExtension(""))
}

// ParseRejection never panics, and a line it reads writes back to a line
// that reads back to the same record.
func FuzzParseRejection(f *testing.F) {
	for i, r := range edgeRecords() {
		f.Add(format.AppendRejection(nil, &model.Rejection{Record: r, Reason: string(rune('a' + i))}))
	}
	f.Add([]byte(`{"timestamp":"2026-11-22T01:02:03.456Z","value":null,"key_base64":"/w=="}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		rej, err := format.ParseRejection(line)
		if err != nil {
			return
		}
		again, err := format.ParseRejection(format.AppendRejection(nil, &rej))
		require.NoError(t, err)
		require.Equal(t, rej.Record.Offset, again.Record.Offset)
		require.Equal(t, rej.Record.Key, again.Record.Key)
	})
}
