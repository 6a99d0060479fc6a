package otlpserver

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// sendRaw posts body to the logs endpoint over one transport and returns the
// HTTP status, or the gRPC code as its HTTP equivalent (200, 413, 503).
type rawSender func(t *testing.T, s *Server, body []byte) int

var rawSenders = map[string]rawSender{
	transportHTTP: func(t *testing.T, s *Server, body []byte) int {
		req, _ := http.NewRequest(http.MethodPost, httpURL(s, "logs"), bytesReader(body))
		req.Header.Set("Content-Type", contentTypeProto)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	},
	transportGRPC: func(t *testing.T, s *Server, body []byte) int {
		cc := dialGRPC(t, s, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithDefaultCallOptions(grpc.ForceCodecV2(rawCodec{})))
		var reply []byte
		err := cc.Invoke(context.Background(), "/opentelemetry.proto.collector.logs.v1.LogsService/Export", body, &reply)
		switch st := status.Convert(err); {
		case st.Code() == codes.OK:
			return http.StatusOK
		case st.Code() == codes.ResourceExhausted:
			return http.StatusRequestEntityTooLarge
		case st.Code() == codes.Unavailable && hasRetryInfo(st):
			return http.StatusServiceUnavailable
		default:
			t.Errorf("answer %v", err)
			return 0
		}
	},
}

// TestProtobufExpansionRefused: 2 MiB of empty log records (1M records of
// 2 bytes) decode into ~170 MiB; at the default limits the estimate is over
// the whole 128 MiB budget, so the request is refused for good before
// anything is decoded, and what the server allocated stays near the body's
// size. A DB-shaped request is still accepted.
func TestProtobufExpansionRefused(t *testing.T) {
	body := emptyLogRecords(1 << 20)
	for name, send := range rawSenders {
		t.Run(name, func(t *testing.T) {
			rec := &recorder{}
			s := startServer(t, testConfig(), rec)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			code := send(t, s, body)
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			t.Logf("%d KiB of empty records: %d, %d MiB allocated in the process", len(body)>>10, code, allocated>>20)
			if code != http.StatusRequestEntityTooLarge {
				t.Errorf("answer %d, want 413 / RESOURCE_EXHAUSTED", code)
			}
			// The body and its copies cost a few times 2 MiB; decoding it
			// would cost 170 MiB.
			if allocated > 32<<20 {
				t.Errorf("%d MiB allocated: the body was decoded", allocated>>20)
			}
			if rec.count() != 0 || s.budget.inUse() != 0 {
				t.Errorf("%d batches passed on, %d bytes still held", rec.count(), s.budget.inUse())
			}
			db, err := plogotlp.NewExportRequestFromLogs(dbLogs(2000)).MarshalProto()
			if err != nil {
				t.Fatal(err)
			}
			if code := send(t, s, db); code != http.StatusOK || rec.merged().Logs.LogRecordCount() != 2000 {
				t.Errorf("DB-shaped request: %d, %d records passed on", code, rec.merged().Logs.LogRecordCount())
			}
		})
	}
}

// TestProtobufExpansionFlood: 8 concurrent requests of 512 KiB of empty
// records, each estimated at ~47 MiB decoded: at most two fit in the
// budget at once, the others are refused retryably, and the bytes charged
// (which cover what pdata allocates) never pass the budget.
func TestProtobufExpansionFlood(t *testing.T) {
	const n = 8
	body := emptyLogRecords(1 << 18 / floodScale)
	est, err := decodedCost(wireLogsRequest, body)
	if err != nil {
		t.Fatal(err)
	}
	for name, send := range rawSenders {
		t.Run(name, func(t *testing.T) {
			g := newGate(n)
			cfg := testConfig()
			cfg.GRPC.MaxRecvMsgSizeBytes /= floodScale
			cfg.HTTP.MaxDecompressedBytes /= floodScale
			cfg.MaxInFlightBytes /= floodScale
			s := startServerWith(t, cfg, g, prometheus.NewRegistry(), nil)
			stop := heapPeak()
			answers, held := flood(t, g, n, func(int) int { return send(t, s, body) })
			heap := stop()
			refused := 0
			for _, code := range answers {
				switch code {
				case http.StatusServiceUnavailable:
					refused++
				case http.StatusOK:
				default:
					t.Errorf("answer %d, want 200 or 503", code)
				}
			}
			peak, limit := s.budget.peakUse(), cfg.MaxInFlightBytes
			t.Logf("scale 1/%d: %d × %d KiB (estimate %d MiB each): %d held, %d refused; peak in flight %d MiB of %d MiB; peak live heap %d MiB",
				floodScale, n, len(body)>>10, est>>20, held, refused, peak>>20, limit>>20, heap>>20)
			if fit := int(limit / est); held == 0 || held > fit || held+refused != n {
				t.Errorf("held %d (want 1..%d), refused %d", held, fit, refused)
			}
			if peak > limit {
				t.Errorf("peak in flight %d over the budget %d", peak, limit)
			}
			if used := s.budget.inUse(); used != 0 {
				t.Errorf("%d bytes still held after every answer", used)
			}
		})
	}
}
