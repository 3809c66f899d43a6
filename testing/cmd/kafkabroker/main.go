package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicehq/sluice/testing/faults"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

// options are the parsed command line.
type options struct {
	addr           string
	advertised     string
	topics         map[string]int32
	dataDir        string
	readyFile      string
	sync           bool
	autoCreate     bool
	minSession     time.Duration
	defaultPartits int
}

// run starts the broker, waits for SIGTERM or SIGINT and closes it,
// returning the exit code.
func run(args []string, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		_, _ = fmt.Fprintf(stderr, "kafkabroker: %v\n", err)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	var addr string // the address listened on, whatever is advertised
	cluster, err := kfake.NewCluster(clusterOpts(opts, &addr, stderr)...)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "kafkabroker: starting the broker: %v\n", err)
		return exitRuntime
	}
	if opts.readyFile != "" {
		if err := writeReady(opts.readyFile, addr); err != nil {
			cluster.Close()
			_, _ = fmt.Fprintf(stderr, "kafkabroker: %v\n", err)
			return exitRuntime
		}
	}
	_, _ = fmt.Fprintf(stderr, "kafkabroker: listening on %s, advertising %s\n", addr, cluster.ListenAddrs()[0])
	<-ctx.Done()
	_, _ = fmt.Fprintf(stderr, "kafkabroker: shutting down\n")
	cluster.Close() // saves the state to the data dir, if any
	return exitOK
}

// parseFlags parses and checks the command line.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var (
		opts   options
		topics string
	)
	fs := flag.NewFlagSet("kafkabroker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&opts.addr, "addr", "127.0.0.1:0", "listen address host:port (port 0 picks a free port)")
	fs.StringVar(&opts.advertised, "advertised-addr", "", "address host:port the broker advertises to clients in metadata (empty: the listen address); a proxy in front of the broker listens there")
	fs.StringVar(&topics, "topics", "", "topics to create on a fresh data dir, name:partitions,...")
	fs.StringVar(&opts.dataDir, "data-dir", "", "directory that keeps the broker's state across restarts (empty: memory only)")
	fs.StringVar(&opts.readyFile, "ready-file", "", "file to write the listen address to once listening")
	fs.BoolVar(&opts.sync, "sync", true, "fsync every batch and group log entry written to -data-dir")
	fs.BoolVar(&opts.autoCreate, "auto-create-topics", false, "create topics a client asks metadata for")
	fs.DurationVar(&opts.minSession, "group-min-session-timeout", time.Second, "smallest session timeout a group member may ask for")
	fs.IntVar(&opts.defaultPartits, "default-partitions", 1, "partitions of auto-created topics")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if fs.NArg() > 0 {
		return opts, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var errs []error
	if _, _, err := splitAddr(opts.addr); err != nil {
		errs = append(errs, fmt.Errorf("-addr: %w", err))
	}
	if opts.advertised != "" {
		if _, _, err := splitAddr(opts.advertised); err != nil {
			errs = append(errs, fmt.Errorf("-advertised-addr: %w", err))
		}
	}
	t, err := parseTopics(topics)
	if err != nil {
		errs = append(errs, fmt.Errorf("-topics: %w", err))
	}
	opts.topics = t
	if opts.defaultPartits < 1 {
		errs = append(errs, fmt.Errorf("-default-partitions: %d is below 1", opts.defaultPartits))
	}
	return opts, errors.Join(errs...)
}

// parseTopics parses "name:partitions,...".
func parseTopics(s string) (map[string]int32, error) {
	out := map[string]int32{}
	if s == "" {
		return out, nil
	}
	var errs []error
	for _, item := range strings.Split(s, ",") {
		name, parts, ok := strings.Cut(strings.TrimSpace(item), ":")
		if !ok || name == "" {
			errs = append(errs, fmt.Errorf("%q: want name:partitions", item))
			continue
		}
		n, err := strconv.ParseInt(parts, 10, 32)
		if err != nil || n < 1 {
			errs = append(errs, fmt.Errorf("%q: partitions must be a positive number", item))
			continue
		}
		out[name] = int32(n)
	}
	return out, errors.Join(errs...)
}

// splitAddr splits host:port, with a numeric port.
func splitAddr(addr string) (host string, port int, err error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err = strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port %q", p)
	}
	return host, port, nil
}

// clusterOpts turns the options into kfake's; the listener sets *addr to
// the address it listens on.
func clusterOpts(o options, addr *string, stderr io.Writer) []kfake.Opt {
	host, port, _ := splitAddr(o.addr) // checked in parseFlags
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		// kfake listens on 127.0.0.1; this honours the host of -addr. kfake
		// advertises its listener's address: -advertised-addr replaces it.
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			ln, err := net.Listen(network, net.JoinHostPort(host, p))
			if err != nil {
				return nil, err
			}
			*addr = ln.Addr().String()
			if o.advertised == "" {
				return ln, nil
			}
			return faults.Advertise(ln, o.advertised)
		}),
		kfake.GroupMinSessionTimeout(o.minSession),
		kfake.DefaultNumPartitions(o.defaultPartits),
		kfake.WithLogger(kfake.BasicLogger(stderr, kfake.LogLevelWarn)),
	}
	for name, parts := range o.topics {
		opts = append(opts, kfake.SeedTopics(parts, name))
	}
	if o.dataDir != "" {
		opts = append(opts, kfake.DataDir(o.dataDir))
		if o.sync {
			opts = append(opts, kfake.SyncWrites())
		}
	}
	if o.autoCreate {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	return opts
}

// writeReady writes addr to path atomically, so a reader never sees a
// partial address.
func writeReady(path, addr string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ready-*")
	if err != nil {
		return fmt.Errorf("writing the ready file: %w", err)
	}
	_, werr := tmp.WriteString(addr)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing the ready file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("writing the ready file: %w", err)
	}
	return nil
}
