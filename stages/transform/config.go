package transform

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/stages/internal/recordexpr"
)

// Redaction methods.
const (
	Hash = "hash"
	Mask = "mask"
)

// Options are the transform stage's options.
type Options struct {
	// Set maps a path to the CEL expression whose value it gets.
	Set map[string]string `yaml:"set"`
	// Rename maps a path to the path its value moves to.
	Rename map[string]string `yaml:"rename"`
	// Drop lists paths to remove.
	Drop []string `yaml:"drop"`
	// Redact maps a path to how its value is redacted.
	Redact map[string]Redaction `yaml:"redact"`
	// OnError is fail (the default), keep or drop: what happens to a record
	// whose value is not a JSON object or that cannot be transformed.
	OnError string `yaml:"on_error"`
}

// Redaction says how one field is redacted.
type Redaction struct {
	// Method is hash (hex HMAC-SHA256 with Key) or mask.
	Method string `yaml:"method"`
	// Key is the secret of hash; give it as "${NAME}" from the
	// environment. Required for hash: without it a hash of an e-mail
	// address is undone by hashing guesses. Printed as "[REDACTED]".
	Key Secret `yaml:"key"`
	// KeepFirst is the number of leading characters mask leaves.
	KeepFirst int `yaml:"keep_first"`
	// KeepLast is the number of trailing characters mask leaves. A value
	// no longer than keep_first + keep_last is masked whole.
	KeepLast int `yaml:"keep_last"`
	// Char is the character mask writes; default "*".
	Char string `yaml:"char"`
}

// Secret is a string that is never printed: it marshals to "[REDACTED]"
// (so "sluice validate --print" does not show it).
type Secret string

// MarshalYAML hides the secret.
func (s Secret) MarshalYAML() (any, error) {
	if s == "" {
		return "", nil
	}
	return "[REDACTED]", nil
}

// DefaultOptions returns the options' defaults: on_error fail.
func DefaultOptions() Options { return Options{OnError: recordexpr.Fail} }

// Validate reports every problem of the options, compiling the
// expressions.
func (o *Options) Validate() error {
	var errs conf.Errors
	if len(o.Set)+len(o.Rename)+len(o.Drop)+len(o.Redact) == 0 {
		errs.Add("", errors.New("nothing to do: set one of set, rename, drop, redact"))
	}
	// The paths set and rename write may not overlap (one the other or
	// inside it): one would replace what the other wrote, or a record
	// could fail half-changed.
	var written []string
	for _, p := range sortedKeys(o.Set) {
		errs.Add("set."+p, checkPath(p))
		_, err := recordexpr.Compile(o.Set[p], false)
		errs.Add("set."+p, err)
		written = append(written, p)
	}
	for _, from := range sortedKeys(o.Rename) {
		to := o.Rename[from]
		errs.Add("rename."+from, checkPath(from))
		errs.Add("rename."+from, checkPath(to))
		written = append(written, to)
	}
	slices.Sort(written)
	for i := 1; i < len(written); i++ {
		if a, b := written[i-1], written[i]; a == b || strings.HasPrefix(b, a+".") {
			errs.Add("", fmt.Errorf("the paths %q and %q of set and rename overlap", a, b))
		}
	}
	for i, p := range o.Drop {
		errs.Add(conf.Index("drop", i), checkPath(p))
	}
	for _, p := range sortedKeys(o.Redact) {
		errs.Add("redact."+p, checkPath(p))
		errs.Nest("redact."+p, o.Redact[p].Validate())
	}
	errs.Add("on_error", recordexpr.CheckOnError(o.OnError))
	return errs.Err()
}

// Validate reports every problem of one redaction.
func (r Redaction) Validate() error {
	var errs conf.Errors
	switch r.Method {
	case Hash:
		if r.Key == "" {
			errs.Add("key", errors.New(`required for hash (a secret, e.g. "${REDACT_KEY}")`))
		}
	case Mask:
		if r.KeepFirst < 0 {
			errs.Addf("keep_first", "must not be negative, got %d", r.KeepFirst)
		}
		if r.KeepLast < 0 {
			errs.Addf("keep_last", "must not be negative, got %d", r.KeepLast)
		}
		if r.Char != "" && len([]rune(r.Char)) != 1 {
			errs.Addf("char", "must be one character, got %q", r.Char)
		}
	default:
		errs.Addf("method", "unknown method %q (want hash, mask)", r.Method)
	}
	return errs.Err()
}

// checkPath checks a dot-separated path.
func checkPath(p string) error {
	if slices.Contains(strings.Split(p, "."), "") {
		return fmt.Errorf("path %q has an empty key", p)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
