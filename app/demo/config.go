package demo

import (
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/sluicehq/sluice/pipeline"
)

// Topic is the topic the demo creates, produces to and archives.
const Topic = "demo-events"

// Group is the consumer group the demo pipeline commits to.
const Group = "sluice-demo"

// Policy of the demo: small rounds, a short event-time span and a short idle
// time, so files appear within seconds rather than the production default's
// minutes.
const (
	// MaxRecords seals a round at this many records.
	MaxRecords = 5000
	// MaxEventSpan seals a round once its events span this long: with
	// events flowing, each partition gets a file about this often.
	MaxEventSpan = 10 * time.Second
	// Idle seals a round after this long without a new record.
	Idle = 5 * time.Second
)

// Config returns the pipeline configuration of the demo: the broker at
// brokerAddr, Topic, events parsed as JSON with "ts" in Unix milliseconds,
// hourly partitions, Parquet with zstd, written to the absolute directory
// outDir, buffered in bufferDir.
func Config(brokerAddr, outDir, bufferDir string) pipeline.Config {
	cfg := pipeline.DefaultConfig()
	cfg.Kafka.Brokers = []string{brokerAddr}
	cfg.Kafka.Topics = []string{Topic}
	cfg.Kafka.Group = Group
	cfg.Kafka.SessionTimeout = 10 * time.Second
	cfg.Destination.URL = FileURL(outDir)
	cfg.Buffer.Dir = bufferDir
	cfg.Buffer.Memory = 16 << 20
	cfg.Defaults.Parser.Type = "json"
	cfg.Defaults.Parser.JSON.TimeField = "ts"
	cfg.Defaults.Parser.JSON.TimeFormat = "unix_ms"
	cfg.Defaults.Format.Type = "parquet"
	cfg.Defaults.Format.Compression = "zstd"
	cfg.Defaults.Policy.MaxRecords = MaxRecords
	cfg.Defaults.Policy.MaxEventSpan = MaxEventSpan
	cfg.Defaults.Policy.Idle = Idle
	cfg.ShutdownTimeout = 30 * time.Second
	return cfg
}

// FileURL returns the file:// URL of the absolute directory dir.
func FileURL(dir string) string {
	p := filepath.ToSlash(dir)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: "C:/x" becomes "/C:/x"
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}
