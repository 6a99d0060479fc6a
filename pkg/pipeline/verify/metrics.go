package verify

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// fixReason is why the quality check changed or removed an item.
type fixReason uint8

const (
	fixNaN fixReason = iota
	fixNegativeDelta
	fixNameTooLong
	fixValueTooLong
	fixArrayTooLong
	fixTooManyAttrs
	fixTooOld
	fixTooNew
	fixLogTimeSet
	fixTooDeep
	numReasons
)

var reasonNames = [numReasons]string{"nan", "negative_delta", "name_too_long", "value_too_long", "array_too_long",
	"too_many_attributes", "too_old", "too_new", "log_time_set", "too_deep"}

// metrics holds the verifier's domain counters; the chain already counts
// items in, out and dropped per stage.
type metrics struct {
	pii   [numTypes]prometheus.Counter
	fixes [numReasons]prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, actions [numTypes]Action) (*metrics, error) {
	pii := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "verify", Name: "pii_found_total",
		Help: "Values recognised as personal data or secrets, by type and the action taken."}, []string{"type", "action"})
	fixes := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "verify", Name: "fixes_total",
		Help: "Quality fixes (truncations, trims, timestamp fixes) and quality drops, by reason."}, []string{"reason"})
	if reg != nil {
		var err error
		if pii, err = register(reg, pii); err != nil {
			return nil, err
		}
		if fixes, err = register(reg, fixes); err != nil {
			return nil, err
		}
	}
	m := &metrics{}
	for t := range numTypes {
		if actions[t] != ActionOff {
			m.pii[t] = pii.WithLabelValues(typeNames[t], string(actions[t]))
		}
	}
	for r := range numReasons {
		m.fixes[r] = fixes.WithLabelValues(reasonNames[r])
	}
	return m, nil
}

func (m *metrics) fix(r fixReason) { m.fixes[r].Inc() }

// register adds c to reg, or returns the collector already there: a config
// reload builds a new Verifier on the same registry, and its counters must
// continue, not fail.
func register(reg prometheus.Registerer, c *prometheus.CounterVec) (*prometheus.CounterVec, error) {
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	switch {
	case err == nil:
		return c, nil
	case errors.As(err, &are):
		if old, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return old, nil
		}
	}
	return nil, err
}
