package demo

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultPort is the port the demo broker prefers: Kafka's usual one, so
// kcat and other clients work with their usual flags.
const DefaultPort = 9092

// Broker is a one-node Kafka-protocol broker running in this process. It
// keeps everything in memory: what it held is gone once it is closed.
type Broker struct {
	cluster *kfake.Cluster
}

// StartBroker starts a broker on 127.0.0.1:port, or on a free port when port
// is taken (or 0), with topic created with the given partition count.
func StartBroker(port int, topic string, partitions int32) (*Broker, error) {
	if partitions < 1 {
		return nil, fmt.Errorf("starting demo broker: partitions must be at least 1, got %d", partitions)
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic)}
	c, err := kfake.NewCluster(append(opts, kfake.Ports(port))...)
	if err != nil && port != 0 {
		c, err = kfake.NewCluster(append(opts, kfake.Ports(0))...)
	}
	if err != nil {
		return nil, fmt.Errorf("starting demo broker: %w", err)
	}
	return &Broker{cluster: c}, nil
}

// Addr returns the address the broker listens on, "127.0.0.1:PORT".
func (b *Broker) Addr() string { return b.cluster.ListenAddrs()[0] }

// Port returns the port the broker listens on.
func (b *Broker) Port() int {
	_, port, _ := net.SplitHostPort(b.Addr())
	p, _ := strconv.Atoi(port)
	return p
}

// Close stops the broker. It is idempotent.
func (b *Broker) Close() { b.cluster.Close() }
