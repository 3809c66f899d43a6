package faults

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Cut is how a KafkaProxy cuts the connections of the clients a partition
// hits.
type Cut int

// The kinds of cut.
const (
	// CutBlackhole stops forwarding in both directions: the connection stays
	// open and bytes sent on it stay in the proxy, as in a network
	// partition, so the client runs into its request and session timeouts.
	// New connections of the client are accepted and held alike. When the
	// partition heals, what was held is forwarded late, as TCP would
	// retransmit it.
	CutBlackhole Cut = iota + 1
	// CutReset closes the client's connections with a TCP RST, and every
	// new one once it sent its first request, until the partition heals.
	CutReset
)

// String returns the cut's name ("blackhole", "reset").
func (c Cut) String() string {
	switch c {
	case CutBlackhole:
		return "blackhole"
	case CutReset:
		return "reset"
	default:
		return fmt.Sprintf("cut(%d)", int(c))
	}
}

// KafkaStats counts what a KafkaProxy did.
type KafkaStats struct {
	// Connections is the number of client connections accepted.
	Connections int64
	// Blackholed counts the connections a CutBlackhole held.
	Blackholed int64
	// Reset counts the connections a CutReset closed with a RST.
	Reset int64
}

// KafkaProxy is a TCP proxy in front of one Kafka broker node that cuts
// chosen clients off. A broker that advertises the proxy's address (see
// the kafkabroker command's -advertised-addr) makes every connection of its
// clients, the metadata-directed ones too, go through it. It tells clients
// apart by the client id of the first request on each connection (the
// Kafka request header). A TLS connection, whose header is encrypted, is
// passed through untouched and known by the client's address instead
// (host:port, the id a partition's match gets). Its methods are safe for
// concurrent use.
type KafkaProxy struct {
	ln       net.Listener
	handlers sync.WaitGroup

	mu     sync.Mutex
	target string
	closed bool
	cut    Cut
	match  func(clientID string) bool
	heal   chan struct{} // closed when the active partition heals
	conns  map[*kafkaConn]struct{}
	stats  KafkaStats
}

// kafkaConn is one proxied connection.
type kafkaConn struct {
	client   net.Conn
	clientID string
	known    bool // clientID was read
	// held, while not nil, is closed when a blackholed connection may
	// forward again.
	held   chan struct{}
	broker net.Conn
	closed bool // close was called
}

// NewKafkaProxy listens on addr ("127.0.0.1:0" if empty) and forwards every
// connection to the target SetTarget names.
func NewKafkaProxy(addr string) (*KafkaProxy, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	p := &KafkaProxy{ln: ln, conns: map[*kafkaConn]struct{}{}}
	p.handlers.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address the proxy listens on (host:port): the address
// the broker must advertise.
func (p *KafkaProxy) Addr() string { return p.ln.Addr().String() }

// SetTarget sets the broker address new connections are forwarded to.
func (p *KafkaProxy) SetTarget(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = addr
}

// Partition cuts off the clients whose client id match accepts, replacing
// the active partition (which heals first). It applies to their open
// connections at once and to new ones after their first request.
func (p *KafkaProxy) Partition(cut Cut, match func(clientID string) bool) error {
	if cut != CutBlackhole && cut != CutReset {
		return fmt.Errorf("%w: %s", ErrInvalidFault, cut)
	}
	p.Heal()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.match, p.heal = cut, match, make(chan struct{})
	for c := range p.conns {
		if c.known {
			p.apply(c)
		}
	}
	return nil
}

// Heal ends the active partition, if any: blackholed connections forward
// again, new connections are no longer reset.
func (p *KafkaProxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.heal != nil {
		close(p.heal)
	}
	p.cut, p.match, p.heal = 0, nil, nil
	for c := range p.conns {
		c.held = nil
	}
}

// Stats returns a copy of the proxy's counters.
func (p *KafkaProxy) Stats() KafkaStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines. It is idempotent.
func (p *KafkaProxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		c.close(false)
	}
	p.mu.Unlock()
	p.Heal()
	p.handlers.Wait()
	if err != nil {
		return fmt.Errorf("closing the Kafka proxy: %w", err)
	}
	return nil
}

// apply cuts c if the active partition hits it. p.mu is held.
func (p *KafkaProxy) apply(c *kafkaConn) {
	if p.match == nil || !p.match(c.clientID) {
		return
	}
	switch p.cut {
	case CutBlackhole:
		if c.held == nil {
			c.held = p.heal
			p.stats.Blackholed++
		}
	case CutReset:
		p.stats.Reset++
		c.close(true)
	}
}

// close closes both sides of c; rst makes the client's side end with a RST.
// p.mu is held.
func (c *kafkaConn) close(rst bool) {
	c.closed = true
	if tc, ok := c.client.(*net.TCPConn); ok && rst {
		_ = tc.SetLinger(0)
	}
	_ = c.client.Close()
	if c.broker != nil {
		_ = c.broker.Close()
	}
}

func (p *KafkaProxy) accept() {
	defer p.handlers.Done()
	for {
		conn, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			_ = conn.Close()
			return
		}
		c := &kafkaConn{client: conn}
		p.conns[c] = struct{}{}
		p.stats.Connections++
		p.handlers.Add(1)
		p.mu.Unlock()
		go p.handle(c)
	}
}

// handle reads the client id of c's first request, applies the active
// partition to c, then forwards c until either side closes it.
func (p *KafkaProxy) handle(c *kafkaConn) {
	defer p.handlers.Done()
	defer func() {
		p.mu.Lock()
		c.close(false)
		delete(p.conns, c)
		p.mu.Unlock()
	}()
	in := bufio.NewReaderSize(c.client, 64<<10)
	id, err := peekClientID(in)
	if errors.Is(err, errTLS) {
		id, err = c.client.RemoteAddr().String(), nil
	}
	if err != nil {
		return
	}
	p.mu.Lock()
	c.clientID, c.known = id, true
	p.apply(c)
	p.mu.Unlock()
	if !p.wait(c) {
		return
	}
	p.mu.Lock()
	target, reset := p.target, c.closed
	p.mu.Unlock()
	if reset || target == "" {
		return
	}
	broker, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	p.mu.Lock()
	c.broker = broker
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return
	}
	done := make(chan struct{})
	go func() { // owned: ends when either side closes, below
		defer close(done)
		p.pump(c, broker, in)
	}()
	p.pump(c, c.client, broker)
	p.mu.Lock()
	c.close(false)
	p.mu.Unlock()
	<-done
}

// pump copies from src to dst, holding what it read while c is blackholed.
// It returns when either side fails, once c is no longer held.
func (p *KafkaProxy) pump(c *kafkaConn, dst io.Writer, src io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if !p.wait(c) {
			return
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// wait blocks while c is blackholed; it reports false if the proxy closed.
func (p *KafkaProxy) wait(c *kafkaConn) bool {
	for {
		p.mu.Lock()
		held, closed := c.held, p.closed
		p.mu.Unlock()
		if closed {
			return false
		}
		if held == nil {
			return true
		}
		<-held // closed by Heal, which Close calls too
	}
}

// errNoClientID is returned for a first request whose header has no
// client id.
var errNoClientID = errors.New("no client id in the request header")

// errTLS is returned for a connection that starts with a TLS handshake
// record (content type 22, version 3.x) rather than a Kafka request: a
// request of that size (some 370 MB) does not exist.
var errTLS = errors.New("a TLS connection")

// peekClientID returns the client id of the first request in r, leaving it
// unread. A request header is: int32 size, int16 api key, int16 api
// version, int32 correlation id, int16 client id length (-1: null), client
// id (every header version from 1 on, flexible ones too).
func peekClientID(r *bufio.Reader) (string, error) {
	if head, err := r.Peek(2); err == nil && head[0] == 0x16 && head[1] == 0x03 {
		return "", errTLS
	}
	head, err := r.Peek(14)
	if err != nil {
		return "", err
	}
	n := int16(binary.BigEndian.Uint16(head[12:14]))
	if n < 0 {
		return "", nil
	}
	if int(n) > r.Size()-14 || int32(binary.BigEndian.Uint32(head[0:4])) < int32(10+n) {
		return "", errNoClientID
	}
	b, err := r.Peek(14 + int(n))
	if err != nil {
		return "", err
	}
	return string(b[14:]), nil
}

// Advertise returns ln with its Addr replaced by addr (host:port): a Kafka
// broker built on net.Listener (kfake, through its ListenFn option)
// advertises that address to clients in its metadata, so that they connect
// to a KafkaProxy listening there instead of to ln.
func Advertise(ln net.Listener, addr string) (net.Listener, error) {
	a, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("resolving the advertised address %q: %w", addr, err)
	}
	return advertised{Listener: ln, addr: a}, nil
}

// advertised is a listener that reports another address.
type advertised struct {
	net.Listener
	addr net.Addr
}

func (a advertised) Addr() net.Addr { return a.addr }
