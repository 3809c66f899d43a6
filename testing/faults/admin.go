package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// MarshalText returns the kind's name, so kinds read well in JSON.
func (k Kind) MarshalText() ([]byte, error) {
	if _, err := ParseKind(k.String()); err != nil {
		return nil, err
	}
	return []byte(k.String()), nil
}

// UnmarshalText parses a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	parsed, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = parsed
	return nil
}

// wireFault is a Fault as the admin API reads and writes it, with the delay
// as a Go duration string ("50ms").
type wireFault struct {
	Kind       Kind     `json:"kind"`
	Rate       float64  `json:"rate"`
	Delay      string   `json:"delay,omitempty"`
	Status     int      `json:"status,omitempty"`
	RetryAfter string   `json:"retry_after,omitempty"`
	Limit      int      `json:"limit,omitempty"`
	Methods    []string `json:"methods,omitempty"`
	PathPrefix string   `json:"path_prefix,omitempty"`
}

func toWire(f Fault) wireFault {
	w := wireFault{Kind: f.Kind, Rate: f.Rate, Status: f.Status, Limit: f.Limit, Methods: f.Methods, PathPrefix: f.PathPrefix}
	if f.Delay != 0 {
		w.Delay = f.Delay.String()
	}
	if f.RetryAfter != 0 {
		w.RetryAfter = f.RetryAfter.String()
	}
	return w
}

func (w wireFault) fault() (Fault, error) {
	f := Fault{Kind: w.Kind, Rate: w.Rate, Status: w.Status, Limit: w.Limit, Methods: w.Methods, PathPrefix: w.PathPrefix}
	var errs []error
	if w.Delay != "" {
		d, err := time.ParseDuration(w.Delay)
		if err != nil {
			errs = append(errs, fmt.Errorf("delay: %w", err))
		}
		f.Delay = d
	}
	if w.RetryAfter != "" {
		d, err := time.ParseDuration(w.RetryAfter)
		if err != nil {
			errs = append(errs, fmt.Errorf("retry_after: %w", err))
		}
		f.RetryAfter = d
	}
	if err := errors.Join(errs...); err != nil {
		return Fault{}, fmt.Errorf("%w: %w", ErrInvalidFault, err)
	}
	return f, nil
}

// maxAdminBody caps the size of a request to the admin API.
const maxAdminBody = 1 << 20

// AdminHandler returns an HTTP API that controls the proxy from another
// process (Client speaks it):
//
//	PUT    /faults  JSON list of faults: replaces the active faults (Set)
//	DELETE /faults  removes every fault (Clear)
//	GET    /stats   the counters as JSON (Stats)
//
// A fault in JSON: {"kind": "status5xx", "rate": 0.5, "delay": "50ms",
// "status": 503, "retry_after": "2s", "limit": 20, "methods": ["PUT"],
// "path_prefix": "/bkt/"}.
func (p *Proxy) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /faults", func(w http.ResponseWriter, r *http.Request) {
		var wire []wireFault
		if err := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody)).Decode(&wire); err != nil {
			http.Error(w, fmt.Sprintf("decoding faults: %v", err), http.StatusBadRequest)
			return
		}
		fs := make([]Fault, 0, len(wire))
		var errs []error
		for i, wf := range wire {
			f, err := wf.fault()
			if err != nil {
				errs = append(errs, fmt.Errorf("faults[%d]: %w", i, err))
			}
			fs = append(fs, f)
		}
		err := errors.Join(errs...)
		if err == nil {
			err = p.Set(fs...)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, _ *http.Request) {
		p.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p.Stats())
	})
	return mux
}
