package otlpserver

import (
	"context"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // registers the gzip decompressor senders use
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

func (s *Server) newGRPCServer() *grpc.Server {
	c := s.cfg.GRPC
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(c.MaxRecvMsgSizeBytes),
		grpc.MaxConcurrentStreams(uint32(c.MaxConcurrentStreams)),
		grpc.StatsHandler(grpcStats{m: s.m}),
		grpc.InTapHandle(s.grpcTap),
		grpc.ChainUnaryInterceptor(s.recoverUnary),
		grpc.ForceServerCodecV2(newWireCodec()),
	}
	if s.grpcTLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(s.grpcTLS)))
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(s.serviceDesc("opentelemetry.proto.collector.metrics.v1.MetricsService",
		"opentelemetry/proto/collector/metrics/v1/metrics_service.proto", &metricsCodec), nil)
	srv.RegisterService(s.serviceDesc("opentelemetry.proto.collector.logs.v1.LogsService",
		"opentelemetry/proto/collector/logs/v1/logs_service.proto", &logsCodec), nil)
	srv.RegisterService(s.serviceDesc("opentelemetry.proto.collector.trace.v1.TraceService",
		"opentelemetry/proto/collector/trace/v1/trace_service.proto", &tracesCodec), nil)
	return srv
}

// grpcError is the status a service returns for err.
func grpcError(err error) error {
	return grpcStatus(err, classify(err)).Err()
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
