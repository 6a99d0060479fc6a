package forward

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/dbintel/dbintel/internal/config"
)

// httpClient speaks OTLP/HTTP with protobuf bodies.
type httpClient struct {
	hc       *http.Client
	urls     [3]string
	headers  http.Header
	encoding string // Content-Encoding, "" for none
	zstd     *zstd.Encoder
	gzips    sync.Pool
	sizes    ratio
}

// maxResponseBytes bounds how much of an answer is read: a partial-success
// message is small, and a misbehaving server must not grow our memory.
const maxResponseBytes = 64 << 10

func newHTTPClient(cfg Config, tlsCfg *tls.Config) (*httpClient, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	tr.MaxIdleConnsPerHost = cfg.Queue.Workers
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("forward: endpoint %s is not a URL", config.RedactURL(cfg.Endpoint))
	}
	// Credentials in the URL become a basic-auth header, as net/http would
	// do, but the request URL (repeated in every transport error) is clean.
	userinfo := u.User
	u.User = nil
	base := strings.TrimRight(u.String(), "/")
	c := &httpClient{
		hc:      &http.Client{Transport: tr},
		urls:    [3]string{base + "/v1/metrics", base + "/v1/logs", base + "/v1/traces"},
		headers: http.Header{},
	}
	if userinfo != nil {
		pass, _ := userinfo.Password()
		c.headers.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(userinfo.Username()+":"+pass)))
	}
	for k, v := range cfg.Headers {
		c.headers.Set(k, v.Value())
	}
	c.headers.Set("Content-Type", "application/x-protobuf")
	switch cfg.Compression {
	case "gzip":
		c.encoding = "gzip"
	case "zstd":
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return nil, fmt.Errorf("forward: zstd encoder: %w", err)
		}
		c.encoding, c.zstd = "zstd", enc
	}
	return c, nil
}

// compress encodes one request body for the wire. The body is not
// pooled: net/http may still read it after Do returns.
func (c *httpClient) compress(raw []byte) ([]byte, error) {
	var body []byte
	var err error
	switch c.encoding {
	case "gzip":
		var buf bytes.Buffer
		buf.Grow(len(raw) / 4)
		zw, _ := c.gzips.Get().(*gzip.Writer)
		if zw == nil {
			zw = gzip.NewWriter(&buf)
		} else {
			zw.Reset(&buf)
		}
		_, err = zw.Write(raw)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		c.gzips.Put(zw)
		body = buf.Bytes()
	case "zstd":
		body = c.zstd.EncodeAll(raw, make([]byte, 0, len(raw)/4))
	default:
		return raw, nil
	}
	c.sizes.observe(len(raw), len(body))
	return body, err
}

func (c *httpClient) ratio() *ratio { return &c.sizes }

// send posts the queued protobuf body, compressed.
func (c *httpClient) send(ctx context.Context, s signal, raw []byte) (int64, error) {
	body, err := c.compress(raw)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.urls[s], bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("forward: request: %w", err)
	}
	req.Header = c.headers.Clone()
	if c.encoding != "" {
		req.Header.Set("Content-Encoding", c.encoding)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, classifyTransport(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if resp.StatusCode/100 != 2 {
		return 0, classifyHTTP(resp.StatusCode, resp.Header, time.Now())
	}
	if err != nil || len(data) == 0 || !strings.Contains(resp.Header.Get("Content-Type"), "protobuf") {
		// The data was accepted; an unreadable answer only loses the
		// partial-success detail.
		return 0, nil
	}
	return rejectedIn(s, data), nil
}

// rejectedIn reads the partial-success count of a protobuf answer.
func rejectedIn(s signal, data []byte) int64 {
	switch s {
	case sigMetrics:
		r := pmetricotlp.NewExportResponse()
		if r.UnmarshalProto(data) == nil {
			return r.PartialSuccess().RejectedDataPoints()
		}
	case sigLogs:
		r := plogotlp.NewExportResponse()
		if r.UnmarshalProto(data) == nil {
			return r.PartialSuccess().RejectedLogRecords()
		}
	default:
		r := ptraceotlp.NewExportResponse()
		if r.UnmarshalProto(data) == nil {
			return r.PartialSuccess().RejectedSpans()
		}
	}
	return 0
}

func (c *httpClient) close() error {
	c.hc.CloseIdleConnections()
	if c.zstd != nil {
		return c.zstd.Close()
	}
	return nil
}
