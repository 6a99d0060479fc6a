package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/encoding/gzip" // -compression gzip over gRPC
	"google.golang.org/grpc/status"
)

// sender sends one pre-marshalled request; a refusal the OTLP spec calls
// retryable returns errRefused.
type sender interface {
	send(ctx context.Context, body []byte) error
	close()
}

var errRefused = fmt.Errorf("refused (retryable)")

// rawCodec hands pre-marshalled protobuf bytes to gRPC unchanged.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = data
	return nil
}
func (rawCodec) Name() string { return "proto" }

var grpcMethods = map[string]string{
	"metrics": "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	"logs":    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	"traces":  "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
}

type grpcSender struct {
	conn   *grpc.ClientConn
	method string
	opts   []grpc.CallOption
}

func newGRPC(target, signal, compression string) (*grpcSender, error) {
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20), grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		return nil, err
	}
	opts := []grpc.CallOption{grpc.ForceCodec(rawCodec{})}
	if compression != "none" {
		opts = append(opts, grpc.UseCompressor(compression))
	}
	return &grpcSender{conn: conn, method: grpcMethods[signal], opts: opts}, nil
}

func (g *grpcSender) send(ctx context.Context, body []byte) error {
	var resp []byte
	err := g.conn.Invoke(ctx, g.method, &body, &resp, g.opts...)
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.Unavailable, codes.ResourceExhausted:
		return errRefused
	}
	return err
}

func (g *grpcSender) close() { _ = g.conn.Close() }

type httpSender struct {
	client *http.Client
	url    string
}

// newHTTP gives each sender its own transport, so K senders are K
// connections as with gRPC.
func newHTTP(base, signal string) *httpSender {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	return &httpSender{client: &http.Client{Transport: tr, Timeout: time.Minute},
		url: strings.TrimSuffix(base, "/") + "/v1/" + signal}
}

func (h *httpSender) send(ctx context.Context, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable ||
		resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout:
		return errRefused
	}
	return fmt.Errorf("HTTP %s", resp.Status)
}

func (h *httpSender) close() { h.client.CloseIdleConnections() }
