package cardinality

import (
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHostile: the checks of every stage that reads sender values
// (dbkeytest.RunHostile).
func TestHostile(t *testing.T) { dbkeytest.RunHostile(t, newHostileStage) }

// newHostileStage builds the stage as the gateway does, on reg (nil: none).
func newHostileStage(t *testing.T, reg prometheus.Registerer) *Limiter {
	t.Helper()
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 1
	s, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
