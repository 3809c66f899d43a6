package transform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/internal/recordexpr"
)

// Name is the name the stage is registered under.
const Name = "transform"

func init() {
	stages.MustRegister(stages.NewFactory(Name, DefaultOptions, func(o Options, set stages.Settings) (stages.Stage, error) {
		return New(o, set)
	}))
}

// Stage changes records' fields. It is safe for concurrent use.
type Stage struct {
	set     []assignment
	rename  [][2]string // from, to; sorted by from
	drop    []string
	redact  []redaction // sorted by path
	onError string
	log     *slog.Logger
}

type assignment struct {
	path string
	prg  *recordexpr.Program
}

type redaction struct {
	path string
	Redaction
}

// New compiles the options into a Stage.
func New(o Options, set stages.Settings) (*Stage, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	s := &Stage{drop: o.Drop, onError: o.OnError, log: set.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, p := range sortedKeys(o.Set) {
		prg, err := recordexpr.Compile(o.Set[p], false)
		if err != nil {
			return nil, err
		}
		s.set = append(s.set, assignment{path: p, prg: prg})
	}
	for _, from := range sortedKeys(o.Rename) {
		s.rename = append(s.rename, [2]string{from, o.Rename[from]})
	}
	for _, p := range sortedKeys(o.Redact) {
		r := o.Redact[p]
		if r.Char == "" {
			r.Char = "*"
		}
		s.redact = append(s.redact, redaction{path: p, Redaction: r})
	}
	return s, nil
}

// Process transforms every record of the batch. With on_error fail, a
// record it cannot transform makes it return an error naming the record.
func (s *Stage) Process(ctx context.Context, b *model.Batch) error {
	var dropped []bool // nil until on_error drop drops one
	values := make([]any, len(s.set))
	for i := range b.Records {
		r := &b.Records[i]
		err := s.apply(r, values)
		if err == nil {
			err = r.Sync()
		}
		if err == nil {
			continue
		}
		switch s.onError {
		case recordexpr.Keep:
		case recordexpr.Drop:
			if dropped == nil {
				dropped = make([]bool, len(b.Records))
			}
			dropped[i] = true
		default:
			return fmt.Errorf("transforming record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
		}
		s.log.DebugContext(ctx, "transform: a record failed", "topic", r.Topic, "partition", r.Partition,
			"offset", r.Offset, "on_error", s.onError, "error", err)
	}
	if dropped != nil {
		i := 0
		b.Keep(func(*model.Record) bool { i++; return !dropped[i-1] })
	}
	return nil
}

// apply transforms r. Everything that can fail is checked before the
// first change, so a record it fails on is left as it was.
func (s *Stage) apply(r *model.Record, values []any) error {
	fields, err := r.Fields()
	if err != nil {
		return err
	}
	for i, a := range s.set {
		if values[i], err = a.prg.EvalJSON(r); err != nil {
			return err
		}
		if err := settable(fields, a.path); err != nil {
			return err
		}
	}
	for _, rn := range s.rename {
		if err := settable(fields, rn[1]); err != nil {
			return err
		}
	}
	for i, a := range s.set {
		if err := r.SetField(a.path, values[i]); err != nil {
			return err
		}
		values[i] = nil
	}
	for _, rn := range s.rename {
		if v, ok := r.Field(rn[0]); ok {
			r.DeleteField(rn[0])
			if err := r.SetField(rn[1], v); err != nil {
				return err
			}
		}
	}
	for _, p := range s.drop {
		r.DeleteField(p)
	}
	for _, rd := range s.redact {
		if v, ok := r.Field(rd.path); ok {
			if err := r.SetField(rd.path, rd.apply(v)); err != nil {
				return err
			}
		}
	}
	return nil
}

// settable checks that SetField(path) will succeed: every key on the way
// is missing or holds an object.
func settable(m map[string]any, path string) error {
	keys := strings.Split(path, ".")
	for _, k := range keys[:len(keys)-1] {
		switch next := m[k].(type) {
		case map[string]any:
			m = next
		case nil:
			return nil
		default:
			return fmt.Errorf("setting %q: %q holds a %T, not an object", path, k, next)
		}
	}
	return nil
}

// apply returns the redacted form of v.
func (rd redaction) apply(v any) string {
	text, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil { // decoded JSON always encodes; be safe anyway
			b = []byte(fmt.Sprint(v))
		}
		text = string(b)
	}
	if rd.Method == Hash {
		mac := hmac.New(sha256.New, []byte(rd.Key))
		mac.Write([]byte(text))
		return hex.EncodeToString(mac.Sum(nil))
	}
	runes := []rune(text)
	first, last := rd.KeepFirst, rd.KeepLast
	if first+last >= len(runes) {
		first, last = 0, 0
	}
	var b strings.Builder
	b.WriteString(string(runes[:first]))
	b.WriteString(strings.Repeat(rd.Char, len(runes)-first-last))
	b.WriteString(string(runes[len(runes)-last:]))
	return b.String()
}
