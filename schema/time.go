package schema

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/valyala/fastjson"
)

// isoLayouts are the ISO 8601 forms without a zone that format auto and
// iso8601 read, in the field's zone.
var isoLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// unixUnits are the units of the unix_* formats, in units per second.
var unixUnits = map[string]float64{"unix_s": 1, "unix_ms": 1e3, "unix_us": 1e6, "unix_ns": 1e9}

// The times accepted: years 1 to 9999, what RFC 3339 can write.
var (
	minTime = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, time.December, 31, 23, 59, 59, 999999999, time.UTC)
)

// convTime reads a timestamp or date as the field's format says.
func (f *field) convTime(v *fastjson.Value) (any, error) {
	t, err := f.readTime(v)
	if err != nil {
		return nil, err
	}
	if t.Before(minTime) || t.After(maxTime) {
		return nil, fmt.Errorf("%s is outside the years 1 to 9999", t.Format(time.RFC3339))
	}
	if f.kind == "date" {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return t.UTC(), nil
}

func (f *field) readTime(v *fastjson.Value) (time.Time, error) {
	if perSecond, unix := unixUnits[f.format]; v.Type() == fastjson.TypeNumber && (unix || f.format == "auto") {
		if n, err := v.Int64(); err == nil { // the common case, without copying the number's text
			if !unix {
				perSecond = magnitudeUnit(math.Abs(float64(n)))
			}
			per := int64(perSecond)
			return time.Unix(n/per, (n%per)*(1e9/per)), nil
		}
	}
	text, ok := scalarText(v)
	if !ok {
		return time.Time{}, fmt.Errorf("want a time, have %s", describe(v))
	}
	if perSecond, unix := unixUnits[f.format]; unix || (f.format == "auto" && v.Type() == fastjson.TypeNumber) {
		return unixTime(text, perSecond)
	}
	var layouts []string
	switch f.format {
	case "rfc3339":
		layouts = []string{time.RFC3339Nano}
	case "iso8601":
		layouts = isoLayouts
	case "layout":
		layouts = []string{f.layout}
	default: // auto, a string
		layouts = append([]string{time.RFC3339Nano}, isoLayouts...)
	}
	for _, l := range layouts {
		if t, err := time.ParseInLocation(l, text, f.zone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time in format %s", excerpt(text), f.format)
}

// unixTime reads a Unix time in units of 1/perSecond seconds; perSecond 0
// guesses the unit by magnitude (below 1e11 seconds, 1e14 milliseconds,
// 1e17 microseconds, else nanoseconds).
func unixTime(text string, perSecond float64) (time.Time, error) {
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if perSecond == 0 {
			perSecond = magnitudeUnit(math.Abs(float64(n)))
		}
		per := int64(perSecond)
		return time.Unix(n/per, (n%per)*(1e9/per)), nil
	}
	x, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return time.Time{}, fmt.Errorf("%q is not a Unix time", excerpt(text))
	}
	if perSecond == 0 {
		perSecond = magnitudeUnit(math.Abs(x))
	}
	secs := x / perSecond
	if secs < float64(minTime.Unix()) || secs > float64(maxTime.Unix()) {
		return time.Time{}, fmt.Errorf("%s is outside the years 1 to 9999", text)
	}
	whole := math.Floor(secs)
	return time.Unix(int64(whole), int64(math.Round((secs-whole)*1e9))), nil
}

func magnitudeUnit(x float64) float64 {
	switch {
	case x < 1e11:
		return 1
	case x < 1e14:
		return 1e3
	case x < 1e17:
		return 1e6
	}
	return 1e9
}

func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
