package otlpserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// pacedBody keeps a request body to a minimum transfer rate: the time spent
// waiting for the sender may not exceed body_timeout plus one second per
// min_body_bytes_per_second bytes received. Only waiting counts, not the
// time the server spends decompressing between reads, so a busy gateway
// does not cut honest senders. The connection's read deadline enforces it,
// and never lies past start + read_timeout. A sender slower than that is
// cut with errSlowBody (408) and gives back its memory and goroutine.
type pacedBody struct {
	r        io.Reader
	rc       *http.ResponseController
	grace    time.Duration
	rate     int64
	limit    time.Time // zero: no read_timeout
	start    time.Time
	received int64
	waited   time.Duration
	off      bool // the ResponseWriter has no deadlines (tests' recorders)
}

// pace wraps body. Call finish once the body is read.
func (s *Server) pace(w http.ResponseWriter, body io.Reader) *pacedBody {
	h := s.cfg.HTTP
	p := &pacedBody{r: body, rc: http.NewResponseController(w), grace: h.BodyTimeout, rate: h.MinBodyBytesPerSecond, start: time.Now()}
	if h.ReadTimeout > 0 {
		p.limit = p.start.Add(h.ReadTimeout)
	}
	p.off = p.rc.SetReadDeadline(p.deadline(p.start)) != nil
	return p
}

// deadline is when a read that starts at now must have returned.
func (p *pacedBody) deadline(now time.Time) time.Time {
	allowed := p.grace + time.Duration(float64(p.received)/float64(p.rate)*float64(time.Second)) - p.waited
	d := now.Add(allowed)
	if !p.limit.IsZero() && d.After(p.limit) {
		d = p.limit
	}
	return d
}

// finish clears the deadline once the whole body is in: net/http's
// background read of the connection must not time out while the pipeline
// works (it would cancel the request's context).
func (p *pacedBody) finish() {
	if !p.off {
		_ = p.rc.SetReadDeadline(time.Time{})
	}
}

func (p *pacedBody) Read(b []byte) (int, error) {
	if p.off {
		return p.r.Read(b)
	}
	now := time.Now()
	_ = p.rc.SetReadDeadline(p.deadline(now)) // supported: checked in pace
	n, err := p.r.Read(b)
	p.waited += time.Since(now)
	p.received += int64(n)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w: %d bytes in %s", errSlowBody, p.received, time.Since(p.start).Round(time.Millisecond))
	}
	return n, err
}
