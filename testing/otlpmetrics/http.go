package otlpmetrics

import (
	"compress/gzip"
	"fmt"
	"io"
	"mime"
	"net/http"

	colmetricspb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

const (
	contentProtobuf = "application/x-protobuf"
	contentJSON     = "application/json"
)

// serveHTTP receives one OTLP/HTTP export (POST /v1/metrics): binary
// protobuf or JSON, optionally gzip-compressed. It answers in the request's
// encoding, as the OTLP specification asks.
//
// JSON is decoded with protojson, which reads everything in a metrics
// request except exemplars' trace and span ids (OTLP/JSON writes them in
// hex, protojson expects base64).
func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	ctype, _, err := mime.ParseMediaType(req.Header.Get("Content-Type"))
	if err != nil || (ctype != contentProtobuf && ctype != contentJSON) {
		http.Error(w, fmt.Sprintf("unsupported content type %q", req.Header.Get("Content-Type")), http.StatusUnsupportedMediaType)
		return
	}
	body := io.Reader(http.MaxBytesReader(w, req.Body, MaxRequestBytes))
	switch enc := req.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			http.Error(w, fmt.Sprintf("reading gzip: %v", err), http.StatusBadRequest)
			return
		}
		defer func() { _ = zr.Close() }()
		body = io.LimitReader(zr, MaxRequestBytes+1)
	default:
		http.Error(w, fmt.Sprintf("unsupported content encoding %q", enc), http.StatusUnsupportedMediaType)
		return
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, fmt.Sprintf("reading the request: %v", err), http.StatusBadRequest)
		return
	}
	if len(data) > MaxRequestBytes {
		http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
		return
	}
	msg := &colmetricspb.ExportMetricsServiceRequest{}
	if ctype == contentJSON {
		err = protojson.Unmarshal(data, msg)
	} else {
		err = proto.Unmarshal(data, msg)
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("decoding the request: %v", err), http.StatusBadRequest)
		return
	}
	r.keep(msg)

	resp := &colmetricspb.ExportMetricsServiceResponse{}
	var out []byte
	if ctype == contentJSON {
		out, err = protojson.Marshal(resp)
	} else {
		out, err = proto.Marshal(resp)
	}
	if err != nil {
		http.Error(w, fmt.Sprintf("encoding the response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(out)
}
