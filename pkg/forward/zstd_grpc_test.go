package forward

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"

	"github.com/dbintel/dbintel/test/fakebackend"
)

// zstdGRPCServer is a gRPC endpoint written from the wire format (HTTP/2
// without TLS, length-prefixed messages, grpc-status trailer), so the
// decoding is independent of the codec under test: it decompresses each
// metrics export with the zstd reference decoder and answers OK.
type zstdGRPCServer struct {
	mu        sync.Mutex
	encodings []string
	points    int
	errs      []string
}

func (s *zstdGRPCServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.encodings = append(s.encodings, r.Header.Get("grpc-encoding"))
	if len(body) < 5 || int(binary.BigEndian.Uint32(body[1:5])) != len(body)-5 {
		s.errs = append(s.errs, "bad frame")
		return
	}
	payload := body[5:]
	if body[0] == 1 { // compressed message
		dec, err := zstd.NewReader(nil)
		if err != nil {
			s.errs = append(s.errs, err.Error())
			return
		}
		defer dec.Close()
		if payload, err = dec.DecodeAll(payload, nil); err != nil {
			s.errs = append(s.errs, "zstd: "+err.Error())
			return
		}
	}
	req := pmetricotlp.NewExportRequest()
	if err := req.UnmarshalProto(payload); err != nil {
		s.errs = append(s.errs, "proto: "+err.Error())
		return
	}
	s.points += req.Metrics().DataPointCount()
	out, _ := pmetricotlp.NewExportResponse().MarshalProto()
	w.Header().Set("Content-Type", "application/grpc")
	w.WriteHeader(http.StatusOK)
	frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(out)))
	_, _ = w.Write(append(frame, out...))
	w.Header().Set(http.TrailerPrefix+"Grpc-Status", "0")
}

func TestGRPCZstdCompression(t *testing.T) {
	srv := &zstdGRPCServer{}
	hs := &http.Server{Handler: srv, Protocols: new(http.Protocols), ReadHeaderTimeout: 5 * time.Second}
	hs.Protocols.SetUnencryptedHTTP2(true)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = hs.Serve(ln) }()
	defer func() { _ = hs.Close(); <-done }()

	cfg := testConfig(fakebackend.Start(t), "grpc")
	cfg.Endpoint, cfg.Compression = ln.Addr().String(), "zstd"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("zstd over grpc refused: %v", err)
	}
	c, err := newClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.send(ctx, sigMetrics, rawOf(t, sigMetrics, testBatch(50, 0, 0))); err != nil {
		t.Fatalf("send: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.errs) > 0 || srv.points != 50 || len(srv.encodings) != 1 || srv.encodings[0] != "zstd" {
		t.Fatalf("server saw encodings %v, %d points, errors %v", srv.encodings, srv.points, srv.errs)
	}
}

// TestGRPCZstdThroughGRPCServer: the same setting end to end through a
// grpc-go server (the fault-injecting backend) and the forwarder's queue.
func TestGRPCZstdThroughGRPCServer(t *testing.T) {
	be := fakebackend.Start(t)
	cfg := testConfig(be, "grpc")
	cfg.Compression = "zstd"
	f, reg := start(t, cfg)
	if err := f.Consume(context.Background(), testBatch(20, 5, 0)); err != nil {
		t.Fatal(err)
	}
	be.WaitForItems(t, 25, 10*time.Second)
	waitBalanced(t, reg)
}
