package otlpserver

import (
	"math/bits"
	"sync"
)

// Body buffers are reused: pdata copies strings and bytes out of the input
// when it decodes, so nothing refers to a buffer after decode returns. They
// are pooled by capacity class (32 KiB doubling up to 4 MiB) and every body
// starts in the smallest class that fits, so a body holds, and the in-flight
// budget counts, at most about twice what has arrived, whatever buffers
// earlier requests left in the pool. Larger buffers are left to the GC so
// one large request does not pin its memory for good.
const (
	minBufferGrow   = 32 << 10
	maxPooledBuffer = 4 << 20
	bufferClasses   = 8 // minBufferGrow << 7 == maxPooledBuffer
)

var bufferPools [bufferClasses]sync.Pool

// class is the smallest class holding n bytes; ok is false above the largest.
func class(n int64) (int, bool) {
	if n <= minBufferGrow {
		return 0, true
	}
	c := bits.Len64(uint64(n-1)) - bits.Len64(minBufferGrow-1)
	return c, c < bufferClasses
}

// bufferSize is the capacity getBuffer(n) returns, for the budget.
func bufferSize(n int64) int64 {
	if c, ok := class(n); ok {
		return minBufferGrow << c
	}
	return n
}

// getBuffer returns an empty buffer of capacity bufferSize(n).
func getBuffer(n int64) []byte {
	c, ok := class(n)
	if !ok {
		return make([]byte, 0, n)
	}
	if b, _ := bufferPools[c].Get().(*[]byte); b != nil {
		return (*b)[:0]
	}
	return make([]byte, 0, minBufferGrow<<c)
}

// putBuffer pools b if its capacity is exactly a class size.
func putBuffer(b []byte) {
	c, ok := class(int64(cap(b)))
	if !ok || int64(cap(b)) != minBufferGrow<<c {
		return
	}
	b = b[:0]
	bufferPools[c].Put(&b)
}
