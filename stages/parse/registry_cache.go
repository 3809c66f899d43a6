package parse

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/sluicehq/sluice/transport/schemareg"
	"github.com/twmb/franz-go/pkg/sr"
)

// Limits of what the parsers of the Confluent wire format (avro, protobuf,
// json_schema) ask of the Schema Registry and keep of it.
const (
	// fetchTimeout bounds one schema's fetch, its references included;
	// the client's own timeout bounds each request, its retries included
	// (transport/schemareg retries transient failures).
	fetchTimeout = time.Minute
	// notFoundTTL is how long an id the registry does not know (or cannot
	// process) is taken for unknown before it is asked again.
	notFoundTTL = time.Minute
	// maxNotFound bounds the unknown ids remembered; past it they are
	// forgotten at once.
	maxNotFound = 1024
	// maxReferenceDepth bounds the chain of schema references followed,
	// maxReferences their number.
	maxReferenceDepth = 16
	maxReferences     = 256
)

// registryCache keeps what a parser built from the registry's schemas, by
// schema id: each id is fetched once while the records wanting it wait, an
// id the registry does not know is remembered for notFoundTTL (so a topic
// of unknown ids does not ask for each record), and a registry that does
// not answer (ErrUnavailable) is not remembered: the next record asks
// again. It is safe for concurrent use.
type registryCache[T any] struct {
	mu   sync.Mutex
	byID map[uint32]*cacheEntry[T]
	// unknown counts the entries holding a not-found.
	unknown int
}

// cacheEntry is one id's value, or why there is none; a fetch is in flight
// until done is closed.
type cacheEntry[T any] struct {
	done  chan struct{}
	value T
	err   error
	// expires is when a not-found entry is asked again (zero: never).
	expires time.Time
}

// get returns id's value, calling fetch for an id not yet kept.
func (c *registryCache[T]) get(id uint32, fetch func(id uint32) (T, error)) (T, error) {
	c.mu.Lock()
	if c.byID == nil {
		c.byID = make(map[uint32]*cacheEntry[T])
	}
	e := c.byID[id]
	if e != nil && !e.expires.IsZero() && time.Now().After(e.expires) {
		delete(c.byID, id)
		c.unknown--
		e = nil
	}
	if e != nil {
		c.mu.Unlock()
		<-e.done
		return e.value, e.err
	}
	e = &cacheEntry[T]{done: make(chan struct{})}
	c.byID[id] = e
	c.mu.Unlock()

	e.value, e.err = fetch(id)
	c.mu.Lock()
	switch {
	case e.err == nil:
	case errors.Is(e.err, ErrUnavailable):
		delete(c.byID, id)
	default: // the record's fault: not found, not this kind, not compiling
		if c.unknown >= maxNotFound {
			c.forgetUnknown()
		}
		e.expires = time.Now().Add(notFoundTTL)
		c.unknown++
	}
	c.mu.Unlock()
	close(e.done)
	return e.value, e.err
}

// forgetUnknown drops every failed entry; c.mu is held.
func (c *registryCache[T]) forgetUnknown() {
	for id, e := range c.byID {
		if !e.expires.IsZero() {
			delete(c.byID, id)
		}
	}
	c.unknown = 0
}

// notFoundWaits are the pauses before asking again for an unknown id.
var notFoundWaits = []time.Duration{100 * time.Millisecond, 300 * time.Millisecond, time.Second}

// registryError wraps an error of the registry client: an answer that
// asking again will not change (404 not found, 422 unprocessable) stays as
// it is, and the record is rejected; anything else (no answer, server
// errors, authentication refused, rate limits, after the client's own
// retries) means the registry could not be asked and wraps ErrUnavailable.
func registryError(err error) error {
	if schemareg.NotFound(err) {
		return err
	}
	return fmt.Errorf("%w: schema registry: %w", ErrUnavailable, err)
}

// fetchSchema fetches schema id and the schemas it references, in turn
// and transitively: visit gets each reference (its import name and text),
// those a schema references before it, each once.
func fetchSchema(cl *sr.Client, id uint32, visit func(name, text string)) (sr.Schema, error) {
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	s, err := cl.SchemaByID(ctx, int(id))
	// An id the registry does not know is asked again a few times before
	// the record is rejected: a follower that has not caught up with a
	// schema just registered answers 404 for a moment, and a record a
	// writer rejects must be rejected by whoever writes its round again.
	for _, wait := range notFoundWaits {
		if err == nil || !schemareg.NotFound(err) {
			break
		}
		select {
		case <-ctx.Done():
			return s, fmt.Errorf("schema id %d: %w: %w", id, ErrUnavailable, ctx.Err())
		case <-time.After(wait):
		}
		s, err = cl.SchemaByID(ctx, int(id))
	}
	if err != nil {
		return s, fmt.Errorf("schema id %d: %w", id, registryError(err))
	}
	seen := map[string]bool{}
	if err := fetchReferences(ctx, cl, s.References, seen, visit, 0); err != nil {
		return s, fmt.Errorf("schema id %d: %w", id, err)
	}
	return s, nil
}

func fetchReferences(ctx context.Context, cl *sr.Client, refs []sr.SchemaReference, seen map[string]bool, visit func(name, text string), depth int) error {
	if len(refs) > 0 && depth >= maxReferenceDepth {
		return fmt.Errorf("schema references nest deeper than %d", maxReferenceDepth)
	}
	for _, ref := range refs {
		key := ref.Subject + "/" + strconv.Itoa(ref.Version)
		if seen[key] {
			continue
		}
		if seen[key] = true; len(seen) > maxReferences {
			return fmt.Errorf("more than %d referenced schemas", maxReferences)
		}
		ss, err := cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
		if err != nil {
			return fmt.Errorf("reference %q (subject %q, version %d): %w", ref.Name, ref.Subject, ref.Version, registryError(err))
		}
		if err := fetchReferences(ctx, cl, ss.References, seen, visit, depth+1); err != nil {
			return err
		}
		visit(ref.Name, ss.Schema.Schema)
	}
	return nil
}

// confluentID reads the Confluent header's schema id and returns the bytes
// after it.
func confluentID(v []byte) (uint32, []byte, error) {
	if len(v) < 5 {
		return 0, nil, fmt.Errorf("value of %d bytes is shorter than the Confluent header (5 bytes)", len(v))
	}
	if v[0] != 0 {
		return 0, nil, fmt.Errorf("magic byte %#x is not 0: not the Confluent wire format", v[0])
	}
	return binary.BigEndian.Uint32(v[1:5]), v[5:], nil
}
