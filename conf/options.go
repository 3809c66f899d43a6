package conf

import (
	"errors"
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Validator is implemented by options that can check themselves. Validate
// only checks, never fills in, and reports every problem at once (Errors),
// each with its path relative to the options section.
type Validator interface {
	Validate() error
}

// Options is the options section of a component chosen by name (a stage, a
// parser, a store): YAML kept as it was read until the component's options
// type is known, or a value a program set in Go. Its zero value means "the
// component's defaults".
type Options struct {
	node  *yaml.Node
	value any
}

// OptionsOf returns options holding v, a pointer to the component's options
// type, as a program building a configuration in Go passes them.
func OptionsOf(v any) Options { return Options{value: v} }

// UnmarshalYAML keeps the section to be decoded once its type is known.
func (o *Options) UnmarshalYAML(n *yaml.Node) error {
	o.node, o.value = n, nil
	return nil
}

// MarshalYAML writes the decoded options, or the section as it was read.
func (o Options) MarshalYAML() (any, error) {
	if o.value != nil {
		return o.value, nil
	}
	if o.node == nil {
		return map[string]any{}, nil
	}
	return o.node, nil
}

// IsZero reports whether the options were left out.
func (o Options) IsZero() bool { return o.node == nil && o.value == nil }

// Value returns the decoded options (nil before Decode, unless set in Go).
func (o Options) Value() any { return o.value }

// Decode decodes the section onto defaults (a pointer to the component's
// options type, holding its defaults) strictly, like the built-in sections:
// unknown keys and values that do not fit are errors; then it validates the
// result when it is a Validator. Every problem is a FieldError under path,
// with its line when the section came from YAML. Options set in Go must have
// the type of defaults and are only validated. On success the options hold
// the decoded value.
func (o *Options) Decode(path string, defaults any) error {
	if defaults == nil || reflect.TypeOf(defaults).Kind() != reflect.Pointer {
		return &FieldError{Path: path, Err: errors.New("the component's options must be a pointer")}
	}
	if o.value != nil {
		if reflect.TypeOf(o.value) != reflect.TypeOf(defaults) {
			return &FieldError{Path: path, Err: fmt.Errorf("options of type %T, want %T", o.value, defaults)}
		}
		return validateAt(path, o.value, nil, 0)
	}
	line := 0
	if o.node != nil {
		line = o.node.Line
		var errs Errors
		errs.Nest(path, Check(o.node, reflect.TypeOf(defaults)))
		if err := errs.Err(); err != nil {
			return err
		}
		if err := o.node.Decode(defaults); err != nil {
			return &FieldError{Path: path, Line: line, Err: err}
		}
	}
	if err := validateAt(path, defaults, o.node, line); err != nil {
		return err
	}
	o.value = defaults
	return nil
}

// validateAt validates v when it can, nesting its problems under path. A
// problem without a line of its own gets the line of its field in node (the
// options section it was decoded from, nil when set in Go), else line.
func validateAt(path string, v any, node *yaml.Node, line int) error {
	val, ok := v.(Validator)
	if !ok {
		return nil
	}
	var errs Errors
	errs.Nest(path, Locate(node, val.Validate()))
	err := errs.Err()
	for _, fe := range List(err) {
		if fe.Line == 0 {
			fe.Line = line
		}
	}
	return err
}
