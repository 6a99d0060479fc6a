package forward

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Target is one backend of a fan-out: a name (the `backend` label of its
// self-metrics) and its own forwarder configuration, inline.
type Target struct {
	Name   string `yaml:"name"`
	Config `yaml:",inline"`
}

// ValidateTargets checks a fan-out list: names unique and set, each config
// valid, durable queues in distinct directories.
func ValidateTargets(ts []Target) error {
	var p config.Problems
	names, dirs := map[string]bool{}, map[string]bool{}
	for i, t := range ts {
		path := fmt.Sprintf("[%d]", i)
		switch {
		case t.Name == "":
			p.Add(path+".name", "must be set")
		case names[t.Name]:
			p.Add(path+".name", "duplicate backend name %q", t.Name)
		}
		names[t.Name] = true
		if d := t.Queue.Dir; d != "" {
			if dirs[d] {
				p.Add(path+".queue.dir", "shared with another backend; each needs its own")
			}
			dirs[d] = true
		}
		p.Merge(path, t.Validate())
	}
	return p.Err()
}

// Fanout sends every batch to several backends, each through its own
// forwarder and queue, so a slow or failing backend does not hold the
// others. A batch is accepted when at least one backend queued it; a
// backend whose queue refused it loses its copy, counted in
// dbintel_forward_fanout_items_dropped_total{backend}, rather than making
// the sender retry and duplicate the data at every healthy backend.
type Fanout struct {
	names   []string
	fs      []*Forwarder
	dropped []prometheus.Counter
}

// NewFanout builds one forwarder per target; their self-metrics carry a
// `backend` label. reg may be nil.
func NewFanout(ts []Target, reg prometheus.Registerer, log *slog.Logger) (*Fanout, error) {
	if err := ValidateTargets(ts); err != nil {
		return nil, fmt.Errorf("forward: invalid fan-out:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "dbintel", Subsystem: "forward", Name: "fanout_items_dropped_total",
		Help: "Items a backend missed because its queue refused them while another backend accepted the batch."}, []string{"backend"})
	if reg != nil {
		if err := reg.Register(dropped); err != nil {
			return nil, fmt.Errorf("forward: register self-metrics: %w", err)
		}
	}
	fo := &Fanout{}
	for _, t := range ts {
		var r prometheus.Registerer
		if reg != nil {
			r = prometheus.WrapRegistererWith(prometheus.Labels{"backend": t.Name}, reg)
		}
		f, err := New(t.Config, r, log.With("backend", t.Name))
		if err != nil {
			return nil, errors.Join(fmt.Errorf("backend %s: %w", t.Name, err), fo.Shutdown(context.Background()))
		}
		fo.names = append(fo.names, t.Name)
		fo.fs = append(fo.fs, f)
		fo.dropped = append(fo.dropped, dropped.WithLabelValues(t.Name))
	}
	return fo, nil
}

// Start starts every backend's workers.
func (fo *Fanout) Start(ctx context.Context) error {
	for _, f := range fo.fs {
		if err := f.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Consume hands b to every backend. No copy is needed: a forwarder only
// reads the batch, to encode it into its own queue.
func (fo *Fanout) Consume(ctx context.Context, b pipeline.Batch) error {
	errs := make([]error, len(fo.fs))
	missed := make([]int, len(fo.fs))
	accepted := false
	n := b.Counts().Total()
	for i, f := range fo.fs {
		if errs[i] = f.Consume(ctx, b); errs[i] == nil {
			accepted = true
		} else {
			missed[i] = n
		}
	}
	if !accepted {
		// Nobody took it: the sender keeps it and retries, nothing is lost.
		return errs[0]
	}
	for i, n := range missed {
		if n > 0 {
			fo.dropped[i].Add(float64(n))
		}
	}
	return nil
}

// Admit refuses only when every backend's queue would refuse: Consume
// accepts a batch that one backend takes.
func (fo *Fanout) Admit() error {
	var first error
	for _, f := range fo.fs {
		err := f.Admit()
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return first
}

// Ready reports every backend that is not ready.
func (fo *Fanout) Ready() error {
	var errs []error
	for i, f := range fo.fs {
		if err := f.Ready(); err != nil {
			errs = append(errs, fmt.Errorf("backend %s: %w", fo.names[i], err))
		}
	}
	return errors.Join(errs...)
}

// SetFailureObserver registers o with every backend.
func (fo *Fanout) SetFailureObserver(o FailureObserver) {
	for _, f := range fo.fs {
		f.SetFailureObserver(o)
	}
}

// Shutdown stops every backend in parallel under the same deadline.
func (fo *Fanout) Shutdown(ctx context.Context) error {
	errs := make([]error, len(fo.fs))
	var wg sync.WaitGroup
	for i, f := range fo.fs {
		wg.Go(func() { errs[i] = f.Shutdown(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// MarshalYAML keeps the name next to the inline config; without it the
// config's own MarshalYAML, promoted, would print the config alone.
func (t Target) MarshalYAML() (any, error) {
	type plainConfig Config
	c := plainConfig(t.Config)
	c.Endpoint = config.RedactURL(c.Endpoint)
	return struct {
		Name        string `yaml:"name"`
		plainConfig `yaml:",inline"`
	}{t.Name, c}, nil
}

// UnmarshalYAML starts each list entry from DefaultConfig, as the single
// `forward:` block does. (The func-style unmarshaler keeps the caller's
// strict decoding, so unknown keys stay errors.)
func (t *Target) UnmarshalYAML(unmarshal func(any) error) error {
	type plain Target
	p := plain{Config: DefaultConfig()}
	if err := unmarshal(&p); err != nil {
		return err
	}
	*t = Target(p)
	return nil
}
