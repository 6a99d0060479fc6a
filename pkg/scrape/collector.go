package scrape

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Collector reads one kind of data from a database server. Collect is never
// called concurrently with itself; it returns the batch to send (empty is
// fine) built with the target's resource attributes.
type Collector interface {
	Name() string
	Interval() time.Duration
	Collect(ctx context.Context, now time.Time) (pipeline.Batch, error)
}

// Baseliner is implemented by collectors whose first Collect only records a
// baseline (delta counters). Once collects them twice so a one-shot run
// still shows real deltas.
type Baseliner interface {
	NeedsBaseline() bool
}

// DisabledError means a collector cannot run on this server (missing
// extension or privilege). The scheduler switches the collector off with
// one log line naming Fix, sets dbintel_scrape_collector_enabled to 0, and
// tries again after Config.RecheckInterval. It never trips the breaker.
type DisabledError struct {
	Reason string // what is missing
	Fix    string // what the DBA should do
}

func (e *DisabledError) Error() string { return fmt.Sprintf("%s (fix: %s)", e.Reason, e.Fix) }

// Disabled returns a DisabledError.
func Disabled(reason, fix string) error { return &DisabledError{Reason: reason, Fix: fix} }

// IsDisabled reports whether err is, or wraps, a DisabledError.
func IsDisabled(err error) bool {
	var d *DisabledError
	return errors.As(err, &d)
}
