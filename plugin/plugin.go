// Package plugin is the one shape of every registry of named components in
// sluice: stages, parsers, partitioners, output formats and object stores.
// A component kind keeps a Registry; a program adds its own components with
// the kind's Register function before it builds a pipeline (from an init
// function or main), and configuration names them.
//
// A Factory knows a component's name, its options with their defaults, and
// how to build it. Options are decoded from the component's YAML section
// strictly and validated like sluice's own sections (conf.Options.Decode), so
// a mistake in them is reported by "sluice validate" with its path and line.
package plugin

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
)

var (
	// ErrDuplicate is returned when a name is registered twice.
	ErrDuplicate = errors.New("already registered")
	// ErrUnknown is wrapped by Registry.Lookup's error for a name nothing
	// is registered under.
	ErrUnknown = errors.New("unknown")
)

// Factory makes one kind of component T, given the settings S the program
// injects (logger, clients).
type Factory[T, S any] interface {
	// Name is the name configuration chooses the component by.
	Name() string
	// NewOptions returns a pointer to the component's options holding their
	// defaults; the YAML section is decoded onto it. It returns a new value
	// on every call.
	NewOptions() any
	// New builds the component from options of the type NewOptions
	// returns, decoded and validated. It is called once per use (per topic,
	// per pipeline), never per record.
	New(options any, set S) (T, error)
}

// NewFactory returns the Factory of a component named name whose options
// have type O: defaults returns them with their defaults (nil: O's zero
// value), build builds the component.
func NewFactory[O, T, S any](name string, defaults func() O, build func(opts O, set S) (T, error)) Factory[T, S] {
	return &factory[O, T, S]{name: name, defaults: defaults, build: build}
}

type factory[O, T, S any] struct {
	name     string
	defaults func() O
	build    func(O, S) (T, error)
}

func (f *factory[O, T, S]) Name() string { return f.name }

func (f *factory[O, T, S]) NewOptions() any {
	o := new(O)
	if f.defaults != nil {
		*o = f.defaults()
	}
	return o
}

func (f *factory[O, T, S]) New(options any, set S) (T, error) {
	var zero T
	switch o := options.(type) {
	case *O:
		return f.build(*o, set)
	case O:
		return f.build(o, set)
	case nil:
		return f.build(*f.NewOptions().(*O), set)
	default:
		return zero, fmt.Errorf("building %q: options of type %T, want %T", f.name, options, new(O))
	}
}

// Registry holds the factories of one kind of component. It is safe for
// concurrent use.
type Registry[T, S any] struct {
	kind   string
	mu     sync.RWMutex
	byName map[string]Factory[T, S]
}

// NewRegistry returns an empty registry of components of the given kind
// ("stage", "parser"), the word its errors use.
func NewRegistry[T, S any](kind string) *Registry[T, S] {
	return &Registry[T, S]{kind: kind, byName: map[string]Factory[T, S]{}}
}

// Register adds f. It fails for a nil factory, an empty name, or a name
// already registered (built-in names included).
func (r *Registry[T, S]) Register(f Factory[T, S]) error {
	if f == nil || f.Name() == "" {
		return fmt.Errorf("registering a %s: a name and a factory are required", r.kind)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.byName[f.Name()]; ok {
		return fmt.Errorf("registering %s %q: %w", r.kind, f.Name(), ErrDuplicate)
	}
	r.byName[f.Name()] = f
	return nil
}

// MustRegister is Register for init functions: it panics on error, which
// only a programming mistake (a name taken twice) causes.
func (r *Registry[T, S]) MustRegister(f Factory[T, S]) {
	if err := r.Register(f); err != nil {
		panic(err)
	}
}

// Lookup returns the factory registered under name, or an error wrapping
// ErrUnknown that lists the names there are.
func (r *Registry[T, S]) Lookup(name string) (Factory[T, S], error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if f, ok := r.byName[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("%w %s %q (registered: %v)", ErrUnknown, r.kind, name, slices.Sorted(maps.Keys(r.byName)))
}

// Names returns the registered names, sorted.
func (r *Registry[T, S]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.byName))
}
