package forward

import (
	"context"
	"crypto/tls"
	"fmt"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/grpczstd"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// grpcClient speaks OTLP/gRPC over one connection for all three signals.
type grpcClient struct {
	conn    *grpc.ClientConn
	metrics pmetricotlp.GRPCClient
	logs    plogotlp.GRPCClient
	traces  ptraceotlp.GRPCClient
	md      metadata.MD
	opts    []grpc.CallOption
	// compressor is the grpc-encoding name, "" for none; sizes learns its
	// ratio from what gRPC reports it sent.
	compressor string
	sizes      ratio
}

func newGRPCClient(cfg Config, tlsCfg *tls.Config) (*grpcClient, error) {
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(tlsCfg)
	}
	if cfg.Compression == "zstd" {
		grpczstd.Register() // before the connection: gRPC has only a global registry
	}
	c := &grpcClient{md: metadata.MD{}}
	conn, err := grpc.NewClient(cfg.Endpoint, grpc.WithTransportCredentials(creds), grpc.WithStatsHandler(payloadSizes{&c.sizes}))
	if err != nil {
		return nil, fmt.Errorf("forward: grpc client for %s: %v", config.RedactURL(cfg.Endpoint), config.RedactURL(err.Error()))
	}
	c.conn = conn
	c.metrics = pmetricotlp.NewGRPCClient(conn)
	c.logs = plogotlp.NewGRPCClient(conn)
	c.traces = ptraceotlp.NewGRPCClient(conn)
	for k, v := range cfg.Headers {
		c.md.Set(k, v.Value())
	}
	switch cfg.Compression {
	case "gzip":
		c.compressor = gzip.Name
	case "zstd":
		c.compressor = grpczstd.Name
	}
	if c.compressor != "" {
		c.opts = append(c.opts, grpc.UseCompressor(c.compressor))
	}
	return c, nil
}

func (c *grpcClient) ratio() *ratio { return &c.sizes }

// payloadSizes feeds the compression ratio of each request gRPC sends.
type payloadSizes struct{ r *ratio }

func (p payloadSizes) HandleRPC(_ context.Context, s stats.RPCStats) {
	if out, ok := s.(*stats.OutPayload); ok && out.Client {
		p.r.observe(out.Length, out.CompressedLength)
	}
}

func (payloadSizes) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context   { return ctx }
func (payloadSizes) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (payloadSizes) HandleConn(context.Context, stats.ConnStats)                       {}

func (c *grpcClient) send(ctx context.Context, s signal, b pipeline.Batch) (int64, error) {
	ctx = metadata.NewOutgoingContext(ctx, c.md)
	switch s {
	case sigMetrics:
		resp, err := c.metrics.Export(ctx, pmetricotlp.NewExportRequestFromMetrics(b.Metrics), c.opts...)
		if err != nil {
			return 0, classifyGRPC(err)
		}
		return resp.PartialSuccess().RejectedDataPoints(), nil
	case sigLogs:
		resp, err := c.logs.Export(ctx, plogotlp.NewExportRequestFromLogs(b.Logs), c.opts...)
		if err != nil {
			return 0, classifyGRPC(err)
		}
		return resp.PartialSuccess().RejectedLogRecords(), nil
	default:
		resp, err := c.traces.Export(ctx, ptraceotlp.NewExportRequestFromTraces(b.Traces), c.opts...)
		if err != nil {
			return 0, classifyGRPC(err)
		}
		return resp.PartialSuccess().RejectedSpans(), nil
	}
}

func (c *grpcClient) close() error { return c.conn.Close() }
