package forward

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"
)

func (f *Forwarder) worker() {
	defer f.wg.Done()
	for {
		it, err := f.q.get(f.runCtx)
		if err != nil {
			return
		}
		if it.corrupt {
			f.errLog.Do(func() { f.log.Error("forward queue: an unreadable record was dropped", "items", it.total()) })
			_ = f.q.ack(it)
			f.dropRemaining(it, reasonCorrupt)
			continue
		}
		f.deliver(it)
	}
}

// deliver sends each chunk of each signal of the item as its own request.
func (f *Forwarder) deliver(it *item) {
	if time.Since(it.enqueued) > f.cfg.Retry.MaxAge {
		// Waited on disk past the age the backend accepts (a long stop).
		_ = f.q.ack(it)
		f.dropRemaining(it, reasonExpired)
		f.errLog.Do(func() { f.log.Error("forward: queued data older than retry.max_age dropped", "items", it.total()) })
		return
	}
	for _, s := range signals {
		for i, c := range it.chunks[s] {
			if !f.export(it, s, c) {
				// Shutdown cut the attempt. A durable queue keeps the whole
				// item for the next start (what was already sent may be sent
				// again: at-least-once); in memory the rest is lost and counted.
				if !f.durable {
					_ = f.q.ack(it)
					f.dropRemaining(it, reasonShutdown)
				}
				return
			}
			it.chunks[s][i] = chunk{} // sent: its memory can go before the rest
		}
	}
	if err := f.q.ack(it); err != nil {
		f.warnLog.Do(func() {
			f.log.Warn("forward queue: cannot remove a delivered batch; it may be sent again after a restart", "err", err)
		})
	}
	f.finish(it)
}

// export sends one chunk until it is delivered or given up for a counted
// reason. It returns false only when shutdown interrupted it.
func (f *Forwarder) export(it *item, s signal, c chunk) bool {
	if c.n > 1 && !c.sized && f.tooBig(c.raw) {
		return f.splitSend(it, s, c)
	}
	for attempt := 0; ; attempt++ {
		if err := f.gate.acquire(f.runCtx); err != nil {
			return false
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(f.runCtx, f.cfg.Timeout)
		rejected, err := f.client.send(ctx, s, c.raw)
		cancel()
		f.m.duration.Observe(time.Since(start).Seconds())
		n := c.n
		if err == nil {
			f.gate.release(outcomeHealthy, 0)
			f.outcome(s, "success")
			f.authErr.Store(nil)
			r := int(min(max(rejected, 0), int64(n)))
			f.sent(it, s, n-r)
			if r > 0 {
				f.drop(it, s, r, reasonPartialSuccess)
			}
			return true
		}
		if f.runCtx.Err() != nil {
			f.gate.release(outcomeAborted, 0)
			return false
		}
		e := classify(err)
		if !e.retryable {
			// A definite answer: the backend is up, the data is the problem.
			f.gate.release(outcomeHealthy, 0)
			if e.tooLarge && n > 1 {
				f.outcome(s, "too_large")
				return f.splitSend(it, s, c)
			}
			f.outcome(s, "permanent")
			f.fail(it, s, c, e)
			return true
		}
		wait := max(f.backoff(attempt), e.retryAfter)
		if e.throttled {
			f.gate.release(outcomeThrottled, wait)
			f.outcome(s, "throttled")
		} else {
			f.gate.release(outcomeFailed, wait)
			f.outcome(s, "retryable")
		}
		if time.Since(it.enqueued)+wait > f.cfg.Retry.MaxAge {
			f.drop(it, s, n, reasonExpired)
			f.errLog.Do(func() {
				f.log.Error("forward: data older than retry.max_age dropped; the backend has been failing since", "signal", s.String(), "items", n, "err", err)
			})
			return true
		}
		f.m.retries.Inc()
		f.warnLog.Do(func() { f.log.Warn("forward: export failed, retrying", "signal", s.String(), "wait", wait, "err", err) })
		if sleepOrChange(f.runCtx, wait, nil) != nil {
			return false
		}
	}
}

// splitSend decodes c, splits it in halves and sends each: the rare path of
// a 413 or of a chunk read back from disk above max_request_bytes.
func (f *Forwarder) splitSend(it *item, s signal, c chunk) bool {
	f.m.splits.Inc()
	b, err := unmarshalSignal(s, c.raw)
	var first, rest []byte
	var k int
	if err == nil {
		h := split(s, b)
		k = count(h, s)
		if first, err = marshalSignal(s, h); err == nil {
			rest, err = marshalSignal(s, b)
		}
	}
	if err != nil || k == 0 || k >= c.n {
		// Bytes that passed the queue's CRC but do not decode into
		// several items: nothing can be sent of them.
		f.drop(it, s, c.n, reasonCorrupt)
		f.errLog.Do(func() {
			f.log.Error("forward: a queued request could not be split; dropped", "signal", s.String(), "items", c.n, "err", err)
		})
		return true
	}
	return f.export(it, s, chunk{raw: first, n: k}) && f.export(it, s, chunk{raw: rest, n: c.n - k})
}

// fail drops a request the backend refused for good.
func (f *Forwarder) fail(it *item, s signal, c chunk, e *exportError) {
	if e.reason == reasonUnauthorized && f.authErr.Load() == nil {
		err := fmt.Errorf("backend refused the credentials (%v): check the api-key header / NEW_RELIC_LICENSE_KEY", e)
		f.authErr.Store(&err)
		f.log.Error("forward: "+err.Error(), "target", f.target())
	}
	if o := f.observer.Load(); o != nil {
		// The observer reads resources, so this rare path decodes.
		if b, err := unmarshalSignal(s, c.raw); err == nil {
			(*o).ExportFailed(b, e.reason)
		}
	}
	f.drop(it, s, c.n, e.reason)
	f.warnLog.Do(func() {
		f.log.Warn("forward: backend refused data permanently, dropped", "signal", s.String(), "items", c.n, "reason", e.reason, "err", e)
	})
}

func (f *Forwarder) outcome(s signal, o string) {
	f.m.requests.WithLabelValues(signalNames[s], o).Inc()
}

// backoff is exponential with full jitter: uniform in [0, min(max,
// initial*multiplier^attempt)], so retrying senders spread out.
func (f *Forwarder) backoff(attempt int) time.Duration {
	r := f.cfg.Retry
	d := float64(r.InitialInterval)
	for range attempt {
		d *= r.Multiplier
		if d >= float64(r.MaxInterval) {
			break
		}
	}
	d = min(d, float64(r.MaxInterval))
	return time.Duration(rand.Int64N(int64(d) + 1))
}

func (f *Forwarder) openQueue() (queue, error) {
	if f.cfg.Queue.Dir == "" {
		return newMemQueue(f.cfg.Queue), nil
	}
	q, recovered, quarantined, err := openDiskQueue(f.cfg.Queue)
	if err != nil {
		return nil, fmt.Errorf("forward: %w", err)
	}
	f.durable = true
	if quarantined > 0 {
		f.m.quarantined.Add(float64(quarantined))
		f.log.Error("forward queue: a corrupt or torn tail (crash during a write) was moved aside; the readable part is kept",
			"bytes", quarantined, "dir", filepath.Join(f.cfg.Queue.Dir, quarantineDir))
	}
	items := 0
	for _, it := range recovered {
		f.account(it)
		for _, s := range signals {
			f.m.recovered[s].Add(float64(it.counts[s]))
		}
		items += it.total()
	}
	if len(recovered) > 0 {
		f.log.Info("forward queue: resuming data left by the previous run", "batches", len(recovered), "items", items)
	}
	return q, nil
}
