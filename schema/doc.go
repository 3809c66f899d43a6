// Package schema gives a topic's JSON and text records typed columns: a
// schema declared in the configuration ("schema: {fields: [...]}"),
// compiled once (Compile) and applied to every record (Declared.FromJSON,
// Declared.FromFields), or inferred per file ("schema: infer", see Infer).
// It also checks that typed fields hold the Go values their Arrow types
// call for (Check), whoever decoded them: the last gate before the buffer,
// so that a file is never written from a value that does not fit.
//
// A value that does not fit its declared field (a string where a number
// is declared, a missing required field, a decimal with too many digits)
// is an error naming the field's path; the parse stage then rejects the
// record to the topic's dead-letter destination. Conversions are
// deterministic and lossless or refused: an integer field takes integral
// numbers (and, for text parsers, their decimal text), never rounds.
package schema
