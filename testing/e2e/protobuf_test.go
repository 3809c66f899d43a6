package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/testing/archivetest"
	"github.com/sluicehq/sluice/testing/duckdb"
	"github.com/sluicehq/sluice/testing/kafkatest"
)

// eventProto is the schema of the Protobuf topic.
const eventProto = `syntax = "proto3";
package e2e.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
enum Kind { KIND_UNSPECIFIED = 0; KIND_BUY = 1; KIND_VIEW = 2; }
message Event {
  message User { int32 id = 1; string country = 2; }
  int64 id = 1;
  string action = 2;
  Kind kind = 3;
  google.protobuf.Timestamp at = 4;
  User user = 5;
  repeated string tags = 6;
  map<string, int32> attrs = 7;
  google.protobuf.DoubleValue ratio = 8;
  optional bool ok = 9;
  bytes blob = 10;
  uint32 n = 11;
}
`

// eventDescriptorSet compiles eventProto and writes its FileDescriptorSet
// (with the well-known types, as protoc --include_imports does); it returns
// the set's path and the compiled message type.
func eventDescriptorSet(t *testing.T) (string, protoreflect.MessageType) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "event.proto"), []byte(eventProto), 0o600))
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(
		&protocompile.SourceResolver{ImportPaths: []string{dir}})}
	files, err := comp.Compile(t.Context(), "event.proto")
	require.NoError(t, err)
	set := new(descriptorpb.FileDescriptorSet)
	for i := range files[0].Imports().Len() {
		set.File = append(set.File, protodesc.ToFileDescriptorProto(files[0].Imports().Get(i).FileDescriptor))
	}
	set.File = append(set.File, protodesc.ToFileDescriptorProto(files[0]))
	b, err := proto.Marshal(set)
	require.NoError(t, err)
	path := filepath.Join(dir, "event.binpb")
	require.NoError(t, os.WriteFile(path, b, 0o600))
	mt, err := files.AsResolver().FindMessageByName("e2e.v1.Event")
	require.NoError(t, err)
	return path, mt
}

// eventJSON is event i in Protobuf JSON: every third has no user, ratio,
// ok or tags.
func eventJSON(i int, at time.Time) string {
	if i%3 == 2 {
		return fmt.Sprintf(`{"id":"%d","action":"view","kind":"KIND_VIEW","at":"%s","n":%d}`, i, at.Format(time.RFC3339Nano), i)
	}
	return fmt.Sprintf(`{"id":"%d","action":"buy","kind":"KIND_BUY","at":"%s","user":{"id":%d,"country":"FR"},`+
		`"tags":["a","b%d"],"attrs":{"z":1,"a":%d},"ratio":%d.25,"ok":true,"blob":"AQI=","n":%d}`,
		i, at.Format(time.RFC3339Nano), i*10, i, i, i, i)
}

// TestProtobufTypedParquet: Protobuf records in the Confluent wire format,
// decoded with a descriptor set, land as typed Parquet columns DuckDB reads
// with the mapped types and the records' values, partitioned by the
// Timestamp field.
func TestProtobufTypedParquet(t *testing.T) {
	const topic, n = "events", 120
	kc := kafkatest.Start(t, 2, topic)
	dir := t.TempDir()
	set, mt := eventDescriptorSet(t)
	cfg := testConfig(t, kc.Brokers(), "file://"+dir, topic)
	cfg.Defaults.Parser.Type = parse.TypeProtobuf
	cfg.Defaults.Parser.Options = conf.OptionsOf(&parse.ProtobufConfig{
		Wire: parse.WireConfluent, DescriptorSet: set, Message: "e2e.v1.Event"})
	cfg.Defaults.Parser.Time = parse.TimeConfig{Source: parse.SourceField, Field: "at"}
	require.NoError(t, cfg.Validate())
	st := openStore(t, "file://"+dir, cfg.Destination.S3)

	base := time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)
	recs := make([]kafkatest.Record, n)
	for i := range recs {
		m := mt.New().Interface()
		require.NoError(t, protojson.Unmarshal([]byte(eventJSON(i, base.Add(time.Duration(i)*71*time.Second))), m))
		value, err := new(sr.ConfluentHeader).AppendEncode(nil, 1, []int{0})
		require.NoError(t, err)
		value, err = proto.MarshalOptions{}.MarshalAppend(value, m)
		require.NoError(t, err)
		recs[i] = kafkatest.Record{Partition: int32(i % 2), Value: value, Timestamp: base}
	}
	kc.Produce(t, topic, recs...)
	r := start(t, cfg, pipelineSettings())
	archivetest.WaitDurable(t, st, topic, kc.EndOffsets(t, topic), 60*time.Second)
	require.NoError(t, r.stop(t))

	glob := filepath.Join(dir, topic, "**", "*.parquet")
	got := columnTypes(t, glob)
	want := map[string]string{
		"id": "BIGINT", "action": "VARCHAR", "kind": "VARCHAR", "at": "TIMESTAMP WITH TIME ZONE",
		"user": "STRUCT(id INTEGER, country VARCHAR)", "tags": "VARCHAR[]", "attrs": "MAP(VARCHAR, INTEGER)",
		"ratio": "DOUBLE", "ok": "BOOLEAN", "blob": "BLOB", "n": "UINTEGER",
		"_topic": "VARCHAR", "_partition": "INTEGER", "_offset": "BIGINT", "_timestamp": "TIMESTAMP WITH TIME ZONE",
		"_key": "BLOB", "_headers": "STRUCT(\"key\" VARCHAR, \"value\" BLOB)[]", "dt": "DATE", "hr": "VARCHAR",
	}
	assert.Equal(t, want, got)

	rows := duckdb.Query(t, fmt.Sprintf(`SELECT id, action, kind, CAST(epoch_ms("at") AS BIGINT) AS at_ms, user.id AS uid,
		user.country AS country, len(tags) AS ntags, tags[2] AS tag2, attrs['a'] AS attr_a, ratio, ok, hex(blob) AS blob, n
		FROM read_parquet('%s') ORDER BY id`, glob))
	require.Len(t, rows, n)
	for i, row := range rows {
		at := base.Add(time.Duration(i) * 71 * time.Second)
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["id"]))
		assert.Equal(t, fmt.Sprint(at.UnixMilli()), fmt.Sprint(row["at_ms"]), "id %d", i)
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["n"]))
		if i%3 == 2 {
			assert.Equal(t, "view", row["action"])
			assert.Equal(t, "KIND_VIEW", row["kind"])
			assert.Nil(t, row["uid"])
			assert.Nil(t, row["ratio"])
			assert.Nil(t, row["ok"])
			assert.Equal(t, "0", fmt.Sprint(row["ntags"]), "repeated fields are empty lists, not null")
			assert.Equal(t, "", row["blob"])
			continue
		}
		assert.Equal(t, "buy", row["action"])
		assert.Equal(t, "KIND_BUY", row["kind"])
		assert.Equal(t, fmt.Sprint(i*10), fmt.Sprint(row["uid"]))
		assert.Equal(t, "FR", row["country"])
		assert.Equal(t, fmt.Sprint("b", i), row["tag2"])
		assert.Equal(t, fmt.Sprint(i), fmt.Sprint(row["attr_a"]))
		assert.InDelta(t, float64(i)+0.25, row["ratio"], 1e-9)
		assert.Equal(t, true, row["ok"])
		assert.Equal(t, "0102", row["blob"])
	}
	hours := duckdb.Query(t, fmt.Sprintf(`SELECT count(DISTINCT hr) AS n FROM read_parquet('%s')`, glob))
	assert.Equal(t, "3", fmt.Sprint(hours[0]["n"]), "partitioned by the Timestamp field (120 × 71 s from 01:00)")
	verifyOK(t, st, topic, n)
}
