package otlpserver

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/gzip"

	"github.com/dbintel/dbintel/internal/grpczstd"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

var grpcMethods = [3]string{
	"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
}

var grpcCompressions = [3]string{"", gzip.Name, "zstd"}

// fuzzGRPC is a real gRPC server with small limits and a client that sends
// raw message bytes, so the fuzzer drives gRPC's decompression and pdata's
// protobuf codec exactly as a sender would.
func fuzzGRPC(tb testing.TB, next pipeline.Consumer) (*Server, func(data []byte, method, compression uint8) error) {
	tb.Helper()
	cfg := testConfig()
	cfg.HTTP.Endpoint = ""
	cfg.GRPC.MaxRecvMsgSizeBytes = 1 << 20
	cfg.HTTP.MaxDecompressedBytes = 1 << 20
	s := startServer(tb, cfg, next)
	cc := dialGRPC(tb, s, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
	return s, func(data []byte, method, compression uint8) error {
		var opts []grpc.CallOption
		if c := grpcCompressions[int(compression)%len(grpcCompressions)]; c != "" {
			opts = append(opts, grpc.UseCompressor(c))
		}
		// A call that hangs is a finding too.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var reply []byte
		return cc.Invoke(ctx, grpcMethods[int(method)%len(grpcMethods)], data, &reply, opts...)
	}
}

func grpcSeeds(tb testing.TB) [3][]byte {
	m, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(2, 2, 2)).MarshalProto()
	if err != nil {
		tb.Fatal(err)
	}
	l, err := plogotlp.NewExportRequestFromLogs(testLogs(3)).MarshalProto()
	if err != nil {
		tb.Fatal(err)
	}
	tr, err := ptraceotlp.NewExportRequestFromTraces(testTraces(4)).MarshalProto()
	if err != nil {
		tb.Fatal(err)
	}
	return [3][]byte{m, l, tr}
}

// TestFuzzGRPCSeedsDecode proves every seed of FuzzGRPCDecode reaches the
// protobuf decoder and the pipeline, through each compression.
func TestFuzzGRPCSeedsDecode(t *testing.T) {
	rec := &recorder{}
	_, send := fuzzGRPC(t, rec)
	seeds := grpcSeeds(t)
	for c := range grpcCompressions {
		for m, seed := range seeds {
			if err := send(seed, uint8(m), uint8(c)); err != nil {
				t.Fatalf("method %d compression %q: %v", m, grpcCompressions[c], err)
			}
		}
	}
	for m, seed := range seeds {
		for c, compressed := range [][]byte{seed, gzipBytes(t, seed), zstdBytes(t, seed)} {
			if err := grpcDecode(compressed, uint8(m), uint8(c), 1<<20); err != nil {
				t.Errorf("grpcDecode method %d compression %q: %v", m, grpcCompressions[c], err)
			}
		}
	}
	got := rec.merged()
	if p, r, s := got.Metrics.DataPointCount(), got.Logs.LogRecordCount(), got.Traces.SpanCount(); p != 3*8 || r != 3*3 || s != 3*4 {
		t.Fatalf("decoded %d points, %d records, %d spans; want 24, 9, 12", p, r, s)
	}
}

// grpcDecode does what the gRPC server does with a received message: the
// registered decompressor of its grpc-encoding, read up to one byte past the
// size limit, then pdata's protobuf decoder of the method's request.
func grpcDecode(data []byte, method, compression uint8, limit int) error {
	if c := grpcCompressions[int(compression)%len(grpcCompressions)]; c != "" {
		r, err := encoding.GetCompressor(c).Decompress(bytes.NewReader(data))
		if err != nil {
			return err
		}
		if data, err = io.ReadAll(io.LimitReader(r, int64(limit)+1)); err != nil {
			return err
		}
		if len(data) > limit {
			return errTooLarge
		}
	}
	switch int(method) % len(grpcMethods) {
	case 0:
		return pmetricotlp.NewExportRequest().UnmarshalProto(data)
	case 1:
		return plogotlp.NewExportRequest().UnmarshalProto(data)
	default:
		return ptraceotlp.NewExportRequest().UnmarshalProto(data)
	}
}

// FuzzGRPCDecode feeds arbitrary, possibly compressed, messages to the gRPC
// decode path (in-process: a network server under the fuzzer's coverage
// makes it stall). It must fail or succeed, never panic or grow past the
// limit. TestFuzzGRPCSeedsDecode proves the same seeds decode through a
// real server.
func FuzzGRPCDecode(f *testing.F) {
	for m, seed := range grpcSeeds(f) {
		f.Add(seed, uint8(m), uint8(0))
		f.Add(gzipBytes(f, seed), uint8(m), uint8(1))
		f.Add(zstdBytes(f, seed), uint8(m), uint8(2))
	}
	f.Add(deepKVListProtoBytes(f, 40), uint8(1), uint8(0))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}, uint8(0), uint8(0)) // length past the end
	grpczstd.Register()
	f.Fuzz(func(t *testing.T, data []byte, method, compression uint8) {
		_ = grpcDecode(data, method, compression, 1<<20)
	})
}

// FuzzZstdDecompress feeds arbitrary frames to the zstd decompressor both
// transports use; it must fail or stop, never panic, within its window.
func FuzzZstdDecompress(f *testing.F) {
	f.Add(zstdBytes(f, grpcSeeds(f)[0]))
	f.Add(zstdBytes(f, bytes.Repeat([]byte{'x'}, 1<<16)))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}) // header only
	f.Fuzz(func(t *testing.T, frame []byte) {
		r, err := grpczstd.NewReader(bytes.NewReader(frame))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<20))
		if c, ok := r.(io.Closer); ok {
			_ = c.Close()
		}
	})
}
