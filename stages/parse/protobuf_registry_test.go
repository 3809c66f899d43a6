package parse

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/sluicehq/sluice/model"
)

func TestProtobufRegistryUnavailable(t *testing.T) {
	reg, cl, id := testRegistry(t)
	types := testTypes(t)
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	value := confluentProto(t, id, []int{0}, protoMessage(t, types, "shop.v1.Order", `{"id":"o-1"}`))

	var calls atomic.Int32
	reg.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		calls.Add(1)
		http.Error(w, `{"error_code":50001,"message":"down"}`, http.StatusServiceUnavailable)
		return true
	})
	b := model.Batch{Records: []model.Record{{Value: value}}}
	err := s.ParseBatch(&b)
	require.ErrorIs(t, err, ErrUnavailable)
	assert.Contains(t, err.Error(), "schema id "+itoa(id))
	assert.Equal(t, int32(4), calls.Load(), "bounded retries (transport/schemareg's client tries 4 times)")
	assert.Empty(t, b.Rejected, "a registry that is down rejects nothing")

	reg.ClearInterceptors() // back: the id is asked again, not remembered as failed
	b = model.Batch{Records: []model.Record{{Value: value}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Empty(t, b.Rejected)
	assert.Equal(t, "o-1", must(b.Records[0].Field("id")))

	reg.Close() // schemas already fetched are kept
	b = model.Batch{Records: []model.Record{{Value: value}}}
	require.NoError(t, s.ParseBatch(&b))
	require.Len(t, b.Records, 1)

	other, cl2, id2 := testRegistry(t)
	other.Close()
	s = protobufStage(t, `{type: protobuf}`, Settings{Registry: cl2})
	b = model.Batch{Records: []model.Record{{Value: confluentProto(t, id2, []int{0}, &emptypb.Empty{})}}}
	err = s.ParseBatch(&b)
	require.ErrorIs(t, err, ErrUnavailable, "a closed registry: connection refused")
	assert.Contains(t, err.Error(), "schema id "+itoa(id2))
}

// TestProtobufConcurrent decodes from many goroutines at once with nothing
// fetched yet: each schema is fetched once, every record decodes.
func TestProtobufConcurrent(t *testing.T) {
	reg, cl, id := testRegistry(t)
	types := testTypes(t)
	var fetches atomic.Int32
	reg.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
			fetches.Add(1)
		}
		return false
	})
	s := protobufStage(t, `{type: protobuf}`, Settings{Registry: cl})
	values := [][]byte{
		confluentProto(t, id, []int{0}, protoMessage(t, types, "shop.v1.Order", fullOrder)),
		confluentProto(t, id, []int{1}, protoMessage(t, types, "shop.v1.Refund", `{"orderId":"r"}`)),
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				b := model.Batch{Records: []model.Record{{Partition: int32(g), Offset: int64(i), Value: values[i%2]}}}
				if err := s.ParseBatch(&b); err != nil || len(b.Rejected) > 0 {
					t.Errorf("goroutine %d record %d: %v %v", g, i, err, b.Rejected)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), fetches.Load())
}
