package adversarial

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func syscallKill(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// smallLogs is a normal sender's request: a few log lines as protobuf.
func smallLogs() []byte {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range 5 {
		lr := recs.AppendEmpty()
		lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.Body().SetStr("order " + strconv.Itoa(i) + " shipped")
	}
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		panic(err)
	}
	return b
}

// sendHTTP posts an OTLP/HTTP protobuf body, retrying 429 and 503 (after
// Retry-After, capped at 500 ms) until ctx ends.
func sendHTTP(ctx context.Context, url string, body []byte) error {
	for {
		code, retryAfter, err := postOnce(ctx, url, "application/x-protobuf", "", body)
		if err == nil && code == http.StatusOK {
			return nil
		}
		if err == nil && code != http.StatusTooManyRequests && code != http.StatusServiceUnavailable && code != http.StatusBadGateway {
			return fmt.Errorf("HTTP %d", code)
		}
		wait := min(max(retryAfter, 50*time.Millisecond), 500*time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

var client = &http.Client{Timeout: 60 * time.Second}

// postOnce sends one request and returns its status code and Retry-After.
func postOnce(ctx context.Context, url, contentType, encoding string, body []byte) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	return resp.StatusCode, time.Duration(secs) * time.Second, nil
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// hugeLogRequest is a valid OTLP logs request whose one record's body is n
// bytes of 'a': it compresses about 1000:1.
func hugeLogRequest(n int) []byte {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr(string(bytes.Repeat([]byte{'a'}, n)))
	b, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		panic(err)
	}
	return b
}
