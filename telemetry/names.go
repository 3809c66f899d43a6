package telemetry

import "go.opentelemetry.io/otel/attribute"

// Scope is the instrumentation scope of every tracer and meter sluice makes.
const Scope = "github.com/sluicehq/sluice"

// Span names. A traced Kafka record's trace holds receive, with parse,
// partition, one stage span per configured stage and buffer under it, and, once its round is committed, archived.
// A round's own trace holds seal, upload (with one put per file, and the S3
// client's spans under it) and commit.
const (
	SpanReceive   = "sluice.receive"
	SpanParse     = "sluice.parse"
	SpanPartition = "sluice.partition"
	SpanStage     = "sluice.stage"
	SpanBuffer    = "sluice.buffer"
	SpanArchived  = "sluice.archived"
	SpanSeal      = "sluice.seal"
	SpanUpload    = "sluice.upload"
	SpanPut       = "sluice.put"
	SpanCommit    = "sluice.commit"
)

// Attribute keys. Messaging and S3 keys follow the OpenTelemetry semantic
// conventions (set through the semconv package); sluice.* keys are sluice's
// own.
const (
	AttrMessagingSystem      = attribute.Key("messaging.system")
	AttrDestinationName      = attribute.Key("messaging.destination.name")
	AttrDestinationPartition = attribute.Key("messaging.destination.partition.id")
	AttrRoundStart           = attribute.Key("sluice.round.start")
	AttrRoundEnd             = attribute.Key("sluice.round.end")
	AttrRoundRecords         = attribute.Key("sluice.round.records")
	AttrRoundFiles           = attribute.Key("sluice.round.files")
	AttrRoundTrigger         = attribute.Key("sluice.round.trigger")
	// AttrFileKey is a file's key relative to the destination.
	AttrFileKey = attribute.Key("sluice.file.key")
	// AttrObjectURL is where a file is stored ("s3://bucket/key",
	// "file:///path").
	AttrObjectURL    = attribute.Key("sluice.object.url")
	AttrFileBytes    = attribute.Key("sluice.file.bytes")
	AttrFileRecords  = attribute.Key("sluice.file.records")
	AttrLinksDropped = attribute.Key("sluice.links.dropped")
	AttrS3Attempts   = attribute.Key("sluice.s3.attempts")
	AttrCommitNext   = attribute.Key("sluice.commit.next_offset")
)
