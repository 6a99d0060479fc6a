package dbbreaker

import (
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHostile: the checks of every stage that reads sender values
// (dbkeytest.RunHostile).
func TestHostile(t *testing.T) { dbkeytest.RunHostile(t, newHostileStage) }

// newHostileStage builds the stage as the gateway does, on reg (nil: none).
func newHostileStage(t *testing.T, reg prometheus.Registerer) *Breaker {
	t.Helper()
	cfg := DefaultConfig()
	cfg.VolumePerMinute = 1 // trips: the state metric and an event per source
	s, err := New(cfg, reg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
