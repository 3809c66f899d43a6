package parse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/twmb/franz-go/pkg/sr"
)

// Bounds of what the protobuf parser asks of a Schema Registry.
const (
	// maxReferences bounds the schemas one schema imports, transitively.
	maxReferences = 256
	// maxFailedIDs bounds the ids remembered as failed for good (not found,
	// not Protobuf, not compiling); more are asked again each time.
	maxFailedIDs = 1024
	// registryTimeout bounds one request.
	registryTimeout = 10 * time.Second
)

// pbRegistry fetches .proto schemas from a Schema Registry by id, with the
// schemas they reference, compiles them (protocompile) and keeps them. It
// is safe for concurrent use; a schema is fetched by one caller while the
// others wanting it wait.
type pbRegistry struct {
	cl *sr.Client
	// backoff is the wait before each retry of a request; its length is
	// the number of retries.
	backoff []time.Duration

	ready   sync.Map // int id -> *pbFile
	pending sync.Map // int id -> *pbFetch
	failed  atomic.Int32
}

// pbFetch is a schema being fetched, or one that failed for good.
type pbFetch struct {
	done chan struct{}
	file *pbFile
	err  error
}

// newPBRegistry returns a pbRegistry over cl retrying for about 7.5 s.
func newPBRegistry(cl *sr.Client) *pbRegistry {
	return &pbRegistry{cl: cl, backoff: []time.Duration{
		250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}}
}

// file returns the compiled schema of id. Errors that retrying did not fix
// wrap ErrUnavailable; the others (unknown id, not a Protobuf schema, a
// schema that does not compile) are the record's fault.
func (r *pbRegistry) file(id uint32) (*pbFile, error) {
	if f, ok := r.ready.Load(id); ok {
		return f.(*pbFile), nil
	}
	e := &pbFetch{done: make(chan struct{})}
	if v, loaded := r.pending.LoadOrStore(id, e); loaded {
		e = v.(*pbFetch)
		<-e.done
		return e.file, e.err
	}
	e.file, e.err = r.fetch(id)
	switch {
	case e.err == nil:
		r.ready.Store(id, e.file)
		r.pending.Delete(id)
	case errors.Is(e.err, ErrUnavailable) || r.failed.Add(1) > maxFailedIDs:
		r.pending.Delete(id) // asked again next time
	}
	close(e.done)
	return e.file, e.err
}

// fetch fetches and compiles the schema of id.
func (r *pbRegistry) fetch(id uint32) (*pbFile, error) {
	label := "schema id " + strconv.FormatUint(uint64(id), 10)
	var sch sr.Schema
	err := r.retry(func(ctx context.Context) (err error) {
		sch, err = r.cl.SchemaByID(ctx, int(id))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	if sch.Type != sr.TypeProtobuf {
		return nil, fmt.Errorf("%s is a %s schema, not PROTOBUF", label, sch.Type)
	}
	main := "sluice/registry/" + strconv.FormatUint(uint64(id), 10) + ".proto"
	srcs := map[string]string{main: sch.Schema}
	if err := r.references(sch.References, srcs); err != nil {
		return nil, fmt.Errorf("%s: %w", label, err)
	}
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(srcs)}),
		MaxParallelism: 1,
	}
	ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
	defer cancel()
	files, err := comp.Compile(ctx, main)
	if err != nil {
		return nil, fmt.Errorf("%s: compiling: %w", label, err)
	}
	return newPBFile("protobuf:"+strconv.FormatUint(uint64(id), 10), label, files[0]), nil
}

// references adds the text of each referenced schema, and of those they
// reference, to srcs under the name it is imported by.
func (r *pbRegistry) references(refs []sr.SchemaReference, srcs map[string]string) error {
	for _, ref := range refs {
		if _, ok := srcs[ref.Name]; ok {
			continue
		}
		if len(srcs) > maxReferences {
			return fmt.Errorf("more than %d referenced schemas", maxReferences)
		}
		var ss sr.SubjectSchema
		err := r.retry(func(ctx context.Context) (err error) {
			ss, err = r.cl.SchemaByVersion(ctx, ref.Subject, ref.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("reference %q (subject %q version %d): %w", ref.Name, ref.Subject, ref.Version, err)
		}
		srcs[ref.Name] = ss.Schema.Schema
		if err := r.references(ss.References, srcs); err != nil {
			return err
		}
	}
	return nil
}

// retry calls do until it succeeds, fails for good (the registry answers
// that what was asked does not exist, or cannot be processed), or the
// retries run out: the error then wraps ErrUnavailable.
func (r *pbRegistry) retry(do func(ctx context.Context) error) error {
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), registryTimeout)
		err := do(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if permanent(err) {
			return err
		}
		if i == len(r.backoff) {
			return fmt.Errorf("%w: schema registry: %w (after %d attempts)", ErrUnavailable, err, i+1)
		}
		time.Sleep(r.backoff[i])
	}
}

// permanent reports whether the registry's answer will not change by
// asking again: not found, or unprocessable. Anything else (no answer,
// server errors, authentication failures, rate limits) may.
func permanent(err error) bool {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode == http.StatusNotFound || re.StatusCode == http.StatusUnprocessableEntity
	}
	return false
}
