package pipeline

import (
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/sluicehq/sluice/internal/wmlog"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/link"
)

// routers builds the ingest router, whose handlers chain parse → partition
// → the topics' stages → buffer over the ingest link, one batch of one Kafka
// partition per message; and the deliver router, whose handlers chain
// upload → commit over the deliver link, one sealed round per message.
func (p *Pipeline) routers() (ingest, deliver *message.Router, err error) {
	if ingest, err = p.ingestRouter(); err != nil {
		return nil, nil, err
	}
	if deliver, err = p.deliverRouter(); err != nil {
		return nil, nil, err
	}
	return ingest, deliver, nil
}

// newRouter returns a router with sluice's settings and middleware.
func (p *Pipeline) newRouter() (*message.Router, error) {
	// By the time a router is closed its link has drained or the shutdown
	// deadline has cancelled the rounds: handlers end quickly.
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, p.watermillLogger())
	if err != nil {
		return nil, err
	}
	r.AddMiddleware(middleware.Recoverer)
	return r, nil
}

// ingestRouter chains the ingest handlers over the ingest link.
func (p *Pipeline) ingestRouter() (*message.Router, error) {
	ingest, err := p.newRouter()
	if err != nil {
		return nil, err
	}
	in := keepOpen{p.ingestLink}
	ingest.AddHandler("parse", topicParse, in, topicPartition, in, p.step(telemetry.SpanParse, p.parseBatch))
	next := topicBuffer
	if p.maxStages > 0 {
		next = topicStage(0)
	}
	ingest.AddHandler("partition", topicPartition, in, next, in, p.step(telemetry.SpanPartition, p.partitionBatch))
	for i := range p.maxStages {
		next := topicBuffer
		if i+1 < p.maxStages {
			next = topicStage(i + 1)
		}
		ingest.AddHandler(topicStage(i), topicStage(i), in, next, in, p.step(telemetry.SpanStage, p.runStage(i)))
	}
	ingest.AddConsumerHandler("buffer", topicBuffer, in, p.bufferBatch)
	return ingest, nil
}

// deliverRouter chains upload → commit over the deliver link.
func (p *Pipeline) deliverRouter() (*message.Router, error) {
	deliver, err := p.newRouter()
	if err != nil {
		return nil, err
	}
	out := keepOpen{p.link}
	deliver.AddHandler("upload", topicRounds, out, topicUploaded, out, p.uploadRound).
		AddMiddleware(p.rounds.Middleware(telemetry.SpanUpload), p.uploadTimer)
	commitHandler := deliver.AddConsumerHandler("commit", topicUploaded, out, p.commitRound)
	commitHandler.AddMiddleware(p.rounds.Middleware(telemetry.SpanCommit))
	crash, err := crashBeforeCommit()
	if err != nil {
		return nil, err
	}
	if crash != nil {
		p.log.Warn("test fault hook on: this process may kill itself before committing a round", "env", EnvCrashBeforeCommit)
		commitHandler.AddMiddleware(crash)
	}
	return deliver, nil
}

// watermillLogger maps Watermill's own lifecycle lines (adding handlers,
// subscribing, closing) to debug: sluice logs what a user needs at info.
func (p *Pipeline) watermillLogger() watermill.LoggerAdapter {
	return wmlog.New(p.log)
}

// keepOpen lets the routers use a link without closing it: the pipeline
// closes the links after the routers stopped.
type keepOpen struct{ *link.Link }

func (keepOpen) Close() error { return nil }
