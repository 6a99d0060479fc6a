package otlpserver

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip decompressor senders use
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

func (s *Server) newGRPCServer() *grpc.Server {
	c := s.cfg.GRPC
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(c.MaxRecvMsgSizeBytes),
		grpc.MaxConcurrentStreams(uint32(c.MaxConcurrentStreams)),
		grpc.StatsHandler(grpcStats{m: s.m}),
		grpc.InTapHandle(s.grpcTap),
		grpc.ChainUnaryInterceptor(s.recoverUnary),
	}
	if s.grpcTLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.grpcTLS)))
	}
	srv := grpc.NewServer(opts...)
	pmetricotlp.RegisterGRPCServer(srv, &metricsService{s: s})
	plogotlp.RegisterGRPCServer(srv, &logsService{s: s})
	ptraceotlp.RegisterGRPCServer(srv, &tracesService{s: s})
	return srv
}

// grpcError is the status a service returns for err.
func grpcError(err error) error {
	return grpcStatus(err, classify(err)).Err()
}

type metricsService struct {
	pmetricotlp.UnimplementedGRPCServer
	s *Server
}

func (m *metricsService) Export(ctx context.Context, req pmetricotlp.ExportRequest) (pmetricotlp.ExportResponse, error) {
	if err := m.s.consume(ctx, transportGRPC, signalMetrics, pipeline.FromMetrics(req.Metrics())); err != nil {
		return pmetricotlp.ExportResponse{}, grpcError(err)
	}
	return pmetricotlp.NewExportResponse(), nil
}

type logsService struct {
	plogotlp.UnimplementedGRPCServer
	s *Server
}

func (l *logsService) Export(ctx context.Context, req plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	if err := l.s.consume(ctx, transportGRPC, signalLogs, pipeline.FromLogs(req.Logs())); err != nil {
		return plogotlp.ExportResponse{}, grpcError(err)
	}
	return plogotlp.NewExportResponse(), nil
}

type tracesService struct {
	ptraceotlp.UnimplementedGRPCServer
	s *Server
}

func (t *tracesService) Export(ctx context.Context, req ptraceotlp.ExportRequest) (ptraceotlp.ExportResponse, error) {
	if err := t.s.consume(ctx, transportGRPC, signalTraces, pipeline.FromTraces(req.Traces())); err != nil {
		return ptraceotlp.ExportResponse{}, grpcError(err)
	}
	return ptraceotlp.NewExportResponse(), nil
}

func signalOfMethod(fullMethod string) string {
	switch fullMethod {
	case "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export":
		return signalMetrics
	case "/opentelemetry.proto.collector.logs.v1.LogsService/Export":
		return signalLogs
	case "/opentelemetry.proto.collector.trace.v1.TraceService/Export":
		return signalTraces
	}
	return signalUnknown
}

// grpcStats counts every finished RPC by code, including those gRPC answers
// itself before our handler runs (over-size message, bad compression).
type grpcStats struct{ m *metrics }

type signalCtxKey struct{}

func (g grpcStats) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, signalCtxKey{}, signalOfMethod(info.FullMethodName))
}

func (g grpcStats) HandleRPC(ctx context.Context, st stats.RPCStats) {
	switch st := st.(type) {
	case *stats.InPayload:
		if c := callFrom(ctx); c != nil {
			c.received(st.Length)
		}
	case *stats.End:
		if c := callFrom(ctx); c != nil {
			c.done()
		}
		sig, _ := ctx.Value(signalCtxKey{}).(string)
		g.m.requests.WithLabelValues(transportGRPC, sig, status.Code(st.Error).String()).Inc()
	}
}

func (grpcStats) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (grpcStats) HandleConn(context.Context, stats.ConnStats) {}
