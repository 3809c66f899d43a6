// Package lag measures how far the archive is behind Kafka, per partition:
// Secor's ProgressMonitor, measured against the bucket rather than against
// the consumer group.
//
// For each Kafka partition it reads the durable offset (the progress
// record's next offset: every record below it is in the bucket, and the
// pending round, if any), the consumer group's committed offset (what kcat
// and Burrow see), and the partition's log start offset, high watermark and
// last stable offset. Lag in records is the end of the readable log (the
// last stable offset under read_committed, else the high watermark) minus
// the durable offset; lag in time is the age of the oldest record not
// archived yet, by its Kafka timestamp.
//
// It flags what needs a look: records deleted by retention before they were
// archived, a group committed offset ahead of the bucket (Kafka says records
// are consumed that the bucket does not hold), and a durable offset past
// the end of the log (a recreated or truncated topic). A committed offset
// behind the bucket is normal for a moment: sluice commits to Kafka after
// the progress record.
//
// A Monitor can also report its last measurement as OpenTelemetry gauges
// (the telemetry package's lag and offset instruments). Partition.Measure is
// the one definition of the lag: the pipeline measures the partitions it
// owns with it too, so "sluice run" and "sluice lag --otlp" report the same
// numbers for the same state.
package lag
