package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/sluicehq/sluice/telemetry"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/stages/upload"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/link"
	"github.com/sluicehq/sluice/transport/objstore"
)

// Link topics between the deliver router's handlers.
const (
	topicRounds   = "rounds"
	topicUploaded = "uploaded"
)

// Settings is what a program injects into the pipeline.
type Settings struct {
	// Logger receives sluice's log; nil discards.
	Logger *slog.Logger
	// Owner names this process in progress records (default host-pid-start).
	Owner string
	// Store overrides the store opened from Destination.URL (tests).
	Store objstore.Store
	// Telemetry receives sluice's spans and metrics; nil records nothing.
	Telemetry *telemetry.Providers
}

// Pipeline is one running sluice: Kafka in, files and progress records out.
type Pipeline struct {
	cfg Config
	set Settings
	log *slog.Logger

	store  objstore.Store
	topics map[string]*topicStages
	// maxStages is the longest list of configured stages of any topic: the
	// ingest chain has a handler per position.
	maxStages int
	ledger    *commit.Ledger
	// dlq publishes rejected records of topics whose dead-letter
	// destination is kafka (nil when none is).
	dlq *kafka.RecordPublisher
	// ingestLink carries batches between the ingest handlers, link rounds
	// between the deliver handlers.
	ingestLink *link.Link
	link       *link.Link
	batcher    *kafka.Batcher
	buffer     *buffer.Stage
	upload     *upload.Stage
	commit     *commit.Stage
	coord      *kafka.Coordinator
	// records traces Kafka records through the ingest stages.
	records *telemetry.RecordTracer
	// rounds traces rounds through seal, upload and commit.
	rounds *telemetry.RoundTracer

	// assigned and revoked count partitions the group gave and took.
	assigned, revoked atomic.Int64
	// owned tracks owned partitions and their offsets for the metrics.
	owned   *ownership
	s3Stats *objstore.RequestStats
	inst    instruments

	// fatal takes the error that stops the pipeline from within (a record
	// that can never be buffered).
	fatal chan error
	// ready is set once the stages are built; Stats reads them only then.
	ready atomic.Bool
	// running holds the routers once both run, for the health checks.
	running atomic.Pointer[routerPair]
	// stopping is set when the shutdown begins.
	stopping atomic.Bool
	started  time.Time
	// deliverCtx is the context of every sealed round: cancelled when the
	// shutdown deadline passes, so uploads stuck on an unreachable store
	// give up.
	deliverCtx    context.Context
	cancelDeliver context.CancelFunc
}

type topicStages struct {
	parse     *parse.Stage
	partition *partition.Stage
	stages    []namedStage
	format    format.Config
	// buffer is what the buffer asks for on every record: resolved once.
	buffer buffer.TopicSettings
	// deadLetter is where rejected records go; guard stops a partition
	// with too many of them.
	deadLetter deadletter.Config
	guard      *deadletter.Guard
}

// New checks cfg and builds the stages. It does not connect to anything.
func New(cfg Config, set Settings) (*Pipeline, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if set.Logger == nil {
		set.Logger = slog.New(slog.DiscardHandler)
	}
	if set.Telemetry == nil {
		set.Telemetry = telemetry.Noop()
	} else {
		set.Telemetry.Complete()
	}
	if set.Owner == "" {
		host, _ := os.Hostname()
		set.Owner = host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().Unix(), 10)
	}
	return &Pipeline{cfg: cfg, set: set, log: set.Logger, topics: map[string]*topicStages{},
		fatal: make(chan error, 1),
		owned: newOwnership(), s3Stats: &objstore.RequestStats{}}, nil
}

// Run connects to the store and Kafka, archives until ctx is done, then shuts
// down gracefully within Config.ShutdownTimeout: records buffered are sealed,
// uploaded and committed before it returns. It returns an error when it cannot
// start (unreachable broker or store, unknown topic) or cannot finish the
// shutdown in time.
func (p *Pipeline) Run(ctx context.Context) error {
	p.started = time.Now()
	defer p.stopping.Store(true)
	// The buffer directory first: a directory sluice must not use is a
	// configuration error, reported before connecting to anything.
	if err := p.openBuffer(); err != nil {
		return err
	}
	defer p.buffer.Close()
	if err := p.connect(ctx); err != nil {
		return err
	}
	p.link = link.New(link.Config{Lanes: p.cfg.Upload.Concurrency, Capacity: 4 * p.cfg.Upload.Concurrency},
		p.watermillLogger())
	lanes := p.cfg.Ingest.lanes()
	p.ingestLink = link.New(link.Config{Lanes: lanes, Capacity: 2 * lanes}, p.watermillLogger())
	p.batcher = kafka.NewBatcher(p.cfg.Ingest.Batch, p.emitBatch, p.log)
	if err := p.buildStages(); err != nil {
		return err
	}
	if p.dlq != nil {
		defer p.dlq.Close() // after the shutdown uploaded what was buffered
	}
	if err := p.registerMetrics(); err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	p.ready.Store(true)
	defer p.link.Close()
	defer p.ingestLink.Close()

	sub, err := kafka.NewSubscriber(p.cfg.Kafka, p.coord, p.log)
	if err != nil {
		return fmt.Errorf("creating kafka subscriber: %w", err)
	}
	ingest, deliver, err := p.routers()
	if err != nil {
		return err
	}

	// The routers are closed in order below, not by ctx.
	bg := context.WithoutCancel(ctx)
	p.deliverCtx, p.cancelDeliver = context.WithCancel(bg)
	defer p.cancelDeliver()
	bufCtx, stopBuffer := context.WithCancel(bg)
	var wg sync.WaitGroup
	wg.Go(func() { p.buffer.Run(bufCtx) })
	if p.metricsOn() {
		pollCtx, stopPoll := context.WithCancel(bg)
		var poll sync.WaitGroup
		poll.Go(func() { p.pollWatermarks(pollCtx, p.set.Telemetry.LagInterval) })
		defer func() { stopPoll(); poll.Wait() }()
	}
	routerErrs := make(chan error, 2)
	wg.Go(func() { routerErrs <- deliver.Run(bg) })
	select {
	case <-deliver.Running():
	case err := <-routerErrs:
		stopBuffer()
		wg.Wait()
		return fmt.Errorf("starting deliver router: %w", err)
	}
	wg.Go(func() { routerErrs <- ingest.Run(bg) })
	<-ingest.Running()
	p.running.Store(&routerPair{ingest: ingest, deliver: deliver})
	consumers, err := p.consume(bg, sub)
	if err != nil {
		_ = p.shutdown(bg, ingest, deliver, consumers)
		stopBuffer()
		wg.Wait()
		return err
	}
	p.log.Info("sluice running", "topics", p.topicNames(), "destination", p.store.String(), "owner", p.set.Owner,
		"ingest_lanes", lanes)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-routerErrs:
		runErr = fmt.Errorf("router stopped: %w", err)
	case err := <-p.fatal:
		runErr = err
	}
	shutErr := p.shutdown(bg, ingest, deliver, consumers)
	stopBuffer()
	wg.Wait()
	return errors.Join(runErr, shutErr)
}

// shutdown stops upstream first so downstream can drain: the buffer seals
// what it holds (batches still on their way are dropped: they were never
// committed), the deliver router uploads and commits it, then the Kafka
// consumer and the ingest chain stop.
func (p *Pipeline) shutdown(ctx context.Context, ingest, deliver *message.Router, consumers *consumers) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ShutdownTimeout)
	defer cancel()
	p.stopping.Store(true)
	// Past the deadline, rounds still waiting or uploading give up: they are
	// not committed and will be read again from Kafka.
	defer context.AfterFunc(ctx, p.cancelDeliver)()
	p.log.Info("shutting down: sealing buffered rounds")
	var errs []error
	if err := p.buffer.Drain(ctx); err != nil {
		errs = append(errs, fmt.Errorf("sealing buffered rounds: %w", err))
	}
	if err := p.drainLink(ctx); err != nil {
		errs = append(errs, fmt.Errorf("uploading and committing buffered rounds: %w", err))
	}
	if err := consumers.stop(ctx); err != nil {
		// Whatever was read is committed by now (or errs says what is
		// not). A consumer that cannot leave the group in time, because a
		// rebalance holds its JoinGroup, only delays the group until the
		// session timeout: not a reason to fail the shutdown.
		p.log.Warn("the kafka consumer did not stop in time; the group drops this member at its session timeout",
			"err", err, "session_timeout", p.cfg.Kafka.SessionTimeout)
	}
	if err := ingest.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing ingest router: %w", err))
	}
	if err := deliver.Close(); err != nil {
		errs = append(errs, fmt.Errorf("closing deliver router: %w", err))
	}
	p.log.Info("stopped", "records_committed", p.commit.Stats().Records.Load())
	return errors.Join(errs...)
}

// drainLink waits until every round is uploaded and committed: rounds
// handed to commit while draining are published after Drain was called, so
// drain until neither topic holds anything.
func (p *Pipeline) drainLink(ctx context.Context) error {
	for p.link.Pending(topicRounds)+p.link.Pending(topicUploaded) > 0 {
		if err := p.link.Drain(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pipeline) buildStages() error {
	var err error
	p.ledger = commit.NewLedger(p.store, p.set.Owner)
	p.coord = kafka.NewCoordinator(assigner{p}, p.log)
	p.records = telemetry.NewRecordTracer(p.set.Telemetry, p.cfg.Kafka.Group)
	p.rounds = telemetry.NewRoundTracer(p.set.Telemetry, p.cfg.Destination.URL)
	set := upload.Settings{
		Logger: p.log, Store: p.store, Ledger: p.ledger,
		Format:     func(t string) format.Config { return p.topics[t].format },
		DeadLetter: func(t string) deadletter.Config { return p.topics[t].deadLetter },
		OnStale:    p.stale, Tracer: p.rounds,
	}
	if p.deadLetterToKafka() {
		if p.dlq, err = kafka.NewRecordPublisher(p.cfg.Kafka, p.log); err != nil {
			return err
		}
		set.Publisher = p.dlq
	}
	p.upload, err = upload.New(p.cfg.Upload, set)
	if err != nil {
		return err
	}
	p.commit, err = commit.New(commit.Settings{Logger: p.log, Ledger: p.ledger, Offsets: p.coord, OnStale: p.stale})
	return err
}

// openBuffer builds the buffer stage and takes its directory. The stage asks
// for topics and the coordinator only once records arrive.
func (p *Pipeline) openBuffer() error {
	var err error
	p.buffer, err = buffer.New(p.cfg.Buffer, buffer.Settings{
		Logger:   p.log,
		Publish:  p.publishRound,
		MaxLinks: p.set.Telemetry.MaxLinks,
		Topic:    p.bufferTopic,
		OnBroken: func(topic string, partition int32) { p.coord.Resync(topic, partition) },
	})
	if err != nil {
		return err
	}
	if err := p.buffer.Start(); err != nil {
		return fmt.Errorf("taking buffer dir: %w", err)
	}
	return nil
}

func (p *Pipeline) bufferTopic(t string) buffer.TopicSettings {
	return p.topics[t].buffer
}

// stale stops work on a partition another process moved on, and reads it
// again from the bucket's progress.
func (p *Pipeline) stale(topic string, partition int32) {
	p.buffer.Break(topic, partition)
	p.coord.Resync(topic, partition)
}

// publishRound hands a sealed round to the deliver router. The round rides
// in the message's context: it never leaves the process.
func (p *Pipeline) publishRound(_ context.Context, r *model.Round) error {
	msg := message.NewMessage(r.Lane()+"@"+strconv.FormatInt(r.Start, 10), nil)
	msg.Metadata.Set(link.LaneKey, r.Lane())
	// The round outlives the record that sealed it: its context is the
	// pipeline's, cancelled only when a shutdown runs out of time. Publishing
	// blocks while the link is full (backpressure) until then.
	msg.SetContext(model.WithRound(p.deliverCtx, r))
	span := p.rounds.Seal(p.deliverCtx, r, msg)
	err := p.link.Publish(topicRounds, msg)
	telemetry.End(span, err)
	return err
}

// uploadRound is the deliver router's upload handler.
func (p *Pipeline) uploadRound(msg *message.Message) ([]*message.Message, error) {
	r, ok := model.RoundFrom(msg.Context())
	if !ok {
		return nil, fmt.Errorf("message %s carries no round", msg.UUID)
	}
	stored, err := p.upload.Upload(msg.Context(), r)
	if err != nil || !stored {
		return nil, err
	}
	out := message.NewMessage(msg.UUID, nil)
	out.Metadata.Set(link.LaneKey, r.Lane())
	out.SetContext(msg.Context())
	return []*message.Message{out}, nil
}

// commitRound is the deliver router's commit handler.
func (p *Pipeline) commitRound(msg *message.Message) error {
	r, ok := model.RoundFrom(msg.Context())
	if !ok {
		return fmt.Errorf("message %s carries no round", msg.UUID)
	}
	return p.commit.Commit(msg.Context(), r)
}
