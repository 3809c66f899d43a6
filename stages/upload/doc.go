// Package upload is the fourth stage: it claims a sealed round in the
// partition's progress record, stores the record of the round's filtered
// offsets (commit.Filtered, when stages dropped records), then encodes each
// of the round's files from its spill into the output format and stores it
// under its deterministic key.
//
// Rounds of one Kafka partition reach this stage in order, one at a time (the
// in-process link delivers them by lane); rounds of different partitions run
// in parallel. A failed attempt is retried whole: claiming the same round
// again is a no-op and re-encoding writes the same bytes under the same keys.
package upload
