package fakebackend

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/dbintel/dbintel/internal/grpczstd"
)

// maxBody bounds what the fake reads; far above any real OTLP request.
const maxBody = 64 << 20

func newGRPCServer(b *Backend) *grpc.Server {
	grpczstd.Register() // New Relic takes zstd over gRPC; the gateway forwards with it by default
	opts := []grpc.ServerOption{grpc.MaxRecvMsgSize(maxBody), grpc.StatsHandler(wireSize{})}
	if b.tls != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(b.tls)))
	}
	s := grpc.NewServer(opts...)
	pmetricotlp.RegisterGRPCServer(s, &metricsServer{b: b})
	plogotlp.RegisterGRPCServer(s, &logsServer{b: b})
	ptraceotlp.RegisterGRPCServer(s, &tracesServer{b: b})
	return s
}

// wireSize passes the compressed size of each request message to its
// handler, which only sees the decoded message.
type wireSize struct{}

type wireSizeKey struct{}

func (wireSize) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, wireSizeKey{}, new(atomic.Int64))
}

func (wireSize) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if p, ok := s.(*stats.InPayload); ok {
		if n, ok := ctx.Value(wireSizeKey{}).(*atomic.Int64); ok {
			n.Store(int64(p.WireLength))
		}
	}
}

func (wireSize) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (wireSize) HandleConn(context.Context, stats.ConnStats)                       {}

func grpcRequest(ctx context.Context, signal string, items int) Request {
	r := Request{Signal: signal, Transport: "grpc", Items: items, At: time.Now(), Headers: map[string]string{}}
	if n, ok := ctx.Value(wireSizeKey{}).(*atomic.Int64); ok {
		r.Bytes = int(n.Load())
	}
	md, _ := metadata.FromIncomingContext(ctx)
	for k, v := range md {
		if len(v) > 0 {
			r.Headers[k] = v[0]
		}
	}
	return r
}

type metricsServer struct {
	pmetricotlp.UnimplementedGRPCServer
	b *Backend
}

func (s *metricsServer) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	md := pmetric.NewMetrics()
	req.Metrics().CopyTo(md)
	resp := s.b.answer(ctx, grpcRequest(ctx, "metrics", md.DataPointCount()), func() { s.b.metrics = append(s.b.metrics, md) })
	out := pmetricotlp.NewExportResponse()
	out.PartialSuccess().SetRejectedDataPoints(resp.Rejected)
	return out, resp.GRPCStatus().Err()
}

type logsServer struct {
	plogotlp.UnimplementedGRPCServer
	b *Backend
}

func (s *logsServer) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	ld := plog.NewLogs()
	req.Logs().CopyTo(ld)
	resp := s.b.answer(ctx, grpcRequest(ctx, "logs", ld.LogRecordCount()), func() { s.b.logs = append(s.b.logs, ld) })
	out := plogotlp.NewExportResponse()
	out.PartialSuccess().SetRejectedLogRecords(resp.Rejected)
	return out, resp.GRPCStatus().Err()
}

type tracesServer struct {
	ptraceotlp.UnimplementedGRPCServer
	b *Backend
}

func (s *tracesServer) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	td := ptrace.NewTraces()
	req.Traces().CopyTo(td)
	resp := s.b.answer(ctx, grpcRequest(ctx, "traces", td.SpanCount()), func() { s.b.traces = append(s.b.traces, td) })
	out := ptraceotlp.NewExportResponse()
	out.PartialSuccess().SetRejectedSpans(resp.Rejected)
	return out, resp.GRPCStatus().Err()
}

// httpHandler serves /v1/{metrics,logs,traces} with protobuf or JSON
// bodies, gzip or zstd encoded.
func (b *Backend) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/{signal}", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		raw, err := decode(r.Header.Get("Content-Encoding"), body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := Request{Signal: r.PathValue("signal"), Transport: "http", Bytes: len(body), At: time.Now(), Headers: map[string]string{}}
		for k, v := range r.Header {
			req.Headers[strings.ToLower(k)] = v[0]
		}
		isJSON := strings.Contains(r.Header.Get("Content-Type"), "json")
		keep, rejected, ok := b.parseHTTP(req.Signal, raw, isJSON, &req.Items)
		if !ok {
			http.Error(w, "undecodable "+req.Signal, http.StatusBadRequest)
			return
		}
		resp := b.answer(r.Context(), req, keep)
		if !resp.Success() {
			code, h := resp.HTTP()
			for k, v := range h {
				w.Header()[k] = v
			}
			http.Error(w, "fakebackend: scripted answer", code)
			return
		}
		out, _ := rejected(resp.Rejected).MarshalProto()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	})
	return mux
}

type protoMarshaler interface{ MarshalProto() ([]byte, error) }

// parseHTTP decodes one request body; keep stores it, rejected builds the
// answer carrying partial success.
func (b *Backend) parseHTTP(signal string, raw []byte, isJSON bool, items *int) (keep func(), rejected func(int64) protoMarshaler, ok bool) {
	unmarshal := func(u interface {
		UnmarshalProto([]byte) error
		UnmarshalJSON([]byte) error
	}) bool {
		if isJSON {
			return u.UnmarshalJSON(raw) == nil
		}
		return u.UnmarshalProto(raw) == nil
	}
	switch signal {
	case "metrics":
		req := pmetricotlp.NewExportRequest()
		if !unmarshal(req) {
			return nil, nil, false
		}
		*items = req.Metrics().DataPointCount()
		return func() { b.metrics = append(b.metrics, req.Metrics()) }, func(n int64) protoMarshaler {
			out := pmetricotlp.NewExportResponse()
			out.PartialSuccess().SetRejectedDataPoints(n)
			return out
		}, true
	case "logs":
		req := plogotlp.NewExportRequest()
		if !unmarshal(req) {
			return nil, nil, false
		}
		*items = req.Logs().LogRecordCount()
		return func() { b.logs = append(b.logs, req.Logs()) }, func(n int64) protoMarshaler {
			out := plogotlp.NewExportResponse()
			out.PartialSuccess().SetRejectedLogRecords(n)
			return out
		}, true
	case "traces":
		req := ptraceotlp.NewExportRequest()
		if !unmarshal(req) {
			return nil, nil, false
		}
		*items = req.Traces().SpanCount()
		return func() { b.traces = append(b.traces, req.Traces()) }, func(n int64) protoMarshaler {
			out := ptraceotlp.NewExportResponse()
			out.PartialSuccess().SetRejectedSpans(n)
			return out
		}, true
	}
	return nil, nil, false
}

func decode(encoding string, body []byte) ([]byte, error) {
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(io.LimitReader(zr, maxBody))
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		return io.ReadAll(io.LimitReader(zr, maxBody))
	}
	return body, nil
}
