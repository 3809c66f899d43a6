// Package filter is the built-in "filter" stage: it drops the records of a
// topic for which a CEL expression (https://cel.dev) says so. Dropped
// records are recorded as filtered (model.Batch.Keep), so that their
// round accounts for them and "sluice verify" reports them as filtered,
// never as lost.
//
//	stages:
//	  - filter:
//	      keep_if: 'level != "debug" && user.age > 30'
//	      on_error: fail   # or keep, drop
//
// # Expressions
//
// The filter and transform stages share one environment. An expression
// sees the record's value, a JSON object, and its Kafka metadata:
//
//   - The value's top-level fields by name: level, user.age, tags[0]. A
//     top-level field the record lacks is null (level != "debug" holds for
//     a record without level; test presence with level != null, or
//     has(kafka.value.level)). Selecting into a missing nested field is an
//     error; guard it with has(user.age) or read it with user.?age.orValue(0).
//   - kafka, the Kafka metadata: kafka.key (string, null without a key),
//     kafka.headers (map of string to string; of a repeated header the last
//     value wins), kafka.topic, kafka.partition and kafka.offset (ints),
//     kafka.timestamp (a timestamp), and kafka.value, the whole value.
//
// The one name that clashes is kafka: a value field named kafka is read as
// kafka.value.kafka; fields whose names are not identifiers are read the
// same way (kafka.value["user-id"]).
//
// Numbers in the value are ints when they are whole numbers that fit in 64
// bits and doubles otherwise; ints and doubles compare with each other
// naturally (user.age > 30.5), but arithmetic wants one type (price * 2.0,
// double(user.age) * 1.5). CEL's standard functions and its string
// extension (lowerAscii, replace, split, ...) are available; nothing that
// reads the clock or random numbers is, so a stage stays deterministic.
//
// Expressions are compiled once, when the configuration is validated; a
// syntax error, an unknown function or (for keep_if and drop_if) an
// expression whose type is known not to be a bool is reported with its
// path and line.
package filter
