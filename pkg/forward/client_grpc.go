package forward

import (
	"context"
	"crypto/tls"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/internal/grpczstd"
)

// exportMethods are the OTLP/gRPC Export methods, per signal.
var exportMethods = [...]string{
	"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
}

// grpcClient speaks OTLP/gRPC over one connection for all three signals.
type grpcClient struct {
	conn *grpc.ClientConn
	md   metadata.MD
	opts []grpc.CallOption
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
	c := &grpcClient{md: metadata.MD{}, opts: []grpc.CallOption{grpc.ForceCodec(rawCodec{})}}
	conn, err := grpc.NewClient(cfg.Endpoint, grpc.WithTransportCredentials(creds), grpc.WithStatsHandler(payloadSizes{&c.sizes}))
	if err != nil {
		return nil, fmt.Errorf("forward: grpc client for %s: %v", config.RedactURL(cfg.Endpoint), config.RedactURL(err.Error()))
	}
	c.conn = conn
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

// send posts the queued protobuf body as it is: no decode, no re-marshal.
func (c *grpcClient) send(ctx context.Context, s signal, raw []byte) (int64, error) {
	ctx = metadata.NewOutgoingContext(ctx, c.md)
	resp := exportResponse{s: s}
	if err := c.conn.Invoke(ctx, exportMethods[s], rawRequest(raw), &resp, c.opts...); err != nil {
		return 0, classifyGRPC(err)
	}
	return resp.rejected, nil
}

func (c *grpcClient) close() error { return c.conn.Close() }

// rawRequest is an already encoded request body.
type rawRequest []byte

// exportResponse keeps only what the forwarder reads of an answer: the
// partial-success count.
type exportResponse struct {
	s        signal
	rejected int64
}

// rawCodec passes queued bytes through and reads the export response. Its
// name "proto" makes the content-type application/grpc+proto, which gRPC
// servers read with their protobuf codec.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	if r, ok := v.(rawRequest); ok {
		return r, nil
	}
	return nil, fmt.Errorf("forward: raw codec cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	r, ok := v.(*exportResponse)
	if !ok {
		return fmt.Errorf("forward: raw codec cannot unmarshal into %T", v)
	}
	r.rejected = rejectedIn(r.s, data)
	return nil
}
