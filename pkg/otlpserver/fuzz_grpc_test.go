package otlpserver

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"

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
		var reply []byte
		return cc.Invoke(context.Background(), grpcMethods[int(method)%len(grpcMethods)], data, &reply, opts...)
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
	got := rec.merged()
	if p, r, s := got.Metrics.DataPointCount(), got.Logs.LogRecordCount(), got.Traces.SpanCount(); p != 3*8 || r != 3*3 || s != 3*4 {
		t.Fatalf("decoded %d points, %d records, %d spans; want 24, 9, 12", p, r, s)
	}
}

// FuzzGRPCDecode sends arbitrary messages to the three export methods with
// each compression: the server must answer (OK, INTERNAL for an undecodable
// message, RESOURCE_EXHAUSTED for too large), never panic, and hold no
// budget afterwards.
func FuzzGRPCDecode(f *testing.F) {
	for m, seed := range grpcSeeds(f) {
		for c := range grpcCompressions {
			f.Add(seed, uint8(m), uint8(c))
		}
	}
	f.Add(deepKVListProtoBytes(f, 40), uint8(1), uint8(0))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f}, uint8(0), uint8(1)) // length past the end
	s, send := fuzzGRPC(f, noop)
	f.Fuzz(func(t *testing.T, data []byte, method, compression uint8) {
		err := send(data, method, compression)
		switch status.Code(err) {
		case codes.OK, codes.Internal, codes.ResourceExhausted:
		default:
			t.Fatalf("answer %v", err)
		}
		if n := testutil.CollectAndCount(s.m.panics); n != 0 {
			t.Fatal("the server recovered a panic")
		}
	})
}

// FuzzZstdDecompress feeds arbitrary frames to the zstd decompressor both
// transports use; it must fail or stop, never panic, within its window.
func FuzzZstdDecompress(f *testing.F) {
	f.Add(zstdBytes(f, grpcSeeds(f)[0]))
	f.Add(zstdBytes(f, bytes.Repeat([]byte{'x'}, 1<<16)))
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58}) // header only
	f.Fuzz(func(t *testing.T, frame []byte) {
		r, err := (&zstdCompressor{}).Decompress(bytes.NewReader(frame))
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(r, 4<<20))
		if c, ok := r.(io.Closer); ok {
			_ = c.Close()
		}
	})
}
