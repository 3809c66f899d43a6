// Package recordexpr compiles the CEL expressions of the filter and
// transform stages and evaluates them over a record. The environment an
// expression sees is documented in package filter.
package recordexpr

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/google/cel-go/cel"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"

	"github.com/sluicehq/sluice/model"
)

// Meta is the name of the record's Kafka metadata in an expression:
// kafka.key, kafka.headers, kafka.topic, kafka.partition, kafka.offset,
// kafka.timestamp, and kafka.value (the whole value object).
const Meta = "kafka"

// adapter turns json.Number, the numbers of a decoded value, into CEL's int
// or double when an expression reads them, and a typed record's decimals
// (*big.Rat) into doubles; everything else (a typed record's int64, uint64,
// float64, time.Time, time.Duration, []byte) is CEL's usual conversion. The record's fields themselves are never changed.
type adapter struct{ types.Adapter }

func (a adapter) NativeToValue(v any) ref.Val {
	switch x := v.(type) {
	case json.Number:
		return number(x)
	case *big.Rat: // a typed record's decimal, read as a double
		if x == nil {
			return types.NullValue
		}
		f, _ := x.Float64()
		return types.Double(f)
	case map[string]any: // so that its elements come through a too
		return types.NewStringInterfaceMap(a, x)
	case []any:
		return types.NewDynamicList(a, x)
	}
	return a.Adapter.NativeToValue(v)
}

// number is n as an int when it is a whole number that fits, else a double.
func number(n json.Number) ref.Val {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return types.Int(i)
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		return types.NewErr("reading number %q: %v", string(n), err)
	}
	return types.Double(f)
}

// base is the environment every expression extends with the names it
// uses.
var base = sync.OnceValues(func() (*cel.Env, error) {
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, err
	}
	return cel.NewEnv(
		cel.CustomTypeAdapter(adapter{reg}),
		cel.OptionalTypes(),
		cel.CrossTypeNumericComparisons(true),
		ext.Strings(),
		cel.Variable(Meta, cel.MapType(cel.StringType, cel.DynType)),
	)
})

// Program is one compiled expression.
type Program struct {
	src  string
	prg  cel.Program
	meta metaFields // what of kafka it reads
}

// metaFields is the set of kafka's fields an expression reads (all of
// them when it uses kafka other than as kafka.name), so that the metadata
// costs only what is read.
type metaFields struct {
	any, all bool
	names    []string
}

// ErrNotBool is returned by Compile for a predicate whose type is known
// not to be bool.
var ErrNotBool = errors.New("the expression must be a boolean")

// Compile parses and checks src. Every name it uses other than kafka (and
// the variables of its own macros) is a field of the value, of any type.
// With wantBool, an expression whose type is known and not bool is an
// error (one of unknown type, like a bare field, is checked per record).
func Compile(src string, wantBool bool) (*Program, error) {
	env, err := base()
	if err != nil {
		return nil, fmt.Errorf("making the expression environment: %w", err)
	}
	parsed, iss := env.Parse(src)
	if iss.Err() != nil {
		return nil, issues(iss)
	}
	names, meta := freeNames(parsed)
	for _, n := range meta.names {
		if !slices.Contains(metaNames, n) {
			return nil, fmt.Errorf("kafka has no field %q (want one of %s)", n, strings.Join(metaNames, ", "))
		}
	}
	var vars []cel.EnvOption
	for _, n := range names {
		if n != Meta {
			vars = append(vars, cel.Variable(n, cel.DynType))
		}
	}
	if len(vars) > 0 {
		if env, err = env.Extend(vars...); err != nil {
			return nil, fmt.Errorf("declaring the value's fields: %w", err)
		}
	}
	checked, iss := env.Check(parsed)
	if iss.Err() != nil {
		return nil, issues(iss)
	}
	if t := checked.OutputType(); wantBool && !t.IsAssignableType(cel.BoolType) {
		return nil, fmt.Errorf("%w, got %s", ErrNotBool, t)
	}
	prg, err := env.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("planning the expression: %w", err)
	}
	return &Program{src: src, prg: prg, meta: meta}, nil
}

// issues makes CEL's problems one line each, "column N: problem", for a
// configuration error.
func issues(iss *cel.Issues) error {
	var errs []error
	for _, e := range iss.Errors() {
		errs = append(errs, fmt.Errorf("column %d: %s", e.Location.Column()+1, e.Message))
	}
	return errors.Join(errs...)
}

// freeNames returns the plain identifiers an expression uses, sorted, and
// what it reads of kafka. The variables of comprehensions are among the
// names; declaring those too is harmless, as the comprehension's own
// variable shadows them.
func freeNames(a *cel.Ast) ([]string, metaFields) {
	seen := map[string]bool{}
	var meta metaFields
	uses, selects := 0, 0
	celast.PostOrderVisit(a.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.IdentKind:
			seen[e.AsIdent()] = true
			if e.AsIdent() == Meta {
				uses++
			}
		case celast.SelectKind:
			if op := e.AsSelect().Operand(); op.Kind() == celast.IdentKind && op.AsIdent() == Meta {
				selects++
				if f := e.AsSelect().FieldName(); !slices.Contains(meta.names, f) {
					meta.names = append(meta.names, f)
				}
			}
		}
	}))
	meta.any, meta.all = uses > 0, uses > selects
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, meta
}

// String returns the expression's source.
func (p *Program) String() string { return p.src }

// activation resolves names against one record: kafka to its metadata,
// every other name to a top-level field of the value, null when missing.
type activation struct {
	fields map[string]any
	rec    *model.Record
	meta   *metaFields
}

func (a *activation) ResolveName(name string) (any, bool) {
	if name == Meta && a.meta.any {
		return metadata(a.rec, a.fields, a.meta), true
	}
	if v, ok := a.fields[name]; ok {
		return v, true
	}
	return types.NullValue, true
}

func (a *activation) Parent() interpreter.Activation { return nil }

// metaNames are kafka's fields.
var metaNames = []string{"key", "headers", "topic", "partition", "offset", "timestamp", "value"}

// metadata is the value of kafka for r: the fields of it the expression
// reads.
func metadata(r *model.Record, fields map[string]any, want *metaFields) map[string]any {
	names := want.names
	if want.all {
		names = metaNames
	}
	m := make(map[string]any, len(names))
	for _, n := range names {
		switch n {
		case "key":
			if r.Key != nil {
				m[n] = string(r.Key)
			} else {
				m[n] = nil
			}
		case "headers":
			headers := make(map[string]string, len(r.Headers))
			for _, h := range r.Headers {
				headers[h.Key] = string(h.Value) // the last of a repeated key wins
			}
			m[n] = headers
		case "topic":
			m[n] = r.Topic
		case "partition":
			m[n] = int64(r.Partition)
		case "offset":
			m[n] = r.Offset
		case "timestamp":
			m[n] = r.Timestamp.UTC()
		case "value":
			m[n] = fields
		}
	}
	return m
}

// Eval evaluates the expression over r's value, which must be a JSON
// object (model.ErrNotObject otherwise).
func (p *Program) Eval(r *model.Record) (ref.Val, error) {
	fields, err := r.Fields()
	if err != nil {
		return nil, err
	}
	out, _, err := p.prg.Eval(&activation{fields: fields, rec: r, meta: &p.meta})
	if err != nil {
		return nil, fmt.Errorf("evaluating %q: %w", p.src, err)
	}
	return out, nil
}

// EvalBool evaluates a predicate.
func (p *Program) EvalBool(r *model.Record) (bool, error) {
	out, err := p.Eval(r)
	if err != nil {
		return false, err
	}
	b, ok := out.(types.Bool)
	if !ok {
		return false, fmt.Errorf("evaluating %q: got %s, want a bool", p.src, out.Type().(ref.Type).TypeName())
	}
	return bool(b), nil
}

// EvalJSON evaluates the expression and returns its result as a value to
// store in a record's fields (JSON).
func (p *Program) EvalJSON(r *model.Record) (any, error) {
	out, err := p.Eval(r)
	if err != nil {
		return nil, err
	}
	v, err := toJSON(out)
	if err != nil {
		return nil, fmt.Errorf("evaluating %q: %w", p.src, err)
	}
	return v, nil
}

// OnError values: what a stage does with a record whose value is not a
// JSON object or whose expression fails.
const (
	Fail = "fail"
	Keep = "keep"
	Drop = "drop"
)

// CheckOnError validates an on_error option.
func CheckOnError(v string) error {
	if v != Fail && v != Keep && v != Drop {
		return fmt.Errorf("unknown value %q (want fail, keep, drop)", v)
	}
	return nil
}
