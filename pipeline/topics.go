package pipeline

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/sluicehq/sluice/schema"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/buffer"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/stages/parse"
	"github.com/sluicehq/sluice/stages/partition"
	"github.com/sluicehq/sluice/transport/kafka"
	"github.com/sluicehq/sluice/transport/objstore"
	"github.com/sluicehq/sluice/transport/schemareg"
)

// connect opens the store, checks it answers, resolves the topics and
// builds each topic's per-record stages.
func (p *Pipeline) connect(ctx context.Context) error {
	p.store = p.set.Store
	if p.store == nil {
		st, err := objstore.Open(ctx, p.cfg.Destination.URL, p.cfg.Destination.S3, objstore.Settings{
			Logger: p.log, TracerProvider: p.set.Telemetry.TracerProvider, RequestStats: p.s3Stats})
		if err != nil {
			return fmt.Errorf("opening destination: %w", err)
		}
		p.store = st
	}
	if err := probeStore(ctx, p.store); err != nil {
		return err
	}
	for _, w := range p.cfg.Kafka.Warnings() {
		p.log.Warn(w)
	}
	// ResolveTopics probes the brokers first: a refused certificate or
	// password stops sluice here, with one line naming the broker and the
	// mechanism, before watermill-kafka's subscriber would retry it forever.
	topics, err := kafka.ResolveTopics(ctx, p.cfg.Kafka)
	if err != nil {
		return err
	}
	registry, err := schemareg.New(p.cfg.SchemaRegistry)
	if err != nil {
		return err
	}
	for _, t := range topics {
		ts, err := p.buildTopic(t, registry)
		if err != nil {
			return err
		}
		p.maxStages = max(p.maxStages, len(ts.stages))
		p.topics[t] = ts
	}
	return nil
}

// buildTopic builds a topic's stages from its configuration; registry is
// the Schema Registry client every topic's parser shares (nil: none).
func (p *Pipeline) buildTopic(t string, registry *sr.Client) (*topicStages, error) {
	tc := p.cfg.TopicConfig(t)
	pset := parse.Settings{Logger: p.log, Topic: t, Registry: registry,
		Infer: tc.Schema.Mode == schema.ModeInfer}
	if tc.Schema.Mode == schema.ModeDeclared {
		d, err := schema.Compile(tc.Schema)
		if err != nil {
			return nil, fmt.Errorf("topic %q: %w", t, err)
		}
		pset.Schema = d
	}
	ps, err := parse.New(tc.Parser, pset)
	if err != nil {
		return nil, fmt.Errorf("topic %q: %w", t, err)
	}
	tc.Format.Infer = pset.Infer
	pt, err := partition.New(tc.Partitioner, partition.Settings{Logger: p.log, Topic: t})
	if err != nil {
		return nil, fmt.Errorf("topic %q: %w", t, err)
	}
	ts := &topicStages{parse: ps, partition: pt, format: tc.Format,
		buffer: buffer.TopicSettings{Policy: tc.Policy, Extension: format.Extension(tc.Format),
			Layouts: format.NewLayouts(tc.Format.Columns)},
		deadLetter: tc.DeadLetter, guard: deadletter.NewGuard(t, tc.DeadLetter)}
	for i, spec := range tc.Stages {
		st, err := spec.New(stages.Settings{Logger: p.log.With("stage", spec.Name, "topic", t), Topic: t})
		if err != nil {
			return nil, fmt.Errorf("topic %q: stages[%d]: %w", t, i, err)
		}
		ts.stages = append(ts.stages, namedStage{name: spec.Name, stage: st})
	}
	return ts, nil
}

// namedStage is one of a topic's configured stages.
type namedStage struct {
	name  string
	stage stages.Stage
}

func (p *Pipeline) topicNames() []string {
	out := make([]string, 0, len(p.topics))
	for t := range p.topics {
		out = append(out, t)
	}
	return out
}
