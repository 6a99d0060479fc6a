package forward

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// On-disk record of the durable queue:
//
//	header:  u32 payload length | u32 CRC-32C of payload
//	payload: u64 enqueue time (unix ns) | u32 points | u32 records | u32 spans
//	         | u32 len + metrics proto | u32 len + logs proto | u32 len + traces proto
//
// The counts and enqueue time sit in front so recovery can rebuild the
// queue's accounting without decoding any protobuf; the CRC catches torn
// and corrupt writes.
const (
	recordHeader  = 8
	payloadFixed  = 8 + 3*4
	maxRecordSize = 256 << 20 // a sane upper bound; anything larger is corruption
)

var (
	crcTable     = crc32.MakeTable(crc32.Castagnoli)
	errCorrupt   = errors.New("corrupt record")
	protoMetrics pmetric.ProtoMarshaler
	protoLogs    plog.ProtoMarshaler
	protoTraces  ptrace.ProtoMarshaler
)

// encodeRecord serialises an item (header included).
func encodeRecord(it *item) ([]byte, error) {
	m, err := protoMetrics.MarshalMetrics(it.batch.Metrics)
	if err != nil {
		return nil, fmt.Errorf("encode metrics: %w", err)
	}
	l, err := protoLogs.MarshalLogs(it.batch.Logs)
	if err != nil {
		return nil, fmt.Errorf("encode logs: %w", err)
	}
	t, err := protoTraces.MarshalTraces(it.batch.Traces)
	if err != nil {
		return nil, fmt.Errorf("encode traces: %w", err)
	}
	n := payloadFixed + 12 + len(m) + len(l) + len(t)
	buf := make([]byte, recordHeader, recordHeader+n)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(it.enqueued.UnixNano()))
	for _, c := range it.counts {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(c))
	}
	for _, part := range [][]byte{m, l, t} {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(part)))
		buf = append(buf, part...)
	}
	binary.LittleEndian.PutUint32(buf[0:], uint32(n))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(buf[recordHeader:], crcTable))
	return buf, nil
}

// readRecord reads the record at the reader's position. It returns io.EOF at
// a clean end, errCorrupt for a torn or damaged record.
func readRecord(r io.Reader) (payload []byte, err error) {
	var h [recordHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, errCorrupt // a partial header: torn write
	}
	n := binary.LittleEndian.Uint32(h[0:])
	if n < payloadFixed+12 || n > maxRecordSize {
		return nil, errCorrupt
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return nil, errCorrupt
	}
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, errCorrupt
	}
	return payload, nil
}

// recordMeta reads the fixed part of a payload into it.
func recordMeta(payload []byte, it *item) {
	it.enqueued = time.Unix(0, int64(binary.LittleEndian.Uint64(payload)))
	for s := range it.counts {
		it.counts[s] = int(binary.LittleEndian.Uint32(payload[8+4*s:]))
	}
	it.bytes = int64(recordHeader + len(payload))
}

// decodeBatch rebuilds the batch of a payload.
func decodeBatch(payload []byte) (pipeline.Batch, error) {
	rest := payload[payloadFixed:]
	var parts [3][]byte
	for i := range parts {
		if len(rest) < 4 {
			return pipeline.Batch{}, errCorrupt
		}
		n := binary.LittleEndian.Uint32(rest)
		if uint64(len(rest)-4) < uint64(n) {
			return pipeline.Batch{}, errCorrupt
		}
		parts[i], rest = rest[4:4+n], rest[4+n:]
	}
	var b pipeline.Batch
	var err error
	if b.Metrics, err = (&pmetric.ProtoUnmarshaler{}).UnmarshalMetrics(parts[0]); err != nil {
		return b, fmt.Errorf("%w: metrics: %w", errCorrupt, err)
	}
	if b.Logs, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(parts[1]); err != nil {
		return b, fmt.Errorf("%w: logs: %w", errCorrupt, err)
	}
	if b.Traces, err = (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(parts[2]); err != nil {
		return b, fmt.Errorf("%w: traces: %w", errCorrupt, err)
	}
	return b, nil
}
