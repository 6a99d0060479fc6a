package sample

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/prometheus/client_golang/prometheus"
)

// budgets holds the adaptive keep-rate of each source. Safe for
// concurrent use: mu is held for one look-up, a source's own lock for one
// item's count, so batches of different sources do not wait for each other.
type budgets struct {
	cfg   Budget
	rateG *prometheus.GaugeVec
	mu    sync.Mutex
	dbs   *simplelru.LRU[string, *dbBudget]
}

// dbBudget is one database's controller: it counts the query-level items
// offered in the current period and, when the period ends, sets the rate so
// that the smoothed volume times the rate meets the budget.
type dbBudget struct {
	mu       sync.Mutex
	start    time.Time
	count    int
	smoothed float64 // items per minute
	rate     float64
	gauge    prometheus.Gauge
}

func newBudgets(cfg Budget, m *metrics) (*budgets, error) {
	b := &budgets{cfg: cfg, rateG: m.effectiveRate}
	dbs, err := simplelru.NewLRU(cfg.MaxDatabases, func(key string, _ *dbBudget) {
		m.effectiveRate.DeleteLabelValues(key)
		m.dbEvicted.Inc()
	})
	if err != nil {
		return nil, err
	}
	b.dbs = dbs
	return b, nil
}

// get returns the controller of a database, creating it at MaxRate.
func (b *budgets) get(key string, now time.Time) *dbBudget {
	b.mu.Lock()
	defer b.mu.Unlock()
	if d, ok := b.dbs.Get(key); ok {
		return d
	}
	d := &dbBudget{start: now, rate: b.cfg.MaxRate, gauge: b.rateG.WithLabelValues(key)}
	d.gauge.Set(d.rate)
	b.dbs.Add(key, d)
	return d
}

// offer counts one item and returns the database's current keep-rate,
// recomputing it first when the period is over.
func (b *budgets) offer(d *dbBudget, now time.Time) float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if elapsed := now.Sub(d.start); elapsed >= b.cfg.RecomputeEvery {
		observed := float64(d.count) * float64(time.Minute) / float64(elapsed)
		if d.smoothed == 0 {
			d.smoothed = observed
		} else {
			d.smoothed = b.cfg.Smoothing*observed + (1-b.cfg.Smoothing)*d.smoothed
		}
		d.rate = b.cfg.MaxRate
		if d.smoothed > 0 {
			d.rate = min(max(float64(b.cfg.PerMinute)/d.smoothed, b.cfg.MinRate), b.cfg.MaxRate)
		}
		d.gauge.Set(d.rate)
		d.start, d.count = now, 0
	}
	d.count++
	return d.rate
}
