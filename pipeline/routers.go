package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wkafka "github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/sluicehq/sluice/internal/wmlog"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/telemetry"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/link"
	"go.opentelemetry.io/otel/trace"
)

// routers builds the ingest and deliver routers.
func (p *Pipeline) routers(sub *wkafka.Subscriber) (ingest, deliver *message.Router, err error) {
	wlog := p.watermillLogger()
	// By the time a router is closed the link has drained or the shutdown
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
	for t := range p.topics {
		ingest.AddConsumerHandler("ingest-"+t, t, sub, p.ingest)
	}
	l := keepOpen{p.link}
	deliver.AddHandler("upload", topicRounds, l, topicUploaded, l, p.upload.Handle).
		AddMiddleware(p.rounds.Middleware(telemetry.SpanUpload), p.uploadTimer)
	commitHandler := deliver.AddConsumerHandler("commit", topicUploaded, l, p.commit.Handle)
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

// ingest runs the per-record stages: parse → partition → buffer.
func (p *Pipeline) ingest(msg *message.Message) (err error) {
	rec, err := kafka.RecordFrom(msg)
	if err != nil {
		return err
	}
	ts := p.topics[rec.Topic]
	if ts == nil {
		return fmt.Errorf("record of unexpected topic %q", rec.Topic)
	}
	ctx := msg.Context()
	if p.records.On() {
		var span trace.Span
		ctx, span = p.records.Receive(ctx, &rec)
		defer func() { telemetry.End(span, err) }()
	}
	_, span := p.records.Start(ctx, telemetry.SpanParse)
	ts.parse.Parse(&rec)
	span.End()
	_, span = p.records.Start(ctx, telemetry.SpanPartition)
	dir := ts.partition.Dir(&rec)
	span.End()
	bctx, span := p.records.Start(ctx, telemetry.SpanBuffer)
	err = p.buffer.Append(bctx, &rec, dir)
	telemetry.End(span, err)
	if errors.Is(err, buffer.ErrRecordTooLarge) {
		// Reading it again cannot help: stop sluice with the error (the
		// record is not acked, so nothing past it is committed).
		select {
		case p.fatal <- err:
		default:
		}
		<-p.released
		return context.Canceled
	}
	if errors.Is(err, buffer.ErrDraining) {
		// Hold the record until the consumers stop; it is read again next
		// time. Watermill does not log a cancelled handler.
		<-p.released
		return context.Canceled
	}
	return err
}

// watermillLogger maps Watermill's own lifecycle lines (adding handlers,
// subscribing, closing) to debug: sluice logs what a user needs at info.
func (p *Pipeline) watermillLogger() watermill.LoggerAdapter {
	return wmlog.New(p.log)
}

// keepOpen lets the routers use the link without closing it: the pipeline
// closes it after both routers stopped.
type keepOpen struct{ *link.Link }

func (keepOpen) Close() error { return nil }
