package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/sluicehq/sluice/testing/cmd/internal/ready"
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
	// tls is the listener's TLS configuration, nil for plaintext.
	tls *tls.Config
	// users are the SASL superusers; SASL is on when there is one.
	users []saslUser
}

// saslUser is one -sasl-user.
type saslUser struct{ mechanism, user, pass string }

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
		if err := ready.Write(opts.readyFile, []byte(addr)); err != nil {
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
		opts                      options
		topics                    string
		certFile, keyFile, caFile string
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
	fs.StringVar(&certFile, "tls-cert", "", "PEM certificate of the listener: serve TLS (needs -tls-key)")
	fs.StringVar(&keyFile, "tls-key", "", "PEM private key of -tls-cert")
	fs.StringVar(&caFile, "tls-client-ca", "", "PEM CA file: require client certificates it signed (mutual TLS; needs -tls-cert)")
	var userErrs []error
	fs.Func("sasl-user", "MECHANISM:USER:PASSWORD, a SASL superuser (repeatable; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512): turns SASL on",
		func(v string) error {
			u, err := parseUser(v)
			if err != nil {
				userErrs = append(userErrs, fmt.Errorf("-sasl-user: %w", err))
				return nil
			}
			opts.users = append(opts.users, u)
			return nil
		})
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
	errs = append(errs, userErrs...)
	tc, err := serverTLS(certFile, keyFile, caFile)
	errs = append(errs, err)
	opts.tls = tc
	return opts, errors.Join(errs...)
}

// parseUser parses "MECHANISM:USER:PASSWORD" (the password may hold ':').
func parseUser(v string) (saslUser, error) {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return saslUser{}, fmt.Errorf("%q: want MECHANISM:USER:PASSWORD", v)
	}
	switch parts[0] {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	default:
		return saslUser{}, fmt.Errorf("%q: unknown mechanism %q (want PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", v, parts[0])
	}
	return saslUser{mechanism: parts[0], user: parts[1], pass: parts[2]}, nil
}

// serverTLS loads the listener's TLS configuration; nil without -tls-cert.
func serverTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "" && caFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("-tls-cert and -tls-key go together (-tls-client-ca needs them too)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert, -tls-key: %w", err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("-tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("-tls-client-ca: %s holds no PEM certificate", caFile)
		}
		tc.ClientAuth, tc.ClientCAs = tls.RequireAndVerifyClientCert, pool
	}
	return tc, nil
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
	if o.tls != nil {
		opts = append(opts, kfake.TLS(o.tls))
	}
	if len(o.users) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, u := range o.users {
			opts = append(opts, kfake.Superuser(u.mechanism, u.user, u.pass))
		}
	}
	return opts
}
