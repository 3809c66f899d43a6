package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sluicehq/sluice/conf"
	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
)

// Redaction methods.
const (
	methodHash = "hash"
	methodMask = "mask"
)

// redactOptions are the redact_pii stage's options, as a topic's
// configuration writes them:
//
//	stages:
//	  - redact_pii: {fields: [user, ip], method: hash, key: "${PII_KEY}"}
type redactOptions struct {
	// Fields are the fields whose whole value is redacted: keys, or dotted
	// paths into nested objects ("client.ip").
	Fields []string `yaml:"fields"`
	// Emails redacts every e-mail address found in any string of the
	// value, nested objects and lists included. Default true.
	Emails bool `yaml:"emails"`
	// Method is how a value or an address is redacted: "mask" (default)
	// writes "***" for a field and "***@<domain>" for an address; "hash"
	// writes the hex HMAC-SHA256 of the text with Key, so equal values get
	// equal hashes (they still join and count) and no one without the key
	// can test a guess.
	Method string `yaml:"method"`
	// Key is hash's secret. Write it as "${PII_KEY}": sluice expands it
	// from the environment, and "sluice validate --print" shows
	// "[REDACTED]".
	Key secret `yaml:"key"`
}

func defaultRedactOptions() redactOptions {
	return redactOptions{Emails: true, Method: methodMask}
}

// Validate reports every problem of the options. sluice prefixes each with
// its YAML path and line ("defaults.stages[0].redact_pii.key", line 14),
// at "sluice validate" and before "sluice run" starts.
func (o *redactOptions) Validate() error {
	var errs conf.Errors
	if len(o.Fields) == 0 && !o.Emails {
		errs.Addf("", "nothing to redact: list fields, or leave emails on")
	}
	for i, f := range o.Fields {
		if slices.Contains(strings.Split(f, "."), "") {
			errs.Addf(conf.Index("fields", i), "%q has an empty key", f)
		}
	}
	switch o.Method {
	case methodHash:
		if o.Key == "" {
			errs.Addf("key", `required for hash: a secret from the environment, e.g. "${PII_KEY}"`)
		}
	case methodMask:
		if o.Key != "" {
			errs.Addf("key", "only the hash method takes a key")
		}
	default:
		errs.Addf("method", "unknown method %q (want hash, mask)", o.Method)
	}
	return errs.Err()
}

// secret is a string that is never printed: "sluice validate --print"
// marshals the options back to YAML, and this shows "[REDACTED]" instead.
type secret string

// MarshalYAML hides the secret.
func (s secret) MarshalYAML() (any, error) {
	if s == "" {
		return "", nil
	}
	return "[REDACTED]", nil
}

// emailRE matches e-mail addresses, the domain in group 1. Go's regexp runs
// in linear time, so no value can make it slow.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})`)

// redactor is the redact_pii stage. It holds only its options, so it is
// safe for concurrent use, and it is deterministic (the same record always
// comes out the same), which exactly-once needs: a round rewritten after a
// crash must give the same bytes.
type redactor struct {
	o redactOptions
}

// newRedactor builds the stage for one topic from its decoded, validated
// options.
func newRedactor(o redactOptions, _ stages.Settings) (stages.Stage, error) {
	return &redactor{o: o}, nil
}

// Process redacts every record of the batch. A record whose value is a JSON
// object (a kv line after the kvlog parser, a JSON event) is redacted field by
// field; any other value (text a parser left as it was) has its e-mail
// addresses redacted in the bytes. Keys and headers are not touched, and a
// record without PII keeps its exact bytes.
func (r *redactor) Process(_ context.Context, b *model.Batch) error {
	for i := range b.Records {
		rec := &b.Records[i]
		if rec.Value == nil {
			continue // a tombstone
		}
		fields, err := rec.Fields()
		if err != nil {
			// Not a JSON object: work on the bytes. A new slice: the value
			// may alias the consumer's buffers.
			if r.o.Emails && emailRE.Match(rec.Value) {
				rec.Value = emailRE.ReplaceAllFunc(rec.Value, func(addr []byte) []byte {
					return []byte(r.address(string(addr)))
				})
			}
			continue
		}
		for _, path := range r.o.Fields {
			if v, ok := rec.Field(path); ok && v != nil {
				if err := rec.SetField(path, r.value(v)); err != nil {
					return fmt.Errorf("redacting %q of %s/%d@%d: %w", path, rec.Topic, rec.Partition, rec.Offset, err)
				}
			}
		}
		if r.o.Emails && r.scrub(fields) {
			rec.SetFields(fields) // marks the record changed: its value is re-encoded
		}
	}
	return nil
}

// scrub redacts the e-mail addresses in the strings under v (a decoded JSON
// value), in place, and reports whether it changed anything.
func (r *redactor) scrub(v any) bool {
	changed := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok {
				if red := r.text(s); red != s {
					v[k], changed = red, true
				}
			} else if r.scrub(x) {
				changed = true
			}
		}
	case []any:
		for i, x := range v {
			if s, ok := x.(string); ok {
				if red := r.text(s); red != s {
					v[i], changed = red, true
				}
			} else if r.scrub(x) {
				changed = true
			}
		}
	}
	return changed
}

// text returns s with its e-mail addresses redacted.
func (r *redactor) text(s string) string {
	if !strings.Contains(s, "@") {
		return s // the common case, without running the regexp
	}
	return emailRE.ReplaceAllStringFunc(s, r.address)
}

// address redacts one e-mail address.
func (r *redactor) address(addr string) string {
	if r.o.Method == methodHash {
		return r.hash(addr)
	}
	if m := emailRE.FindStringSubmatch(addr); m != nil {
		return "***@" + m[1] // keep the domain: it is rarely personal
	}
	return "***"
}

// value redacts a named field's whole value: a string's text, or the JSON
// text of a number, bool, object or list.
func (r *redactor) value(v any) string {
	if r.o.Method != methodHash {
		return "***"
	}
	s, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v) // decoded JSON always encodes again
		if err != nil {
			b = fmt.Append(nil, v)
		}
		s = string(b)
	}
	return r.hash(s)
}

// hash is the hex HMAC-SHA256 of s under the key.
func (r *redactor) hash(s string) string {
	mac := hmac.New(sha256.New, []byte(r.o.Key))
	mac.Write([]byte(s))
	return hex.EncodeToString(mac.Sum(nil))
}
