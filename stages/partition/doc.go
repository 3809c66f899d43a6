// Package partition is the stage that chooses each record's output
// partition: the directory, relative to the destination prefix, of the file
// the record is written to, such as "events/dt=2026-11-22/hr=01".
//
// The directory comes from a template with the placeholders {topic},
// {partition}, {yyyy}, {MM}, {dd}, {HH} and {mm}, filled in from the record's
// event time on the wall clock of a configured IANA zone (UTC by default).
// Buckets follow the local wall clock, so hour buckets are right in zones
// with 30- or 45-minute offsets (Asia/Kolkata), and across a daylight-saving
// change the hour that repeats maps to one directory. The directory is a pure
// function of the record and the configuration, never of the machine's zone
// or clock.
//
// Templates also take fields of the record's value: {field:country},
// nested {field:user.country}, with a default for a missing, null, empty
// or non-scalar value ({field:country|unknown}; without one Hive's
// __HIVE_DEFAULT_PARTITION__). Values are written deterministically and
// escaped the way Hive escapes partition values, so a value never adds a
// path segment. The "offset" partitioner (Secor's backup mode) puts records
// in "<topic>/offset=<N>" directories by Kafka offset instead, N a multiple
// of its size.
//
// The template is compiled once. Dir is on the per-record path: consecutive
// records of a Kafka partition nearly always fall in the same bucket, so each
// (topic, partition) has a slot in a small lock-free cache holding the last
// directory built for it and the instants it covers; a hit costs a hash, an
// atomic load and two comparisons, and allocates nothing.
package partition
