package otlpserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// pacedBody keeps a request body to a minimum transfer rate: the
// connection's read deadline is start + body_timeout + one second per
// min_body_bytes_per_second bytes received, moved forward as bytes arrive
// and never past start + read_timeout. A sender slower than that is cut
// with errSlowBody (408) and gives back its slot, memory and goroutine.
type pacedBody struct {
	r        io.Reader
	rc       *http.ResponseController
	start    time.Time
	grace    time.Duration
	rate     int64
	limit    time.Time // zero: no read_timeout
	received int64
	deadline time.Time
	off      bool // the ResponseWriter has no deadlines (tests' recorders)
}

// pace wraps body. Call finish once the body is read.
func (s *Server) pace(w http.ResponseWriter, body io.Reader) *pacedBody {
	h := s.cfg.HTTP
	p := &pacedBody{r: body, rc: http.NewResponseController(w), start: time.Now(), grace: h.BodyTimeout, rate: h.MinBodyBytesPerSecond}
	if h.ReadTimeout > 0 {
		p.limit = p.start.Add(h.ReadTimeout)
	}
	p.off = p.extend() != nil
	return p
}

// finish clears the deadline: once the body is in, net/http's background
// read of the connection must not time out while the pipeline works (it
// would cancel the request's context).
func (p *pacedBody) finish() {
	if !p.off {
		_ = p.rc.SetReadDeadline(time.Time{})
	}
}

// extendStep avoids a deadline update (a timer reset) per small read.
const extendStep = 100 * time.Millisecond

func (p *pacedBody) extend() error {
	d := p.start.Add(p.grace + time.Duration(float64(p.received)/float64(p.rate)*float64(time.Second)))
	if !p.limit.IsZero() && d.After(p.limit) {
		d = p.limit
	}
	if !p.deadline.IsZero() && d.Sub(p.deadline) < extendStep {
		return nil
	}
	p.deadline = d
	return p.rc.SetReadDeadline(d)
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 && !p.off {
		p.received += int64(n)
		_ = p.extend() // supported: checked once in pace
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = fmt.Errorf("%w: %d bytes in %s", errSlowBody, p.received, time.Since(p.start).Round(time.Millisecond))
	}
	return n, err
}
