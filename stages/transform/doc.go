// Package transform is the built-in "transform" stage: it changes the
// fields of a topic's records, in this order:
//
//  1. set: each path gets the value of a CEL expression. Every expression
//     sees the record as it came in (not what other sets made), and the
//     paths are set in sorted order.
//
//  2. rename: each field moves to its new path (a missing one is skipped).
//
//  3. drop: each path is removed (a missing one is skipped).
//
//  4. redact: each path's value is replaced by its keyed hash (HMAC-SHA256,
//     hex: equal values give equal hashes, so redacted columns still join,
//     and no one without the key can test a guess) or masked (all but the
//     first and last few characters replaced by '*').
//
//     stages:
//     - transform:
//     set: {price_cents: 'int(price * 100.0)', source: 'kafka.headers["source"]'}
//     rename: {usr: user}
//     drop: [debug, user.password]
//     redact:
//     user.email: {method: hash, key: "${REDACT_KEY}"}
//     card: {method: mask, keep_last: 4}
//
// Paths are dot-separated keys into nested objects ("user.email"), as in
// model.Record.Field. The expressions see the environment described in
// package filter (the value's fields at top level, the Kafka metadata under
// kafka). An object or list set from a part of the record is copied with
// its numbers' exact text; a number, read or computed, is written in its
// shortest form (1.50 becomes 1.5), a timestamp as an RFC 3339 string.
//
// A record that none of the operations touches keeps its value bytes as
// they were; a changed one is re-encoded with sorted keys (model.Record.Sync).
// Hashing and masking act on a string's characters, or on the JSON text of
// any other value (the result is a string).
//
// A record whose value is not a JSON object, or for which a set expression
// fails or a path runs through something other than an object, is handled
// by on_error: fail (stop with an error naming the record), keep (unchanged)
// or drop (as filtered). Nothing of such a record is changed before the
// decision.
package transform
