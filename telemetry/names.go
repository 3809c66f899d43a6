package telemetry

import "go.opentelemetry.io/otel/attribute"

// Scope is the instrumentation scope of every tracer and meter sluice makes.
const Scope = "github.com/sluicehq/sluice"

// Span names, one per stage that handles Watermill messages.
const (
	SpanUpload = "sluice.upload"
	SpanCommit = "sluice.commit"
)

// Attribute keys. Messaging keys follow the OpenTelemetry semantic
// conventions; sluice.* keys are sluice's own.
const (
	AttrMessagingSystem      = attribute.Key("messaging.system")
	AttrDestinationName      = attribute.Key("messaging.destination.name")
	AttrDestinationPartition = attribute.Key("messaging.destination.partition.id")
	AttrRoundStart           = attribute.Key("sluice.round.start")
	AttrRoundEnd             = attribute.Key("sluice.round.end")
	AttrRoundRecords         = attribute.Key("sluice.round.records")
	AttrRoundFiles           = attribute.Key("sluice.round.files")
	AttrRoundTrigger         = attribute.Key("sluice.round.trigger")
)
