package parse

import (
	"fmt"
	"slices"
	"sync"
)

// Factory builds a Parser from a topic's parser configuration. It is called
// once per topic when the pipeline is built, never per record.
type Factory func(Config) (Parser, error)

var registry = struct {
	sync.RWMutex
	factories map[string]Factory
}{factories: map[string]Factory{TypeJSON: newJSON}}

// Register makes a parser available under name, the value of Config.Type that
// selects it. Call it before building pipelines, typically from an init
// function or main. It fails for an empty name, a nil factory, or a name that
// is built in or already registered.
func Register(name string, factory Factory) error {
	if name == "" || factory == nil {
		return fmt.Errorf("registering parser %q: %w: name and factory are required", name, ErrInvalidConfig)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.factories[name]; ok || name == TypeRaw {
		return fmt.Errorf("registering parser %q: %w", name, ErrDuplicate)
	}
	registry.factories[name] = factory
	return nil
}

// Types returns the names of every parser type, built in and registered,
// sorted: the values Config.Type accepts.
func Types() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := []string{TypeRaw}
	for name := range registry.factories {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// lookup returns the factory registered under name.
func lookup(name string) (Factory, bool) {
	registry.RLock()
	defer registry.RUnlock()
	f, ok := registry.factories[name]
	return f, ok
}
