// Package upload is the fourth stage: it claims a sealed round in the
// partition's progress record, stores the record of the round's filtered
// offsets (commit.Filtered, when stages dropped records), then encodes each
// of the round's files, from its spill or from the records the buffer held
// in memory, into the output format and stores it under its deterministic
// key. The encoder writes straight into a store that takes a stream
// (objstore.Streamer: the file and S3 stores), with no local copy; another
// store gets a temp file.
//
// Rounds of one Kafka partition reach this stage in order, one at a time (the
// in-process link delivers them by lane); rounds of different partitions run
// in parallel. A failed attempt is retried whole: claiming the same round
// again is a no-op and re-encoding writes the same bytes under the same keys.
package upload
