package parse

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/sluicehq/sluice/transport/schemareg"
	"github.com/twmb/franz-go/pkg/sr"
)

// avroRegistry fetches Avro schemas by id from the Schema Registry and
// keeps them, each compiled once and shared by every record (and every
// goroutine) that uses it. It is safe for concurrent use.
type avroRegistry struct {
	cl    *sr.Client
	cache registryCache[*avroSchema]
}

func newAvroRegistry(cl *sr.Client) *avroRegistry { return &avroRegistry{cl: cl} }

// schema returns id's compiled schema (see registryCache).
func (c *avroRegistry) schema(id uint32) (*avroSchema, error) { return c.cache.get(id, c.fetch) }

// fetch fetches and compiles id's schema.
func (c *avroRegistry) fetch(id uint32) (*avroSchema, error) {
	var refs []string
	s, err := fetchSchema(c.cl, id, func(_, text string) { refs = append(refs, text) })
	var re *sr.ResponseError
	if schemareg.NotFound(err) && errors.As(err, &re) {
		return nil, fmt.Errorf("schema id %d: not in the schema registry: %w", id, re)
	}
	if err != nil {
		return nil, err
	}
	if s.Type != sr.TypeAvro {
		return nil, fmt.Errorf("%w: the registry's schema is %s", errNoAvro, s.Type)
	}
	parsed, err := parseAvroSchema(s.Schema, refs...)
	if err != nil {
		return nil, err
	}
	return compileAvro("avro:"+strconv.FormatUint(uint64(id), 10), parsed)
}
