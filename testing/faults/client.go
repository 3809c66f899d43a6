package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// ErrAdmin is returned by Client when the admin API refuses a request.
var ErrAdmin = errors.New("fault proxy refused the request")

// Client controls a proxy in another process (the s3faultproxy command)
// through its AdminHandler API. Safe for concurrent use.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client for the admin API at adminURL
// ("http://127.0.0.1:PORT"). A nil httpClient means http.DefaultClient.
func NewClient(adminURL string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	return &Client{base: strings.TrimSuffix(adminURL, "/"), http: httpClient}
}

// Set replaces the proxy's active faults, as Proxy.Set does.
func (c *Client) Set(ctx context.Context, faults ...Fault) error {
	wire := make([]wireFault, len(faults))
	for i, f := range faults {
		wire[i] = toWire(f)
	}
	body, err := json.Marshal(wire)
	if err != nil {
		return fmt.Errorf("setting faults: %w", err)
	}
	if err := c.do(ctx, http.MethodPut, "/faults", body, nil); err != nil {
		return fmt.Errorf("setting faults: %w", err)
	}
	return nil
}

// Clear removes every fault, as Proxy.Clear does.
func (c *Client) Clear(ctx context.Context) error {
	if err := c.do(ctx, http.MethodDelete, "/faults", nil, nil); err != nil {
		return fmt.Errorf("clearing faults: %w", err)
	}
	return nil
}

// Stats returns the proxy's counters, as Proxy.Stats does.
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	if err := c.do(ctx, http.MethodGet, "/stats", nil, &s); err != nil {
		return Stats{}, fmt.Errorf("reading fault stats: %w", err)
	}
	if s.Injected == nil {
		s.Injected = map[Kind]int64{}
	}
	return s, nil
}

// do sends one request and decodes a JSON answer into out, if not nil.
func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode >= 300 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%w: %s: %s", ErrAdmin, resp.Status, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
