package otlpserver

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func (s *Server) newHTTPHandler() http.Handler {
	mux := http.NewServeMux()
	for _, c := range []*signalCodec{&metricsCodec, &logsCodec, &tracesCodec} {
		mux.Handle("/v1/"+c.name, &httpSignal{s: s, codec: c})
	}
	return mux
}

// httpSignal serves one of /v1/metrics, /v1/logs, /v1/traces.
type httpSignal struct {
	s     *Server
	codec *signalCodec
}

func (h *httpSignal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	code := h.serve(w, r)
	h.s.m.requests.WithLabelValues(transportHTTP, h.codec.name, strconv.Itoa(code)).Inc()
}

// serve answers the request and returns the HTTP status it sent. Requests
// refused before decoding add nothing to the item counters: their item count
// is unknown, so it is taken as 0; requests_total still records them.
func (h *httpSignal) serve(w http.ResponseWriter, r *http.Request) int {
	enc, known := parseContentType(r.Header.Get("Content-Type"))
	fail := func(err error) int {
		a := classify(err)
		writeHTTPError(w, enc, err, a)
		return a.httpStatus
	}
	if r.Method != http.MethodPost {
		return fail(errMethodNotAllowed)
	}
	if h.s.auth != nil && !h.s.auth.allow(r.Header.Values("Authorization"), r.Header.Values("Api-Key")) {
		return fail(errUnauthenticated)
	}
	if !known {
		return fail(fmt.Errorf("%w: content type %q (want %s or %s)", errUnsupportedMedia, r.Header.Get("Content-Type"), contentTypeProto, contentTypeJSON))
	}
	select {
	case h.s.httpSlots <- struct{}{}:
		defer func() { <-h.s.httpSlots }()
	default:
		return fail(pipeline.Refused("busy", time.Second))
	}
	body, err := h.s.readBody(w, r)
	if err != nil {
		return fail(err)
	}
	batch, err := h.codec.decode(*body, enc)
	releaseBuffer(body)
	if err != nil {
		return fail(pipeline.Permanent(fmt.Errorf("decode %s request: %w", h.codec.name, err)))
	}
	if err := h.s.consume(r.Context(), transportHTTP, h.codec.name, batch); err != nil {
		return fail(err)
	}
	resp, err := h.codec.response(enc)
	if err != nil {
		// The data is accepted; an empty body still means full success.
		resp = nil
	}
	w.Header().Set("Content-Type", enc.contentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(resp)
	return http.StatusOK
}
