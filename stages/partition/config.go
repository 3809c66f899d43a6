package partition

// Config chooses the output partition (the object key's directory) of a
// record from its event time.
type Config struct {
	// Granularity is "hour" (default), "day" or "minute"; it picks the default
	// template.
	Granularity string `yaml:"granularity"`
	// Template is the directory of a record's file relative to the destination
	// prefix. Placeholders: {topic}, {partition}, {yyyy}, {MM}, {dd}, {HH}, {mm}.
	// Default by granularity: hour "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}",
	// day "{topic}/dt={yyyy}-{MM}-{dd}", minute "{topic}/dt={yyyy}-{MM}-{dd}/hr={HH}/min={mm}".
	Template string `yaml:"template"`
	// Timezone is the IANA zone event times are written in. Default "UTC".
	Timezone string `yaml:"timezone"`
}
