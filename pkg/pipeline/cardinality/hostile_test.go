package cardinality

import (
	"context"
	"testing"

	"github.com/dbintel/dbintel/pkg/pipeline/dbkey/dbkeytest"
	"github.com/prometheus/client_golang/prometheus"
)

// TestHostileIdentity: invalid UTF-8 in every identity attribute, query id
// and attribute must neither panic (a Prometheus label value of it does)
// nor reach a self-metric label.
func TestHostileIdentity(t *testing.T) {
	reg := prometheus.NewRegistry()
	cfg := DefaultConfig()
	cfg.MaxSeriesPerMetric = 1
	s, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Process(context.Background(), dbkeytest.Hostile(3, dbkeytest.Invalid)); err != nil {
			t.Fatal(err)
		}
	}
	dbkeytest.CheckLabels(t, reg, 1000)
}
