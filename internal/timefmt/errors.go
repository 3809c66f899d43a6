package timefmt

import "errors"

// Why a time cannot be read: the parse stage counts its fallbacks by them
// (stages/parse has the same values under its own names).
var (
	// ErrMissing: there is no value (nil).
	ErrMissing = errors.New("time field missing")
	// ErrWrongType: the value has a type no time is read from in this
	// format (a bool, an object, a number for a string format).
	ErrWrongType = errors.New("time field has the wrong type")
	// ErrUnparsable: the value has the right type but is not a time, or the
	// time lies outside the years 1 to 9999.
	ErrUnparsable = errors.New("time field unparsable")
)
