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
}

func newGRPCClient(cfg Config, tlsCfg *tls.Config) (*grpcClient, error) {
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(tlsCfg)
	}
	if cfg.Compression == "zstd" {
		grpczstd.Register() // before the connection: gRPC has only a global registry
	}
	conn, err := grpc.NewClient(cfg.Endpoint, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, fmt.Errorf("forward: grpc client for %s: %v", config.RedactURL(cfg.Endpoint), config.RedactURL(err.Error()))
	}
	c := &grpcClient{
		conn:    conn,
		metrics: pmetricotlp.NewGRPCClient(conn),
		logs:    plogotlp.NewGRPCClient(conn),
		traces:  ptraceotlp.NewGRPCClient(conn),
		md:      metadata.MD{},
	}
	for k, v := range cfg.Headers {
		c.md.Set(k, v.Value())
	}
	switch cfg.Compression {
	case "gzip":
		c.opts = append(c.opts, grpc.UseCompressor(gzip.Name))
	case "zstd":
		c.opts = append(c.opts, grpc.UseCompressor(grpczstd.Name))
	}
	return c, nil
}

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
