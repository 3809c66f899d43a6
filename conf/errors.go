package conf

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// FieldError is a problem with one configuration field. Validate methods
// return FieldErrors joined with errors.Join, so a caller can list them all
// (List) or pick one out with errors.As.
type FieldError struct {
	// Path is the field's YAML path, e.g. "kafka.brokers[0]" or
	// "overrides[1].settings.format.compression". Empty for the document.
	Path string
	// Line is the line in the YAML file, or 0 when the problem was found
	// after decoding (validation).
	Line int
	// Err is the problem.
	Err error
}

// Error formats the problem as "path: problem", preceded by "line N: " when
// the line is known.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the problem, so errors.Is finds sentinel errors through it.
func (e *FieldError) Unwrap() error { return e.Err }

// Errors collects the problems of one configuration. The zero value is ready
// to use.
type Errors struct {
	errs []error
}

// Add records err at path. A nil err is ignored.
func (e *Errors) Add(path string, err error) {
	if err != nil {
		e.errs = append(e.errs, &FieldError{Path: path, Err: err})
	}
}

// Addf records a formatted problem at path.
func (e *Errors) Addf(path, format string, args ...any) {
	e.errs = append(e.errs, &FieldError{Path: path, Err: fmt.Errorf(format, args...)})
}

// Nest records the problems of a sub-configuration (typically what its
// Validate returned) under prefix: the FieldError at "brokers" nested under
// "kafka" becomes "kafka.brokers". Errors that are not FieldErrors are
// recorded at prefix. A nil err is ignored.
func (e *Errors) Nest(prefix string, err error) {
	for _, fe := range List(err) {
		e.errs = append(e.errs, &FieldError{Path: Join(prefix, fe.Path), Line: fe.Line, Err: fe.Err})
	}
}

// Err returns the recorded problems joined with errors.Join, or nil.
func (e *Errors) Err() error { return errors.Join(e.errs...) }

// List flattens err, a FieldError or a tree of errors joined with
// errors.Join, into its FieldErrors in order. An error that is not a
// FieldError becomes one with an empty Path.
func List(err error) []*FieldError {
	if err == nil {
		return nil
	}
	if fe, ok := err.(*FieldError); ok {
		return []*FieldError{fe}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []*FieldError
		for _, e := range j.Unwrap() {
			out = append(out, List(e)...)
		}
		return out
	}
	return []*FieldError{{Err: err}}
}

// Join joins two YAML paths: Join("kafka", "brokers") is "kafka.brokers",
// Join("overrides", "[1]") is "overrides[1]".
func Join(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	case strings.HasPrefix(path, "["):
		return prefix + path
	default:
		return prefix + "." + path
	}
}

// Index is the path of element i of the list at path: Index("topics", 2) is
// "topics[2]".
func Index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// Messages returns the text of every FieldError in err, in order: what a
// user is shown, one problem a line.
func Messages(err error) []string {
	var out []string
	for _, fe := range List(err) {
		out = append(out, fe.Error())
	}
	return out
}
