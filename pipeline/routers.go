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
	wlog := p.watermillLogger()
	// By the time a router is closed its link has drained or the shutdown
	// deadline has cancelled the rounds: handlers end quickly.
	rcfg := message.RouterConfig{CloseTimeout: 10 * time.Second}
	if ingest, err = message.NewRouter(rcfg, wlog); err != nil {
		return nil, nil, err
	}
	if deliver, err = message.NewRouter(rcfg, wlog); err != nil {
		return nil, nil, err
	}
	ingest.AddMiddleware(middleware.Recoverer)
	deliver.AddMiddleware(middleware.Recoverer)

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

	out := keepOpen{p.link}
	deliver.AddHandler("upload", topicRounds, out, topicUploaded, out, p.uploadRound).
		AddMiddleware(p.rounds.Middleware(telemetry.SpanUpload), p.uploadTimer)
	commitHandler := deliver.AddConsumerHandler("commit", topicUploaded, out, p.commitRound)
	commitHandler.AddMiddleware(p.rounds.Middleware(telemetry.SpanCommit))
	crash, err := crashBeforeCommit()
	if err != nil {
		return nil, nil, err
	}
	if crash != nil {
		p.log.Warn("test fault hook on: this process may kill itself before committing a round", "env", EnvCrashBeforeCommit)
		commitHandler.AddMiddleware(crash)
	}
	return ingest, deliver, nil
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
