package otlpserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/dbintel/dbintel/internal/nesting"
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
	code := http.StatusInternalServerError
	defer func() {
		// A panic outside the pipeline (consume recovers its own): answer 500
		// rather than letting net/http drop the connection.
		if v := recover(); v != nil {
			err := h.s.panicked(transportHTTP, h.codec.name, v)
			writeHTTPError(w, encJSON, err, classify(err))
		}
		h.s.m.requests.WithLabelValues(transportHTTP, h.codec.name, strconv.Itoa(code)).Inc()
	}()
	code = h.serve(w, r)
}

// serve answers the request and returns the HTTP status it sent. Requests
// refused before decoding add nothing to the item counters: their item count
// is unknown, so it is taken as 0; requests_total still records them.
//
// Memory: the memory limiter is asked before anything is read, and the body
// takes its bytes from the shared in-flight budget as it is read and
// decompressed, holding them until the answer. The max_concurrent_requests
// slot is taken only once the body is in, so slow senders, which hold only
// the bytes they sent, cannot keep the slots from fast ones.
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
	if err := h.s.admit(); err != nil {
		return fail(h.s.refuseEarly(transportHTTP, err))
	}
	l := h.s.budget.newLease()
	defer l.release()
	var depth *nesting.Scanner
	if enc == encJSON {
		depth = &nesting.Scanner{Max: h.s.cfg.HTTP.MaxJSONDepth}
	}
	body, err := h.s.readBody(w, r, l, depth)
	if err != nil {
		if errors.Is(err, pipeline.ErrRefused) || errors.Is(err, errSlowBody) {
			h.s.refuseEarly(transportHTTP, err)
		}
		return fail(err)
	}
	select {
	case h.s.httpSlots <- struct{}{}:
		defer func() { <-h.s.httpSlots }()
	default:
		putBuffer(body)
		return fail(h.s.refuseEarly(transportHTTP, pipeline.Refused(reasonBusy, time.Second)))
	}
	// The body's decoded size, estimated from its bytes, joins its buffer in
	// the budget before decoding: a small body of empty messages decodes
	// into 85-200 times its size.
	est, err := h.estimate(body, enc)
	if err == nil {
		err = l.chargeDecoded(est)
	}
	if err != nil {
		putBuffer(body)
		if errors.Is(err, pipeline.ErrRefused) {
			h.s.refuseEarly(transportHTTP, err)
		}
		return fail(err)
	}
	batch, err := h.codec.decode(body, enc)
	putBuffer(body)
	_ = l.resize(est) // the buffer is back in its pool
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

// estimate is what body will decode into.
func (h *httpSignal) estimate(body []byte, enc bodyEncoding) (int64, error) {
	if enc == encJSON {
		return jsonDecodedCost(body), nil
	}
	est, err := decodedCost(h.codec.root, body)
	if err != nil {
		return 0, pipeline.Permanent(fmt.Errorf("decode %s request: %w", h.codec.name, err))
	}
	return est, nil
}
