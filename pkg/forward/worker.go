package forward

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
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

// deliver sends each non-empty signal of the item as its own request.
func (f *Forwarder) deliver(it *item) {
	if time.Since(it.enqueued) > f.cfg.Retry.MaxAge {
		// Waited on disk past the age the backend accepts (a long stop).
		_ = f.q.ack(it)
		f.dropRemaining(it, reasonExpired)
		f.errLog.Do(func() { f.log.Error("forward: queued data older than retry.max_age dropped", "items", it.total()) })
		return
	}
	for _, s := range signals {
		if it.counts[s] == 0 {
			continue
		}
		if !f.export(it, s, part(it.batch, s), f.knownSize(it, s)) {
			// Shutdown cut the attempt. A durable queue keeps the whole
			// item for the next start (what was already sent may be sent
			// again: at-least-once); in memory the rest is lost and counted.
			if !f.durable {
				_ = f.q.ack(it)
				f.dropRemaining(it, reasonShutdown)
			}
			return
		}
	}
	if err := f.q.ack(it); err != nil {
		f.warnLog.Do(func() {
			f.log.Warn("forward queue: cannot remove a delivered batch; it may be sent again after a restart", "err", err)
		})
	}
	f.finish(it)
}

// export sends one single-signal request until it is delivered or given up
// for a counted reason. It returns false only when shutdown interrupted it.
// size is b's protobuf size when known, else 0.
func (f *Forwarder) export(it *item, s signal, b pipeline.Batch, size int) bool {
	if count(b, s) > 1 && f.tooBig(s, b, size) {
		f.m.splits.Inc()
		first := split(s, b)
		return f.export(it, s, first, 0) && f.export(it, s, b, 0)
	}
	for attempt := 0; ; attempt++ {
		if err := f.gate.acquire(f.runCtx); err != nil {
			return false
		}
		start := time.Now()
		ctx, cancel := context.WithTimeout(f.runCtx, f.cfg.Timeout)
		rejected, err := f.client.send(ctx, s, b)
		cancel()
		f.m.duration.Observe(time.Since(start).Seconds())
		n := count(b, s)
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
				f.m.splits.Inc()
				first := split(s, b)
				return f.export(it, s, first, 0) && f.export(it, s, b, 0)
			}
			f.outcome(s, "permanent")
			f.fail(it, s, b, n, e)
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

// knownSize is the protobuf size of signal s of it when the in-memory queue
// measured it at enqueue and s is all the item holds (the batcher's merged
// batches are one signal each), so sending does not walk the data again to
// size it; else 0.
func (f *Forwarder) knownSize(it *item, s signal) int {
	if f.durable || it.bytes <= 0 {
		return 0
	}
	for _, o := range signals {
		if o != s && it.counts[o] > 0 {
			return 0
		}
	}
	return int(it.bytes)
}

// fail drops a request the backend refused for good.
func (f *Forwarder) fail(it *item, s signal, b pipeline.Batch, n int, e *exportError) {
	if e.reason == reasonUnauthorized && f.authErr.Load() == nil {
		err := fmt.Errorf("backend refused the credentials (%v): check the api-key header / NEW_RELIC_LICENSE_KEY", e)
		f.authErr.Store(&err)
		f.log.Error("forward: "+err.Error(), "target", f.target())
	}
	if o := f.observer.Load(); o != nil {
		(*o).ExportFailed(b, e.reason)
	}
	f.drop(it, s, n, e.reason)
	f.warnLog.Do(func() {
		f.log.Warn("forward: backend refused data permanently, dropped", "signal", s.String(), "items", n, "reason", e.reason, "err", e)
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
