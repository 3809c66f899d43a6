package telemetry

// Lag gauges, exported by "sluice lag --otlp" per Kafka partition with the
// attributes AttrDestinationName (the topic) and AttrDestinationPartition.
// The durable offset is the progress record's next offset in the bucket:
// every record below it is archived.
const (
	// MetricLagRecords is how many offsets of the partition's readable log
	// are not archived yet: the end of the log (the last stable offset
	// under read_committed, else the high watermark) minus the durable
	// offset (or the log start offset, when retention deleted past it).
	MetricLagRecords = "sluice.lag.records"
	// MetricLagSeconds is the age of the oldest record not archived yet
	// (now minus its Kafka timestamp); 0 when the partition is caught up.
	MetricLagSeconds = "sluice.lag.seconds"
	// MetricLagDurableOffset is the partition's durable offset.
	MetricLagDurableOffset = "sluice.lag.durable_offset"
	// MetricLagHighWatermark is the partition's high watermark.
	MetricLagHighWatermark = "sluice.lag.high_watermark"
)

// Units of the lag gauges (UCUM, as OpenTelemetry's conventions use them).
const (
	UnitLagRecords = "{record}"
	UnitLagSeconds = "s"
	UnitLagOffset  = "{offset}"
)
