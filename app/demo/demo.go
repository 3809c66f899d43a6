package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/sluicehq/sluice/pipeline"
)

// Defaults of Options.
const (
	DefaultRate       = 200
	DefaultPartitions = 4
	DefaultDir        = "sluice-demo-output"
)

// catchUpTimeout bounds waiting, once the generator stopped, for the
// pipeline to buffer every record in the topic before it shuts down.
const catchUpTimeout = 15 * time.Second

// markerFile marks a directory as a demo's output. Its name starts with a dot,
// so the file store does not list it as data.
const markerFile = ".sluice-demo"

// ErrDirNotEmpty is returned by Start when the output directory holds files
// that are not a previous demo's output.
var ErrDirNotEmpty = errors.New("output directory is not empty")

// Options configure a demo.
type Options struct {
	// Dir is the output directory; relative paths are made absolute.
	// Default DefaultDir. A previous demo's output there is removed: the
	// demo's broker starts empty, so old progress records would not match
	// its offsets.
	Dir string
	// Rate is the events generated per second. Default DefaultRate.
	Rate int
	// Partitions of the demo topic. Default DefaultPartitions.
	Partitions int32
	// Port the broker listens on at 127.0.0.1; a free port when it is taken.
	// Zero means any free port.
	Port int
	// Logger receives the pipeline's log; nil discards.
	Logger *slog.Logger
}

// Demo is a demo ready to run: its broker listens and its output directory
// is prepared.
type Demo struct {
	opts      Options
	broker    *Broker
	bufferDir string
	started   time.Time

	pipe atomic.Pointer[pipeline.Pipeline]
	gen  atomic.Pointer[Generator]
}

// Start prepares the output directory and starts the broker. Close releases
// them.
func Start(opts Options) (*Demo, error) {
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	if opts.Rate == 0 {
		opts.Rate = DefaultRate
	}
	if opts.Partitions == 0 {
		opts.Partitions = DefaultPartitions
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Rate < 1 {
		return nil, fmt.Errorf("rate must be at least 1 event per second, got %d", opts.Rate)
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("resolving output directory: %w", err)
	}
	opts.Dir = dir
	if err := prepareDir(dir); err != nil {
		return nil, err
	}
	bufferDir, err := os.MkdirTemp("", "sluice-demo-buffer-")
	if err != nil {
		return nil, fmt.Errorf("creating buffer directory: %w", err)
	}
	b, err := StartBroker(opts.Port, Topic, opts.Partitions)
	if err != nil {
		_ = os.RemoveAll(bufferDir)
		return nil, err
	}
	return &Demo{opts: opts, broker: b, bufferDir: bufferDir, started: time.Now()}, nil
}

// prepareDir creates dir, or empties it if it holds a previous demo's
// output, and marks it as a demo's.
func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("reading output directory: %w", err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, markerFile)); err != nil {
			return fmt.Errorf("%w: %s (the demo writes to an empty directory or to its own previous output; choose another with --dir)", ErrDirNotEmpty, dir)
		}
		for _, e := range entries {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("removing the previous demo output: %w", err)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating output directory: %w", err)
	}
	marker := []byte("This directory holds the output of `sluice demo`; the next demo run empties it.\n")
	if err := os.WriteFile(filepath.Join(dir, markerFile), marker, 0o644); err != nil {
		return fmt.Errorf("marking output directory: %w", err)
	}
	return nil
}

// Broker returns the broker's address, "127.0.0.1:PORT".
func (d *Demo) Broker() string { return d.broker.Addr() }

// Dir returns the absolute output directory.
func (d *Demo) Dir() string { return d.opts.Dir }

// Banner returns the text to print once the demo starts.
func (d *Demo) Banner() string {
	return Banner(d.Broker(), d.Dir(), d.opts.Partitions, d.opts.Rate)
}

// Progress returns the demo's counters. It is safe to call at any time, from
// any goroutine.
func (d *Demo) Progress() Progress {
	pr := Progress{Elapsed: time.Since(d.started)}
	if g := d.gen.Load(); g != nil {
		pr.Produced = g.Produced()
	}
	if p := d.pipe.Load(); p != nil {
		s := p.Stats()
		pr.RecordsIn, pr.Rounds, pr.Files, pr.Bytes, pr.Committed =
			s.RecordsIn, s.RoundsSealed, s.FilesUploaded, s.BytesUploaded, s.RecordsCommitted
	}
	return pr
}

// Run generates events and archives them until ctx is done, then stops the
// generator, lets the pipeline buffer what is left in the topic (for a
// bounded time), and shuts the pipeline down gracefully: everything it
// buffered is written and committed before Run returns. Run may be called
// once. It returns an error when the pipeline fails or cannot finish its
// shutdown.
func (d *Demo) Run(ctx context.Context) (Summary, error) {
	cfg := Config(d.Broker(), d.Dir(), d.bufferDir)
	p, err := pipeline.New(cfg, pipeline.Settings{Logger: d.opts.Logger})
	if err != nil {
		return Summary{}, fmt.Errorf("creating pipeline: %w", err)
	}
	gen, err := NewGenerator([]string{d.Broker()}, Topic, d.opts.Rate)
	if err != nil {
		return Summary{}, err
	}
	admin, err := kgo.NewClient(kgo.SeedBrokers(d.Broker()))
	if err != nil {
		return Summary{}, fmt.Errorf("creating admin client: %w", err)
	}
	defer admin.Close()
	d.pipe.Store(p)
	d.gen.Store(gen)

	// The pipeline outlives ctx: it is stopped once it caught up.
	pctx, stopPipeline := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPipeline()
	pdone := make(chan error, 1)
	go func() { pdone <- p.Run(pctx) }()
	gctx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	gdone := make(chan error, 1)
	go func() { gdone <- gen.Run(gctx) }()

	select {
	case <-ctx.Done():
	case err := <-pdone:
		stopGen()
		<-gdone
		if err == nil {
			err = errors.New("pipeline stopped unexpectedly")
		}
		return d.summary(0), fmt.Errorf("running pipeline: %w", err)
	}
	stopGen()
	genErr := <-gdone
	inTopic, pipeErr, stopped := d.catchUp(kadm.NewClient(admin), pdone)
	if !stopped {
		stopPipeline()
		pipeErr = <-pdone
	}
	if pipeErr != nil {
		pipeErr = fmt.Errorf("stopping pipeline: %w", pipeErr)
	}
	return d.summary(inTopic), errors.Join(genErr, pipeErr)
}

// catchUp waits until the pipeline buffered every record in the topic, the
// pipeline stopped (stopped is true, err is its error), or catchUpTimeout
// passed. It returns the records in the topic.
func (d *Demo) catchUp(admin *kadm.Client, pdone <-chan error) (inTopic int64, err error, stopped bool) {
	deadline := time.Now().Add(catchUpTimeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ends, lerr := admin.ListEndOffsets(ctx, Topic)
		cancel()
		if lerr == nil {
			inTopic = 0
			ends.Each(func(o kadm.ListedOffset) { inTopic += o.Offset })
			if d.pipe.Load().Stats().RecordsIn >= inTopic {
				return inTopic, nil, false
			}
		}
		if time.Now().After(deadline) {
			return inTopic, nil, false
		}
		select {
		case err := <-pdone:
			return inTopic, err, true
		case <-tick.C:
		}
	}
}

func (d *Demo) summary(inTopic int64) Summary {
	return Summary{Progress: d.Progress(), InTopic: inTopic, Broker: d.Broker(), Dir: d.Dir()}
}

// Close stops the broker and removes the buffer directory. Call it after Run
// returned.
func (d *Demo) Close() error {
	d.broker.Close()
	if err := os.RemoveAll(d.bufferDir); err != nil {
		return fmt.Errorf("removing buffer directory: %w", err)
	}
	return nil
}
