package parse

import (
	"errors"

	"github.com/sluicehq/sluice/internal/timefmt"
)

// The reasons a parser cannot read an event time. Parsers return one of them
// (possibly wrapped); the stage counts fallbacks by them, and counts an error
// that wraps none of them as ErrUnparsable. The json parser returns them
// unwrapped so that a fallback allocates nothing.
var (
	// ErrMalformed: the value is not what the parser reads at all (for json:
	// empty, not JSON, or not a JSON object).
	ErrMalformed = errors.New("malformed value")
	// ErrMissing: the value has no time field (for json: the field is absent
	// or null).
	ErrMissing = timefmt.ErrMissing
	// ErrWrongType: the time field has a type no time is read from (for json:
	// a boolean, object or array, a string for a numeric format, or a number
	// for rfc3339; or a field on the path is not an object).
	ErrWrongType = timefmt.ErrWrongType
	// ErrUnparsable: the time field has the right type but cannot be read as a
	// time, or the time lies outside the years 1 to 9999.
	ErrUnparsable = timefmt.ErrUnparsable
)

var (
	// ErrUnknownType is returned by New for a parser type that is neither
	// built in nor registered.
	ErrUnknownType = errors.New("unknown parser type")
	// ErrInvalidConfig is returned by New for a configuration it cannot use.
	ErrInvalidConfig = errors.New("invalid parser configuration")
)

// ErrUnavailable is wrapped by a Decoder's error when decoding cannot
// happen now but might later (the Schema Registry does not answer): the
// stage does not reject the record but stops the partition, so that
// sluice stops and the records are read again on the next start.
var ErrUnavailable = errors.New("decoding unavailable")
