package otlpserver

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// The OTLP services are registered by hand rather than with pdata's
// RegisterGRPCServer so that a message reaches the handler as bytes: pdata's
// handler decodes it before any code of ours with the call's context runs,
// and a few MiB of empty records decode into a gigabyte. Here the handler
// estimates the decoded size (decodedCost), charges the call's lease, and
// only then decodes, with the same codec as OTLP/HTTP.

// wireMessage is a request's bytes (in a pooled buffer) or an empty answer.
type wireMessage struct{ buf mem.Buffer }

func (m *wireMessage) bytes() []byte {
	if m.buf == nil {
		return nil
	}
	return m.buf.ReadOnlyData()
}

func (m *wireMessage) free() {
	if m.buf != nil {
		m.buf.Free()
		m.buf = nil
	}
}

// wireCodec hands requests over as wireMessage and encodes the (empty)
// export responses; anything else goes to the registered proto codec.
type wireCodec struct{ proto encoding.CodecV2 }

func newWireCodec() wireCodec { return wireCodec{proto: encoding.GetCodecV2("proto")} }

func (c wireCodec) Marshal(v any) (mem.BufferSlice, error) {
	if _, ok := v.(*wireMessage); ok {
		return nil, nil // every export response this server sends is empty
	}
	return c.proto.Marshal(v)
}

func (c wireCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(*wireMessage); ok {
		m.buf = data.MaterializeToBuffer(mem.DefaultBufferPool())
		return nil
	}
	return c.proto.Unmarshal(data, v)
}

func (wireCodec) Name() string { return "proto" }

// serviceDesc is the OTLP service of one signal (opentelemetry-proto v1).
func (s *Server) serviceDesc(service, file string, codec *signalCodec) *grpc.ServiceDesc {
	info := &grpc.UnaryServerInfo{Server: s, FullMethod: "/" + service + "/Export"}
	export := func(ctx context.Context, req any) (any, error) {
		return s.exportGRPC(ctx, codec, req.(*wireMessage))
	}
	return &grpc.ServiceDesc{
		ServiceName: service,
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "Export",
			Handler: func(_ any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
				req := &wireMessage{}
				if err := dec(req); err != nil {
					return nil, err
				}
				defer req.free()
				if ic == nil {
					return export(ctx, req)
				}
				return ic(ctx, req, info, export)
			},
		}},
		Metadata: file,
	}
}

// exportGRPC charges the call's lease with the request's decoded size, then
// decodes it and passes it on.
func (s *Server) exportGRPC(ctx context.Context, codec *signalCodec, req *wireMessage) (any, error) {
	body := req.bytes()
	est, err := decodedCost(codec.root, body)
	if err != nil {
		return nil, grpcError(pipeline.Permanent(fmt.Errorf("decode %s request: %w", codec.name, err)))
	}
	c := callFrom(ctx)
	if c != nil {
		if err := c.lease.chargeDecoded(est); err != nil {
			if errors.Is(err, pipeline.ErrRefused) {
				s.refuseEarly(transportGRPC, err)
			}
			return nil, grpcError(err)
		}
	}
	batch, err := codec.decode(body, encProto)
	req.free()
	if c != nil {
		_ = c.lease.resize(est) // the message's bytes are back in their pool
	}
	if err != nil {
		return nil, grpcError(pipeline.Permanent(fmt.Errorf("decode %s request: %w", codec.name, err)))
	}
	if err := s.consume(ctx, transportGRPC, codec.name, batch); err != nil {
		return nil, grpcError(err)
	}
	return &wireMessage{}, nil
}
