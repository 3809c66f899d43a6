package parse

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicehq/sluice/transport/schemareg"
)

// Limits of the schema cache.
const (
	// fetchTimeout bounds one schema's fetch, its references included;
	// the client's own timeout bounds each request, retries included.
	fetchTimeout = time.Minute
	// notFoundTTL is how long an id the registry does not know is taken
	// for unknown before it is asked again.
	notFoundTTL = time.Minute
	// maxNotFound bounds the unknown ids remembered; past it they are
	// forgotten at once.
	maxNotFound = 1024
	// maxReferenceDepth bounds the chain of schema references followed.
	maxReferenceDepth = 16
)

// avroRegistry fetches Avro schemas by id from the Schema Registry and
// keeps them, each compiled once and shared by every record (and every
// goroutine) that uses it. It is safe for concurrent use.
type avroRegistry struct {
	cl *sr.Client

	mu   sync.Mutex
	byID map[uint32]*avroEntry
	// unknown counts the entries whose error is a not-found.
	unknown int
}

// avroEntry is one id's schema, or why there is none: a fetch in flight
// until done is closed.
type avroEntry struct {
	done   chan struct{}
	schema *avroSchema
	err    error
	// expires is when a not-found entry is asked again (zero: never).
	expires time.Time
}

func newAvroRegistry(cl *sr.Client) *avroRegistry {
	return &avroRegistry{cl: cl, byID: make(map[uint32]*avroEntry)}
}

// schema returns id's compiled schema. One goroutine fetches an id while
// the others wait for it. An error wrapping ErrUnavailable (the registry
// did not answer) is not kept: the next record asks again.
func (c *avroRegistry) schema(id uint32) (*avroSchema, error) {
	c.mu.Lock()
	e := c.byID[id]
	if e != nil && !e.expires.IsZero() && time.Now().After(e.expires) {
		delete(c.byID, id)
		c.unknown--
		e = nil
	}
	if e != nil {
		c.mu.Unlock()
		<-e.done
		return e.schema, e.err
	}
	e = &avroEntry{done: make(chan struct{})}
	c.byID[id] = e
	c.mu.Unlock()

	e.schema, e.err = c.fetch(id)
	c.mu.Lock()
	switch {
	case e.err == nil:
	case schemareg.NotFound(e.err):
		e.err = fmt.Errorf("not in the schema registry: %w", e.err)
		if c.unknown >= maxNotFound {
			c.forgetUnknown()
		}
		e.expires = time.Now().Add(notFoundTTL)
		c.unknown++
	case errors.Is(e.err, ErrUnavailable):
		delete(c.byID, id)
	}
	c.mu.Unlock()
	close(e.done)
	return e.schema, e.err
}

// forgetUnknown drops every not-found entry; c.mu is held.
func (c *avroRegistry) forgetUnknown() {
	for id, e := range c.byID {
		if !e.expires.IsZero() {
			delete(c.byID, id)
		}
	}
	c.unknown = 0
}

// fetch fetches and compiles id's schema.
func (c *avroRegistry) fetch(id uint32) (*avroSchema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	s, err := c.cl.SchemaByID(ctx, int(id))
	if err != nil {
		return nil, registryError(err)
	}
	if s.Type != sr.TypeAvro {
		return nil, fmt.Errorf("%w: the registry's schema is %s", errNoAvro, s.Type)
	}
	var refs []string
	seen := make(map[string]bool)
	if err := c.references(ctx, s.References, &refs, seen, 0); err != nil {
		return nil, err
	}
	parsed, err := parseAvroSchema(s.Schema, refs...)
	if err != nil {
		return nil, err
	}
	return compileAvro("avro:"+strconv.FormatUint(uint64(id), 10), parsed)
}

// references appends the text of refs and of the references they have in
// turn, those first, to out.
func (c *avroRegistry) references(ctx context.Context, refs []sr.SchemaReference, out *[]string, seen map[string]bool, depth int) error {
	if len(refs) > 0 && depth >= maxReferenceDepth {
		return fmt.Errorf("schema references nest deeper than %d", maxReferenceDepth)
	}
	for _, ref := range refs {
		key := ref.Subject + "/" + strconv.Itoa(ref.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		ss, err := c.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("fetching reference %s (subject %s, version %d): %w", ref.Name, ref.Subject, ref.Version, registryError(err))
		}
		if err := c.references(ctx, ss.References, out, seen, depth+1); err != nil {
			return err
		}
		*out = append(*out, ss.Schema.Schema)
	}
	return nil
}

// registryError wraps an error of the registry client: a not-found stays
// as it is (the record is rejected), anything else means the registry
// could not be asked and wraps ErrUnavailable.
func registryError(err error) error {
	if schemareg.NotFound(err) {
		return err
	}
	return fmt.Errorf("%w: schema registry: %w", ErrUnavailable, err)
}
