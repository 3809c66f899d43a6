package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Kind is the kind of an instrument, as the OpenTelemetry API names them.
type Kind string

// Instrument kinds. Counters only go up; up-down counters and gauges are
// current values; a histogram records a distribution.
const (
	KindCounter       Kind = "counter"
	KindUpDownCounter Kind = "updowncounter"
	KindGauge         Kind = "gauge"
	KindHistogram     Kind = "histogram"
)

// Metric describes one of sluice's instruments: everything code, docs and
// dashboards must agree on is here and nowhere else. Names follow the
// OpenTelemetry conventions (dot-separated, no unit in the name); units are
// UCUM ("By", "s", "{record}").
type Metric struct {
	Name        string
	Unit        string
	Description string
	Kind        Kind
	// Attributes are the keys every data point carries.
	Attributes []attribute.Key
	// Buckets are a histogram's explicit bucket boundaries.
	Buckets []float64
}

// Attribute keys of sluice's metrics besides the messaging ones in names.go.
const (
	// AttrReason says why records were rejected or skipped.
	AttrReason = attribute.Key("sluice.reason")
	// AttrTrigger says why a round was sealed (size, count, span, idle,
	// open_files, disk, forced, shutdown).
	AttrTrigger = attribute.Key("sluice.trigger")
	// AttrRPCMethod is the S3 operation ("PutObject"), as the OpenTelemetry
	// RPC conventions name it.
	AttrRPCMethod = attribute.Key("rpc.method")
	// AttrErrorType is the S3 error code ("SlowDown", "InternalError"), or
	// "_OTHER" when the request failed without one (a broken connection).
	AttrErrorType = attribute.Key("error.type")
)

var (
	topicAttrs     = []attribute.Key{AttrDestinationName}
	partitionAttrs = []attribute.Key{AttrDestinationName, AttrDestinationPartition}
)

// sluice's instruments.
var (
	MetricRecordsConsumed = Metric{Name: "sluice.records.consumed", Unit: "{record}", Kind: KindCounter,
		Attributes:  partitionAttrs,
		Description: "Records delivered by the Kafka consumer, read again after a rebalance or crash included."}
	MetricBytesConsumed = Metric{Name: "sluice.bytes.consumed", Unit: "By", Kind: KindCounter,
		Attributes:  partitionAttrs,
		Description: "Payload bytes (key, value, headers) of the records consumed."}
	MetricRecordsParsed = Metric{Name: "sluice.records.parsed", Unit: "{record}", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Records whose event time the parser read from the value."}
	MetricRecordsRejected = Metric{Name: "sluice.records.rejected", Unit: "{record}", Kind: KindCounter,
		Attributes: []attribute.Key{AttrDestinationName, AttrReason},
		Description: "Records whose value the parser rejected (malformed, missing, wrong_type, unparsable); " +
			"they are archived all the same, partitioned by their Kafka timestamp."}
	MetricRecordsDeadLettered = Metric{Name: "sluice.records.dead_lettered", Unit: "{record}", Kind: KindCounter,
		Attributes: topicAttrs,
		Description: "Records that could not be archived as their topic asks (a value that does not decode or " +
			"does not match its schema), kept in their round for the topic's dead_letter destination."}
	MetricBytesDeadLettered = Metric{Name: "sluice.bytes.dead_lettered", Unit: "By", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Payload bytes (key, value, headers) of the dead-lettered records."}
	MetricRecordsSkipped = Metric{Name: "sluice.records.skipped", Unit: "{record}", Kind: KindCounter,
		Attributes: []attribute.Key{AttrDestinationName, AttrReason},
		Description: "Records consumed but not buffered: already_stored (the bucket had them) or " +
			"chain_broken (read again from the durable offset)."}
	MetricRecordsCommitted = Metric{Name: "sluice.records.committed", Unit: "{record}", Kind: KindCounter,
		Attributes:  partitionAttrs,
		Description: "Records made durable: in the bucket and in its progress record."}

	MetricBufferBytes = Metric{Name: "sluice.buffer.bytes", Unit: "By", Kind: KindUpDownCounter,
		Description: "Bytes the buffer holds in memory (Arrow builders of open files, and sealed rounds held until uploaded instead of spilled), bounded by buffer.memory."}
	MetricBufferOpenFiles = Metric{Name: "sluice.buffer.open_files", Unit: "{file}", Kind: KindUpDownCounter,
		Description: "Output files open in the buffer, bounded by buffer.max_open_files."}
	MetricBufferSpillBytes = Metric{Name: "sluice.buffer.spill_bytes", Unit: "By", Kind: KindUpDownCounter,
		Attributes:  topicAttrs,
		Description: "Bytes of spill files on local disk: open rounds and sealed rounds not yet committed."}
	MetricBufferDiskLimit = Metric{Name: "sluice.buffer.disk_limit", Unit: "By", Kind: KindUpDownCounter,
		Description: "The bound on the bytes of spill files on local disk: buffer.max_disk, or what was derived from the free space at start."}
	MetricBufferRecords = Metric{Name: "sluice.buffer.records", Unit: "{record}", Kind: KindUpDownCounter,
		Attributes:  partitionAttrs,
		Description: "Records in open rounds, not yet sealed."}
	MetricRoundsSealed = Metric{Name: "sluice.rounds.sealed", Unit: "{round}", Kind: KindCounter,
		Attributes:  []attribute.Key{AttrDestinationName, AttrTrigger},
		Description: "Rounds sealed and handed to upload, by trigger (size, count, span, idle, open_files, disk, forced, shutdown)."}

	MetricFilesUploaded = Metric{Name: "sluice.files.uploaded", Unit: "{file}", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Data files stored in the destination."}
	MetricUploadBytes = Metric{Name: "sluice.upload.bytes", Unit: "By", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Bytes of the data files stored (encoded, compressed)."}
	MetricUploadDuration = Metric{Name: "sluice.upload.duration", Unit: "s", Kind: KindHistogram,
		Attributes:  topicAttrs,
		Buckets:     []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		Description: "Time to store a round: claim, encode and upload its files, per round stored."}
	MetricS3Errors = Metric{Name: "sluice.s3.errors", Unit: "{error}", Kind: KindCounter,
		Attributes: []attribute.Key{AttrRPCMethod, AttrErrorType},
		Description: "S3 operations that failed after their retries; a missing object and a failed " +
			"precondition are answers, not errors, and are not counted."}
	MetricS3Retries = Metric{Name: "sluice.s3.retries", Unit: "{retry}", Kind: KindCounter,
		Attributes:  []attribute.Key{AttrRPCMethod},
		Description: "S3 requests sent again by the SDK's retryer (attempts after the first)."}
	MetricCommits = Metric{Name: "sluice.commits", Unit: "{round}", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Rounds committed in their partition's progress record."}
	MetricCommitConflicts = Metric{Name: "sluice.commit.conflicts", Unit: "{conflict}", Kind: KindCounter,
		Attributes: topicAttrs,
		Description: "Conditional writes of progress records refused because another process " +
			"changed the record: the partition moved on, this process stops working on it."}

	MetricRebalances = Metric{Name: "sluice.rebalances", Unit: "{rebalance}", Kind: KindCounter,
		Description: "Consumer group sessions this process set up (one per rebalance it took part in)."}
	MetricPartitionsAssigned = Metric{Name: "sluice.partitions.assigned", Unit: "{partition}", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Partitions the consumer group gave this process."}
	MetricPartitionsRevoked = Metric{Name: "sluice.partitions.revoked", Unit: "{partition}", Kind: KindCounter,
		Attributes:  topicAttrs,
		Description: "Partitions whose consumption stopped here (revoked, or their session ended)."}

	MetricOffsetDurable = Metric{Name: "sluice.offset.durable", Unit: "{offset}", Kind: KindGauge,
		Attributes:  partitionAttrs,
		Description: "Next offset to store of each partition this process owns: every record before it is durable."}
	MetricOffsetHigh = Metric{Name: "sluice.offset.high_watermark", Unit: "{offset}", Kind: KindGauge,
		Attributes:  partitionAttrs,
		Description: "The broker's high watermark of each partition this process owns, as last polled."}
	// MetricLagRecords and MetricLagSeconds are what "sluice lag" shows as
	// LAG and LAG_TIME; app/lag computes them for "sluice lag --otlp"
	// and "sluice run" alike.
	MetricLagRecords = Metric{Name: "sluice.lag.records", Unit: "{record}", Kind: KindGauge,
		Attributes: partitionAttrs,
		Description: "End of the readable log (last stable offset under read_committed, else high watermark) " +
			"minus the durable offset: records in Kafka not yet durable in the bucket."}
	MetricLagSeconds = Metric{Name: "sluice.lag.seconds", Unit: "s", Kind: KindGauge,
		Attributes: partitionAttrs,
		Description: "Age of the oldest record not yet durable in the bucket, by its Kafka timestamp; " +
			"0 when caught up."}
)

// Instruments lists every instrument sluice records, in the order docs show them.
func Instruments() []Metric {
	return []Metric{
		MetricRecordsConsumed, MetricBytesConsumed, MetricRecordsParsed, MetricRecordsRejected,
		MetricRecordsDeadLettered, MetricBytesDeadLettered, MetricRecordsSkipped, MetricRecordsCommitted,
		MetricBufferBytes, MetricBufferOpenFiles, MetricBufferSpillBytes, MetricBufferDiskLimit, MetricBufferRecords, MetricRoundsSealed,
		MetricFilesUploaded, MetricUploadBytes, MetricUploadDuration, MetricS3Errors, MetricS3Retries,
		MetricCommits, MetricCommitConflicts,
		MetricRebalances, MetricPartitionsAssigned, MetricPartitionsRevoked,
		MetricOffsetDurable, MetricOffsetHigh, MetricLagRecords, MetricLagSeconds,
	}
}

// Observable creates the asynchronous instrument m describes: an
// Int64ObservableCounter, Int64ObservableUpDownCounter or
// Int64ObservableGauge, by m.Kind. Values are reported by a callback
// registered with Meter.RegisterCallback.
func (m Metric) Observable(meter metric.Meter) (metric.Int64Observable, error) {
	switch m.Kind {
	case KindCounter:
		return meter.Int64ObservableCounter(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
	case KindUpDownCounter:
		return meter.Int64ObservableUpDownCounter(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
	default:
		return meter.Int64ObservableGauge(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
	}
}

// Float64Gauge creates m as a Float64ObservableGauge (for values in
// seconds).
func (m Metric) Float64Gauge(meter metric.Meter) (metric.Float64ObservableGauge, error) {
	return meter.Float64ObservableGauge(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
}

// Histogram creates m as a Float64Histogram with its bucket boundaries.
func (m Metric) Histogram(meter metric.Meter) (metric.Float64Histogram, error) {
	return meter.Float64Histogram(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description),
		metric.WithExplicitBucketBoundaries(m.Buckets...))
}
