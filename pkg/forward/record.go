package forward

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"
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
	crcTable   = crc32.MakeTable(crc32.Castagnoli)
	errCorrupt = errors.New("corrupt record")
)

// encodeRecord serialises an item (header included). A signal's chunks are
// stored concatenated: protobuf concatenation of export requests is the
// request holding all their resources, so the record format does not depend
// on how the signal was split.
func encodeRecord(it *item) []byte {
	n := payloadFixed + 12 + int(it.encodedSize())
	buf := make([]byte, recordHeader, recordHeader+n)
	buf = binary.LittleEndian.AppendUint64(buf, uint64(it.enqueued.UnixNano()))
	for _, c := range it.counts {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(c))
	}
	for _, cs := range it.chunks {
		size := 0
		for _, c := range cs {
			size += len(c.raw)
		}
		buf = binary.LittleEndian.AppendUint32(buf, uint32(size))
		for _, c := range cs {
			buf = append(buf, c.raw...)
		}
	}
	binary.LittleEndian.PutUint32(buf[0:], uint32(n))
	binary.LittleEndian.PutUint32(buf[4:], crc32.Checksum(buf[recordHeader:], crcTable))
	return buf
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

// recordChunks returns a payload's requests, one per signal that has items,
// sharing the payload's memory. They are sent without decoding, so a
// signal above max_request_bytes is split when it is sent.
func recordChunks(payload []byte, counts [3]int) ([3][]chunk, error) {
	var chunks [3][]chunk
	rest := payload[payloadFixed:]
	for s := range chunks {
		if len(rest) < 4 {
			return chunks, errCorrupt
		}
		n := binary.LittleEndian.Uint32(rest)
		if uint64(len(rest)-4) < uint64(n) {
			return chunks, errCorrupt
		}
		raw := rest[4 : 4+n]
		rest = rest[4+n:]
		switch {
		case counts[s] == 0:
		case n == 0:
			return chunks, fmt.Errorf("%w: %d %s without data", errCorrupt, counts[s], signal(s))
		default:
			chunks[s] = []chunk{{raw: raw, n: counts[s]}}
		}
	}
	return chunks, nil
}
