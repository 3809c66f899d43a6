package upload

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/sluicehq/sluice/model"
	"github.com/sluicehq/sluice/stages/commit"
	"github.com/sluicehq/sluice/stages/deadletter"
	"github.com/sluicehq/sluice/stages/format"
	"github.com/sluicehq/sluice/telemetry"
)

// publishBatch and publishBytes bound what goes to the Publisher at once:
// so many records, or records of so many bytes (memory outside the buffer's
// bound while a round of large rejected records is published).
const (
	publishBatch = 256
	publishBytes = 8 << 20
)

// putRejected sends r's rejected records to the topic's dead-letter
// destination (the bucket's _rejected/ file, or a Kafka topic), then
// stores the record of their offsets (commit.Rejected) at its key: like a
// file of the round, before the round is committed, with the same bytes
// whoever writes the round, and objects already there kept when
// r.KeepStored. A round without rejected records does nothing.
//
// Publishing to Kafka is at least once: a round tried again (a failed
// upload, a crash before the commit, a new owner completing the pending
// round) publishes its records again.
func (s *Stage) putRejected(ctx context.Context, r *model.Round) error {
	if len(r.RejectedRanges) == 0 {
		return nil
	}
	d := r.DeadLetter
	if d == nil || d.Records != r.Rejected {
		return fmt.Errorf("round [%d..%d] of %s has %d rejected offsets and not as many dead-letter lines",
			r.Start, r.End, r.Lane(), r.Rejected)
	}
	cfg := deadletter.DefaultConfig()
	if s.set.DeadLetter != nil {
		cfg = s.set.DeadLetter(r.Topic)
	}
	var key, topic string
	switch cfg.Destination {
	case deadletter.DestinationKafka:
		topic = cfg.Topic
		if err := s.publishRejected(ctx, r, topic); err != nil {
			return err
		}
	default:
		key = deadletter.Key(r.Topic, r.Partition, r.Start, cfg.Compression)
		if err := s.putDeadLetter(ctx, r, key, cfg.Compression); err != nil {
			return err
		}
	}
	rj, _ := commit.RejectedOf(r, cfg.Destination, key, topic)
	data, err := rj.Encode()
	if err != nil {
		return err
	}
	rkey := commit.RejectedKey(r.Topic, r.Partition, r.Start)
	if kept, err := s.keep(ctx, r, rkey, ""); kept || err != nil {
		return err
	}
	return s.putRecord(ctx, rkey, data)
}

// putDeadLetter stores the round's dead-letter lines at key, compressed.
func (s *Stage) putDeadLetter(ctx context.Context, r *model.Round, key, compression string) error {
	if kept, err := s.keep(ctx, r, key, "keeping the rejected records the pending round's earlier owner stored"); kept || err != nil {
		return err
	}
	var n int64
	pctx, span := s.set.Tracer.StartPut(ctx, key)
	err := s.store(pctx, key, func(w io.Writer) error {
		rc, err := r.DeadLetter.Open()
		if err != nil {
			return fmt.Errorf("reading the rejected records of %s: %w", key, err)
		}
		defer rc.Close()
		cw, err := format.NewRejectedWriter(w, compression)
		if err != nil {
			return err
		}
		n, err = io.Copy(cw, rc)
		if err != nil {
			return fmt.Errorf("writing %s: %w", key, err)
		}
		return cw.Close()
	})
	if span.IsRecording() {
		span.SetAttributes(telemetry.AttrFileBytes.Int64(n), telemetry.AttrFileRecords.Int64(r.DeadLetter.Records))
	}
	telemetry.End(span, err)
	if err != nil {
		return err
	}
	s.countDeadLettered(r)
	return nil
}

// publishRejected publishes the round's rejected records to topic, in
// offset order, each with its original key, value and headers and
// sluice's headers (deadletter.Outgoing).
func (s *Stage) publishRejected(ctx context.Context, r *model.Round, topic string) error {
	if s.set.Publisher == nil {
		return fmt.Errorf("round [%d..%d] of %s: dead_letter destination kafka without a publisher", r.Start, r.End, r.Lane())
	}
	rc, err := r.DeadLetter.Open()
	if err != nil {
		return fmt.Errorf("reading the rejected records of round %d of %s: %w", r.Start, r.Lane(), err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(nil, maxLine)
	batch := make([]model.Record, 0, publishBatch)
	batchBytes := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.set.Publisher.Publish(ctx, topic, batch); err != nil {
			return fmt.Errorf("publishing rejected records of %s to %q: %w", r.Lane(), topic, err)
		}
		clear(batch)
		batch, batchBytes = batch[:0], 0
		return nil
	}
	for sc.Scan() {
		rej, err := format.ParseRejection(sc.Bytes())
		if err != nil {
			return fmt.Errorf("reading the rejected records of round %d of %s: %w", r.Start, r.Lane(), err)
		}
		out := deadletter.Outgoing(&rej)
		batch = append(batch, out)
		batchBytes += out.Size()
		if len(batch) == publishBatch || batchBytes >= publishBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading the rejected records of round %d of %s: %w", r.Start, r.Lane(), err)
	}
	if err := flush(); err != nil {
		return err
	}
	s.countDeadLettered(r)
	return nil
}

// maxLine bounds a dead-letter line: a record of Kafka's largest size in
// base64, and then some.
const maxLine = 1 << 30

// countDeadLettered counts r's rejected records as sent.
func (s *Stage) countDeadLettered(r *model.Round) {
	s.stats.DeadLettered.Add(r.DeadLetter.Records)
	s.stats.DeadLetterBytes.Add(r.DeadLetter.Bytes)
}
