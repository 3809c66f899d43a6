package filter

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages"
	"github.com/sluicehq/sluice/stages/internal/recordexpr"
)

// Name is the name the stage is registered under.
const Name = "filter"

func init() {
	stages.MustRegister(stages.NewFactory(Name, DefaultOptions, func(o Options, set stages.Settings) (stages.Stage, error) {
		return New(o, set)
	}))
}

// Stage drops the records its expression rejects. It is safe for
// concurrent use.
type Stage struct {
	pred    *recordexpr.Program
	drop    bool // pred says which records to drop
	onError string
	log     *slog.Logger
}

// New compiles the options' expression into a Stage.
func New(o Options, set stages.Settings) (*Stage, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	src, drop := o.KeepIf, false
	if src == "" {
		src, drop = o.DropIf, true
	}
	pred, err := recordexpr.Compile(src, true)
	if err != nil {
		return nil, err
	}
	log := set.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Stage{pred: pred, drop: drop, onError: o.OnError, log: log}, nil
}

// Process drops the batch's rejected records with b.Keep. With on_error
// fail, a record it cannot judge makes it return an error naming the
// record before it changes the batch.
func (s *Stage) Process(ctx context.Context, b *model.Batch) error {
	keep := make([]bool, len(b.Records))
	for i := range b.Records {
		r := &b.Records[i]
		match, err := s.pred.EvalBool(r)
		if err != nil {
			switch s.onError {
			case recordexpr.Keep:
				keep[i] = true
			case recordexpr.Drop:
			default:
				return fmt.Errorf("filtering record %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
			s.log.DebugContext(ctx, "filter: judging a record failed", "topic", r.Topic, "partition", r.Partition,
				"offset", r.Offset, "on_error", s.onError, "error", err)
			continue
		}
		keep[i] = match != s.drop
	}
	i := 0
	b.Keep(func(*model.Record) bool { i++; return keep[i-1] })
	return nil
}
