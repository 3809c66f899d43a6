package parse

import (
	"context"
	"fmt"
	"strconv"

	"github.com/bufbuild/protocompile"
	"github.com/twmb/franz-go/pkg/sr"
)

// pbRegistry fetches .proto schemas from a Schema Registry by id, with the
// schemas they reference, compiles them (protocompile) and keeps them. It
// is safe for concurrent use; a schema is fetched by one caller while the
// others wanting it wait (see registryCache).
type pbRegistry struct {
	cl    *sr.Client
	cache registryCache[*pbFile]
}

func newPBRegistry(cl *sr.Client) *pbRegistry { return &pbRegistry{cl: cl} }

// file returns the compiled schema of id. Errors of a registry that does
// not answer wrap ErrUnavailable; the others (unknown id, not a Protobuf
// schema, a schema that does not compile) are the record's fault.
func (r *pbRegistry) file(id uint32) (*pbFile, error) { return r.cache.get(id, r.fetch) }

// fetch fetches and compiles the schema of id.
func (r *pbRegistry) fetch(id uint32) (*pbFile, error) {
	label := "schema id " + strconv.FormatUint(uint64(id), 10)
	srcs := map[string]string{}
	sch, err := fetchSchema(r.cl, id, func(name, text string) { srcs[name] = text })
	if err != nil {
		return nil, err
	}
	if sch.Type != sr.TypeProtobuf {
		return nil, fmt.Errorf("%s is a %s schema, not PROTOBUF", label, sch.Type)
	}
	main := "sluice/registry/" + strconv.FormatUint(uint64(id), 10) + ".proto"
	srcs[main] = sch.Schema
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(srcs)}),
		MaxParallelism: 1,
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	files, err := comp.Compile(ctx, main)
	if err != nil {
		return nil, fmt.Errorf("%s: compiling: %w", label, err)
	}
	return newPBFile("protobuf:"+strconv.FormatUint(uint64(id), 10), label, files[0]), nil
}
