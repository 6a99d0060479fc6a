package otlpserver

import (
	"errors"
	"fmt"
	"io"

	"google.golang.org/protobuf/encoding/protowire"
)

// The walk in decodedCost reads tags, lengths and unknown fields exactly as
// pdata's decoder does (pdata/internal/proto/unmarshal.go, v1.71), not as
// protowire does: where the two differ (groups, field numbers above 2^29,
// overlong varints) a stricter walk would refuse requests pdata accepts,
// and a walk that skips more than pdata would miss messages pdata decodes
// (a group that protowire skips to its end, pdata ends after one field).

var (
	errWireOverflow = errors.New("protobuf: varint overflows 64 bits")
	errWireLength   = fmt.Errorf("protobuf: field past the end: %w", io.ErrUnexpectedEOF)
)

func wireVarint(b []byte, i int) (uint64, int, error) {
	var v uint64
	for shift := uint(0); ; shift += 7 {
		if shift >= 64 {
			return 0, 0, errWireOverflow
		}
		if i >= len(b) {
			return 0, 0, fmt.Errorf("protobuf: %w", io.ErrUnexpectedEOF)
		}
		c := b[i]
		i++
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i, nil
		}
	}
}

func wireTag(b []byte, i int) (protowire.Number, protowire.Type, int, error) {
	tag, i, err := wireVarint(b, i)
	if err != nil {
		return 0, 0, 0, err
	}
	if num := int32(tag >> 3); num > 0 {
		return protowire.Number(num), protowire.Type(tag & 7), i, nil
	}
	return 0, 0, 0, fmt.Errorf("protobuf: illegal field number in tag %d", tag)
}

// wireLen reads a length prefix: the value is b[start:end].
func wireLen(b []byte, i int) (start, end int, err error) {
	n, i, err := wireVarint(b, i)
	if err != nil {
		return 0, 0, err
	}
	if l := int(n); l < 0 || i+l < 0 || i+l > len(b) {
		return 0, 0, fmt.Errorf("protobuf: length %d: %w", n, io.ErrUnexpectedEOF)
	}
	return i, i + int(n), nil
}

// wireSkip skips a field value of type typ as pdata's ConsumeUnknown does.
func wireSkip(b []byte, i int, typ protowire.Type) (int, error) {
	depth := 0
	for i < len(b) {
		var err error
		switch typ {
		case protowire.VarintType:
			_, i, err = wireVarint(b, i)
			return i, err
		case protowire.Fixed64Type:
			return wireFixed(b, i, 8)
		case protowire.BytesType:
			_, i, err = wireLen(b, i)
			return i, err
		case protowire.Fixed32Type:
			return wireFixed(b, i, 4)
		case protowire.StartGroupType:
			depth++
		case protowire.EndGroupType:
			if depth == 0 {
				return 0, errors.New("protobuf: unexpected end of group")
			}
			depth--
		default:
			return 0, fmt.Errorf("protobuf: illegal wire type %d", typ)
		}
		if depth == 0 {
			return i, nil
		}
		if _, typ, i, err = wireTag(b, i); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("protobuf: %w", io.ErrUnexpectedEOF)
}

func wireFixed(b []byte, i, n int) (int, error) {
	if i+n > len(b) {
		return 0, fmt.Errorf("protobuf: %w", io.ErrUnexpectedEOF)
	}
	return i + n, nil
}
