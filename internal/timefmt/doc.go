// Package timefmt reads times the way a configuration says they are
// written: Unix numbers in a unit or by magnitude, RFC 3339, ISO 8601 with
// or without a zone, or a layout (Go's or Java's letters), times without a
// zone placed in an IANA zone with java.time's rules for gaps and repeats.
// The parse stage reads event times with it, the schema package typed
// timestamps and dates, so that a time is read alike wherever it is
// configured. Times outside the years 1 to 9999 are refused.
package timefmt
