package faults

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// serve handles one request: it injects the fault that hits it, if any,
// else forwards it.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	if p.stop {
		p.mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	// Hijacked connections outlive what http.Server tracks, so Close waits
	// for every handler itself.
	p.handlers.Add(1)
	p.mu.Unlock()
	defer p.handlers.Done()

	f, hit := p.pick(r)
	if !hit {
		p.countForward()
		p.forward.ServeHTTP(w, r)
		return
	}
	p.log.Debug("injecting a fault", "kind", f.Kind, "method", r.Method, "path", r.URL.Path)
	switch f.Kind {
	case Status5xx:
		p.status(w, r, f.Status)
	case Throttle:
		retry := f.RetryAfter
		if retry == 0 {
			retry = time.Second
		}
		w.Header().Set("Retry-After", strconv.FormatInt(int64((retry+time.Second-1)/time.Second), 10))
		w.Header().Set("X-Amz-Retry-After", strconv.FormatInt(retry.Milliseconds(), 10))
		p.status(w, r, http.StatusServiceUnavailable)
	case Delay:
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-p.done:
			return
		}
		p.countForward()
		p.forward.ServeHTTP(w, r)
	case Reset:
		// Read part of the body, so the client is cut off mid-request.
		_, _ = io.CopyN(io.Discard, r.Body, max(r.ContentLength/2, 0))
		p.reset(w)
	case ResetResponse:
		p.countForward()
		p.forward.ServeHTTP(&discardWriter{header: http.Header{}}, r)
		p.reset(w)
	case Blackhole:
		p.blackhole(w, r)
	case Truncate:
		p.countForward()
		p.truncate(w, r)
	}
}

// status answers with an S3 error: 503 Slow Down unless code says
// otherwise.
func (p *Proxy) status(w http.ResponseWriter, r *http.Request, code int) {
	if code == 0 {
		code = http.StatusServiceUnavailable
	}
	s3code := "InternalError"
	if code == http.StatusServiceUnavailable {
		s3code = "SlowDown"
	}
	_, _ = io.Copy(io.Discard, r.Body) // keep the connection usable
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(code)
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
		`<Error><Code>%s</Code><Message>injected by the fault proxy</Message><Resource>%s</Resource></Error>`,
		s3code, r.URL.Path)
}

// reset hijacks the client's connection and closes it with a TCP RST.
func (p *Proxy) reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.log.Warn("hijacking a connection to reset it", "error", err)
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // close sends RST instead of FIN
	}
	_ = conn.Close()
}

// blackhole takes the connection over and holds it without answering until
// the client closes it or the proxy closes.
func (p *Proxy) blackhole(w http.ResponseWriter, r *http.Request) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.log.Warn("hijacking a connection to blackhole it", "error", err)
		return
	}
	_ = r // the unread body is drained with the connection below
	gone := make(chan struct{})
	go func() { // owned: ends when conn is closed, below
		defer close(gone)
		_, _ = io.Copy(io.Discard, buf)
	}()
	select {
	case <-gone: // the client hung up
	case <-p.done:
	}
	_ = conn.Close()
	<-gone
}

// truncate forwards r, then writes the response's head and the first half
// of its body to the raw connection and resets it.
func (p *Proxy) truncate(w http.ResponseWriter, r *http.Request) {
	rec := &headWriter{header: http.Header{}, status: http.StatusOK}
	p.forward.ServeHTTP(rec, r)
	size, err := strconv.ParseInt(rec.header.Get("Content-Length"), 10, 64)
	if err != nil || size < 2 {
		p.reset(w)
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		p.log.Warn("hijacking a connection to truncate a response", "error", err)
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	_, _ = fmt.Fprintf(buf, "HTTP/1.1 %03d %s\r\n", rec.status, http.StatusText(rec.status))
	_ = rec.header.Write(buf)
	_, _ = buf.WriteString("\r\n")
	_, _ = buf.Write(rec.body.Bytes())
	_ = buf.Flush()
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// headWriter is a ResponseWriter that keeps the status, the headers and
// the first half of the body (by the Content-Length header) of a response,
// at most maxTruncated bytes, and discards the rest.
type headWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
	keep   int64
	wrote  bool
}

// maxTruncated caps the body bytes a Truncate fault sends (and holds).
const maxTruncated = 1 << 20

func (h *headWriter) Header() http.Header { return h.header }

func (h *headWriter) WriteHeader(status int) {
	if h.wrote {
		return
	}
	h.wrote, h.status = true, status
	if n, err := strconv.ParseInt(h.header.Get("Content-Length"), 10, 64); err == nil {
		h.keep = min(n/2, maxTruncated)
	}
}

func (h *headWriter) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	if room := h.keep - int64(h.body.Len()); room > 0 {
		h.body.Write(b[:min(int64(len(b)), room)])
	}
	return len(b), nil
}

// discardWriter is a ResponseWriter that throws the response away.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}
