package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// brokerReadyTimeout bounds the wait for the broker to listen.
const brokerReadyTimeout = 30 * time.Second

// broker is the kafkabroker child process (kfake) and an admin client.
type broker struct {
	proc *child
	addr string
	cl   *kgo.Client
	adm  *kadm.Client
}

// startBroker runs kafkabroker with its data in dataDir (no fsync: the
// benchmark needs no crash safety) and connects to it.
func startBroker(bin, dataDir string) (*broker, error) {
	ready := filepath.Join(dataDir, "ready")
	proc, err := startChild("kafkabroker", bin, []string{
		"-addr", "127.0.0.1:0",
		"-data-dir", filepath.Join(dataDir, "kafka"),
		"-ready-file", ready,
		"-sync=false",
	}, nil, nil)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(brokerReadyTimeout)
	for {
		if b, err := os.ReadFile(ready); err == nil && len(b) > 0 {
			cl, err := kgo.NewClient(kgo.SeedBrokers(string(b)))
			if err != nil {
				proc.kill()
				return nil, fmt.Errorf("connecting to the broker: %w", err)
			}
			return &broker{proc: proc, addr: string(b), cl: cl, adm: kadm.NewClient(cl)}, nil
		}
		if !proc.running() || time.Now().After(deadline) {
			proc.kill()
			return nil, fmt.Errorf("kafkabroker did not start: %v\n%s", proc.exitErr(), proc.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createTopic creates a topic with the given partitions.
func (b *broker) createTopic(ctx context.Context, topic string, partitions int) error {
	resp, err := b.adm.CreateTopic(ctx, int32(partitions), 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("creating topic %q: %w", topic, err)
	}
	return nil
}

// endOffsets returns each partition's end offset.
func (b *broker) endOffsets(ctx context.Context, topic string) (map[int32]int64, error) {
	ends, err := b.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("listing end offsets of %q: %w", topic, err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// deleteTopic drops a topic the harness is done with, freeing the broker's
// memory.
func (b *broker) deleteTopic(ctx context.Context, topic string) {
	_, _ = b.adm.DeleteTopic(ctx, topic)
}

func (b *broker) close() {
	b.cl.Close()
	if err := b.proc.stop(30 * time.Second); err != nil {
		b.proc.kill()
	}
}
