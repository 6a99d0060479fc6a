package otlpserver

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/dbintel/dbintel/internal/grpczstd"
	"github.com/dbintel/dbintel/internal/nesting"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// bodyEncoding is the OTLP/HTTP payload encoding; answers use the request's.
type bodyEncoding int

const (
	encProto bodyEncoding = iota
	encJSON
)

const (
	contentTypeProto = "application/x-protobuf"
	contentTypeJSON  = "application/json"
)

// parseContentType returns the request's encoding; ok is false for anything
// OTLP/HTTP does not define. Errors are then answered in JSON, the readable
// choice when the sender's encoding is unknown.
func parseContentType(v string) (enc bodyEncoding, ok bool) {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return encJSON, false
	}
	switch mt {
	case contentTypeProto:
		return encProto, true
	case contentTypeJSON:
		return encJSON, true
	}
	return encJSON, false
}

func (e bodyEncoding) contentType() string {
	if e == encProto {
		return contentTypeProto
	}
	return contentTypeJSON
}

func (e bodyEncoding) marshalStatus(st *spb.Status) ([]byte, error) {
	if e == encProto {
		return proto.Marshal(st)
	}
	return protojson.Marshal(st)
}

// signalCodec decodes one signal's export request and encodes its (empty,
// full-success) response.
type signalCodec struct {
	name     string
	root     wireType // of the export request, to estimate its decoded size
	decode   func(data []byte, enc bodyEncoding) (pipeline.Batch, error)
	response func(enc bodyEncoding) ([]byte, error)
}

type otlpMessage interface {
	UnmarshalProto([]byte) error
	UnmarshalJSON([]byte) error
	MarshalProto() ([]byte, error)
	MarshalJSON() ([]byte, error)
}

func unmarshal(m otlpMessage, data []byte, enc bodyEncoding) error {
	if enc == encJSON {
		return m.UnmarshalJSON(data)
	}
	return m.UnmarshalProto(data)
}

func marshal(m otlpMessage, enc bodyEncoding) ([]byte, error) {
	if enc == encJSON {
		return m.MarshalJSON()
	}
	return m.MarshalProto()
}

var (
	metricsCodec = signalCodec{
		name: signalMetrics,
		root: wireMetricsRequest,
		decode: func(data []byte, enc bodyEncoding) (pipeline.Batch, error) {
			req := pmetricotlp.NewExportRequest()
			err := unmarshal(req, data, enc)
			return pipeline.FromMetrics(req.Metrics()), err
		},
		response: func(enc bodyEncoding) ([]byte, error) { return marshal(pmetricotlp.NewExportResponse(), enc) },
	}
	logsCodec = signalCodec{
		name: signalLogs,
		root: wireLogsRequest,
		decode: func(data []byte, enc bodyEncoding) (pipeline.Batch, error) {
			req := plogotlp.NewExportRequest()
			err := unmarshal(req, data, enc)
			return pipeline.FromLogs(req.Logs()), err
		},
		response: func(enc bodyEncoding) ([]byte, error) { return marshal(plogotlp.NewExportResponse(), enc) },
	}
	tracesCodec = signalCodec{
		name: signalTraces,
		root: wireTracesRequest,
		decode: func(data []byte, enc bodyEncoding) (pipeline.Batch, error) {
			req := ptraceotlp.NewExportRequest()
			err := unmarshal(req, data, enc)
			return pipeline.FromTraces(req.Traces()), err
		},
		response: func(enc bodyEncoding) ([]byte, error) { return marshal(ptraceotlp.NewExportResponse(), enc) },
	}
)

var gzipReaders sync.Pool

// errRecorder remembers the last error of the raw body, to tell a body that
// was too large or broke off from a compressed stream that is corrupt.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// readBody returns the decompressed request body in a pooled buffer (give it
// back with putBuffer). The raw body is capped at max_request_bytes and
// the decompressed one at max_decompressed_bytes; at most limit+1 bytes are
// ever decompressed, so a zip bomb costs no more memory than the limit. The
// buffer's capacity is held in l before it is allocated: when the in-flight
// budget cannot cover it, reading stops with a retryable refusal.
//
// With depth set (JSON bodies), the nesting is checked as bytes arrive, so
// a deeply nested body is refused after its first few kilobytes.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request, l *lease, depth *nesting.Scanner) ([]byte, error) {
	maxRaw, maxOut := s.cfg.HTTP.MaxRequestBytes, s.cfg.HTTP.MaxDecompressedBytes
	if r.ContentLength > maxRaw {
		return nil, fmt.Errorf("%w: body of %d bytes exceeds http.max_request_bytes (%d)", errTooLarge, r.ContentLength, maxRaw)
	}
	// On failure the pacing deadline stays: net/http then reads what is
	// left of the body (to reuse the connection) under it, not for ever.
	paced := s.pace(w, http.MaxBytesReader(w, r.Body, maxRaw))
	raw := &errRecorder{r: paced}
	var src io.Reader = raw
	coding := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding")))
	switch coding {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(raw)
		} else {
			err = zr.Reset(raw)
		}
		if err != nil {
			return nil, bodyError(raw, "gzip", err, maxRaw)
		}
		defer gzipReaders.Put(zr)
		src = zr
	case "zstd":
		zr, err := grpczstd.NewReader(raw)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		src = zr
	default:
		return nil, fmt.Errorf("%w: content encoding %q (want gzip, zstd or identity)", errUnsupportedMedia, coding)
	}

	// Every body starts in the smallest buffer and grows as bytes arrive,
	// whatever its Content-Length says, so a sender that announces much and
	// sends little holds little.
	if err := l.resize(minBufferGrow); err != nil {
		return nil, err
	}
	buf, err := readLimited(src, getBuffer(minBufferGrow), maxOut, l, depth)
	if err != nil {
		putBuffer(buf)
		if errors.Is(err, errBudget) || errors.Is(err, errSlowBody) {
			return nil, err
		}
		if errors.Is(err, errTooDeep) {
			return nil, pipeline.Permanent(fmt.Errorf("%w (%d)", err, depth.Max))
		}
		if errors.Is(err, errTooLarge) {
			return nil, fmt.Errorf("%w: decompressed body exceeds http.max_decompressed_bytes (%d)", errTooLarge, maxOut)
		}
		return nil, bodyError(raw, coding, err, maxRaw)
	}
	paced.finish()
	return buf, nil
}

// bodyError says whether the raw body or its decompression failed.
func bodyError(raw *errRecorder, coding string, err error, maxRaw int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(raw.err, &tooBig) || errors.As(err, &tooBig) {
		return fmt.Errorf("%w: body exceeds http.max_request_bytes (%d)", errTooLarge, maxRaw)
	}
	if errors.Is(raw.err, errSlowBody) {
		return raw.err
	}
	if raw.err != nil {
		return pipeline.Permanent(fmt.Errorf("read body: %w", raw.err))
	}
	return pipeline.Permanent(fmt.Errorf("%s body is corrupt or truncated: %w", coding, err))
}

// readLimited appends all of r to buf, failing with errTooLarge as soon as it
// holds more than limit bytes. Capacity grows by doubling but never past
// limit+1, so refusing costs about twice the limit in allocations. Each new
// capacity is taken from l before it is allocated (the buffer it replaces
// goes back to its pool). depth, when not nil, sees every byte read.
func readLimited(r io.Reader, buf []byte, limit int64, l *lease, depth *nesting.Scanner) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			n := max(2*int64(cap(buf)), minBufferGrow)
			var grown []byte
			if n >= limit {
				n = limit + 1 // room to notice one byte too many, never more
				if n <= int64(len(buf)) {
					return buf, errTooLarge
				}
				if err := l.resize(n); err != nil {
					return buf, err
				}
				grown = make([]byte, len(buf), n)
			} else {
				if err := l.resize(bufferSize(n)); err != nil {
					return buf, err
				}
				grown = getBuffer(n)[:len(buf)]
			}
			copy(grown, buf)
			putBuffer(buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		if depth != nil && !depth.Feed(buf[len(buf):len(buf)+n]) {
			return buf, errTooDeep
		}
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
