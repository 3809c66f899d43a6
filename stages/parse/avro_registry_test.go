package parse

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/transport/schemareg"
)

const (
	userV1 = `{"type":"record","name":"User","namespace":"com.example","fields":[
		{"name":"id","type":"long"},{"name":"name","type":"string"}]}`
	userV2 = `{"type":"record","name":"User","namespace":"com.example","fields":[
		{"name":"id","type":"long"},{"name":"name","type":"string"},
		{"name":"email","type":["null","string"],"default":null}]}`
)

// registryClient returns a client of reg as the pipeline builds it.
func registryClient(t testing.TB, url string) *sr.Client {
	t.Helper()
	cl, err := schemareg.New(schemareg.Config{URL: schemareg.URLs{url}, Timeout: 2 * time.Second})
	require.NoError(t, err)
	return cl
}

// avroEncode encodes v with schema text.
func avroEncode(t testing.TB, schema string, v any) []byte {
	t.Helper()
	b, err := avro.Marshal(avro.MustParse(schema), v)
	require.NoError(t, err)
	return b
}

// TestAvroRegistry: schemas come by id, one model.Schema per id shared by
// its records; unknown ids and schemas of another type are rejected; a
// registry that does not answer stops the batch with ErrUnavailable.
func TestAvroRegistry(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id1, _, err := reg.RegisterSchema("users-value", sr.Schema{Schema: userV1, Type: sr.TypeAvro})
	require.NoError(t, err)
	id2, _, err := reg.RegisterSchema("users-value", sr.Schema{Schema: userV2, Type: sr.TypeAvro})
	require.NoError(t, err)
	protoID, _, err := reg.RegisterSchema("other-value", sr.Schema{Schema: `syntax = "proto3"; message M { int64 a = 1; }`, Type: sr.TypeProtobuf})
	require.NoError(t, err)
	var fetches atomic.Int64
	reg.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
			fetches.Add(1)
		}
		return false
	})
	st := avroStage(t, AvroConfig{Wire: WireConfluent}, Settings{Registry: registryClient(t, reg.URL())})

	v1 := confluent(uint32(id1), avroEncode(t, userV1, map[string]any{"id": int64(1), "name": "ann"}))
	v2 := confluent(uint32(id2), avroEncode(t, userV2, map[string]any{"id": int64(2), "name": "bob", "email": "b@x"}))
	b := &model.Batch{Records: []model.Record{{Value: v1}, {Value: v2}, {Value: v1}, {Value: confluent(999, []byte{2})},
		{Value: confluent(uint32(protoID), []byte{2})}}}
	require.NoError(t, st.ParseBatch(b))
	require.Len(t, b.Records, 3)
	s1, s2 := b.Records[0].Schema, b.Records[1].Schema
	assert.Equal(t, "avro:1", s1.ID)
	assert.Equal(t, "avro:2", s2.ID)
	assert.Same(t, s1, b.Records[2].Schema, "one model.Schema per id")
	assert.Len(t, s1.Fields, 2)
	assert.Len(t, s2.Fields, 3)
	f, _ := b.Records[1].Fields()
	assert.Equal(t, map[string]any{"id": int64(2), "name": "bob", "email": "b@x"}, f)
	require.Len(t, b.Rejected, 2)
	assert.Contains(t, b.Rejected[0].Reason, "decoding avro: schema id 999: not in the schema registry")
	assert.Contains(t, b.Rejected[1].Reason, "not an Avro schema")

	// An unknown id is remembered for a while: no second request.
	before := fetches.Load()
	b = &model.Batch{Records: []model.Record{{Value: confluent(999, []byte{2})}, {Value: v1}}}
	require.NoError(t, st.ParseBatch(b))
	assert.Len(t, b.Rejected, 1)
	assert.Equal(t, before, fetches.Load())

	// Known ids decode without the registry; a new id needs it.
	reg.Close()
	b = &model.Batch{Records: []model.Record{{Value: v2}}}
	require.NoError(t, st.ParseBatch(b))
	id3 := confluent(uint32(id2)+10, []byte{2})
	start := time.Now()
	err = st.ParseBatch(&model.Batch{Records: []model.Record{{Value: id3}}})
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "decoding avro: schema id 12")
	assert.Less(t, time.Since(start), 3*time.Second, "bounded by the registry timeout")
	assert.Equal(t, uint64(2+1), st.Stats().Rejected, "unavailable is not a rejection")
}

// TestAvroRegistryConcurrent: goroutines decoding records of one new id
// fetch it once, and share its schema.
func TestAvroRegistryConcurrent(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	id, _, err := reg.RegisterSchema("users-value", sr.Schema{Schema: userV1, Type: sr.TypeAvro})
	require.NoError(t, err)
	var fetches atomic.Int64
	reg.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
			fetches.Add(1)
			time.Sleep(20 * time.Millisecond) // let the others arrive
		}
		return false
	})
	st := avroStage(t, AvroConfig{Wire: WireConfluent}, Settings{Registry: registryClient(t, reg.URL())})
	v := confluent(uint32(id), avroEncode(t, userV1, map[string]any{"id": int64(1), "name": "ann"}))
	var wg sync.WaitGroup
	schemas := make([]*model.Schema, 8)
	for g := range schemas {
		wg.Go(func() {
			for range 50 {
				b := &model.Batch{Records: []model.Record{{Partition: int32(g), Value: v}}}
				assert.NoError(t, st.ParseBatch(b))
				assert.Empty(t, b.Rejected)
				schemas[g] = b.Records[0].Schema
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(1), fetches.Load())
	for _, s := range schemas {
		assert.Same(t, schemas[0], s)
	}
}

// TestAvroReferences: a schema that refers to another subject's record
// type is parsed with it.
func TestAvroReferences(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	addr := `{"type":"record","name":"Address","namespace":"com.example","fields":[{"name":"city","type":"string"}]}`
	_, _, err := reg.RegisterSchema("address", sr.Schema{Schema: addr, Type: sr.TypeAvro})
	require.NoError(t, err)
	user := `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"home","type":"Address"}]}`
	id, _, err := reg.RegisterSchema("users-value", sr.Schema{Schema: user, Type: sr.TypeAvro,
		References: []sr.SchemaReference{{Name: "com.example.Address", Subject: "address", Version: 1}}})
	require.NoError(t, err)
	st := avroStage(t, AvroConfig{Wire: WireConfluent}, Settings{Registry: registryClient(t, reg.URL())})
	full := `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"home","type":` + addr + `}]}`
	b := &model.Batch{Records: []model.Record{{Value: confluent(uint32(id),
		avroEncode(t, full, map[string]any{"home": map[string]any{"city": "Lyon"}}))}}}
	require.NoError(t, st.ParseBatch(b))
	require.Empty(t, b.Rejected)
	v, _ := b.Records[0].Field("home.city")
	assert.Equal(t, "Lyon", v)
	assert.Contains(t, b.Records[0].Schema.Avro, `"city"`, "the schema text is self-contained")
}
