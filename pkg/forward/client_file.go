package forward

import (
	"context"
	"fmt"
	"os"
	"sync"

	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// fileClient writes each request as one OTLP JSON line (an
// Export*ServiceRequest), so what would have been sent can be read back
// with the pdata JSON unmarshalers or jq.
type fileClient struct {
	mu sync.Mutex
	f  *os.File
}

func newFileClient(path string) (*fileClient, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("forward sink.file: %w", err)
	}
	return &fileClient{f: f}, nil
}

// send decodes the queued body to write it as JSON: the file sink is for
// inspection, not throughput.
func (c *fileClient) send(_ context.Context, s signal, raw []byte) (int64, error) {
	b, err := unmarshalSignal(s, raw)
	if err != nil {
		return 0, &exportError{err: err, reason: reasonInvalid}
	}
	var line []byte
	switch s {
	case sigMetrics:
		line, err = pmetricotlp.NewExportRequestFromMetrics(b.Metrics).MarshalJSON()
	case sigLogs:
		line, err = plogotlp.NewExportRequestFromLogs(b.Logs).MarshalJSON()
	default:
		line, err = ptraceotlp.NewExportRequestFromTraces(b.Traces).MarshalJSON()
	}
	if err != nil {
		return 0, &exportError{err: fmt.Errorf("marshal %s: %w", s, err), reason: reasonInvalid}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// One write per line so a reader never sees half a request from two
	// workers interleaved.
	if _, err := c.f.Write(append(line, '\n')); err != nil {
		return 0, classifyTransport(fmt.Errorf("sink.file: %w", err))
	}
	return 0, nil
}

func (c *fileClient) close() error { return c.f.Close() }
