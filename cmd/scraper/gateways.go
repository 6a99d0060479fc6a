package main

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/forward"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/prometheus/client_golang/prometheus"
)

// gateways is the scraper's way to the gateway(s): one forwarder, or one
// per gateway with each database routed by rendezvous hashing.
type gateways struct {
	fwds []*forward.Forwarder
	ring *forward.Rendezvous
}

func newGateways(cfg Config, reg prometheus.Registerer, log *slog.Logger) (*gateways, error) {
	if len(cfg.Gateways) == 0 {
		f, err := forward.New(cfg.Forward, reg, log)
		if err != nil {
			return nil, err
		}
		return &gateways{fwds: []*forward.Forwarder{f}}, nil
	}
	g := &gateways{}
	for _, ep := range cfg.Gateways {
		fc := cfg.Forward
		fc.Endpoint = ep
		if fc.Queue.Dir != "" {
			// One durable queue (and directory lock) per gateway.
			fc.Queue.Dir = filepath.Join(fc.Queue.Dir, queueDirName(ep))
		}
		shown := config.RedactURL(ep)
		f, err := forward.New(fc, prometheus.WrapRegistererWith(prometheus.Labels{"gateway": shown}, reg), log.With("gateway", shown))
		if err != nil {
			return nil, errors.Join(err, g.Shutdown(context.Background()))
		}
		g.fwds = append(g.fwds, f)
	}
	ring, err := forward.NewRendezvous(cfg.Gateways, g.fwds)
	if err != nil {
		return nil, errors.Join(err, g.Shutdown(context.Background()))
	}
	g.ring = ring
	return g, nil
}

// queueDirName turns an endpoint into a directory name.
func queueDirName(endpoint string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, endpoint)
}

// For returns the consumer for one database server, keyed by its stable
// service.instance.id so it keeps its gateway across restarts.
func (g *gateways) For(instanceID string) pipeline.Consumer {
	if g.ring == nil {
		return g.fwds[0]
	}
	return g.ring.For(instanceID)
}

func (g *gateways) Start(ctx context.Context) error {
	for _, f := range g.fwds {
		if err := f.Start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Ready is nil while at least one gateway takes data.
func (g *gateways) Ready() error {
	var errs []error
	for _, f := range g.fwds {
		if err := f.Ready(); err == nil {
			return nil
		} else {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (g *gateways) Shutdown(ctx context.Context) error {
	var errs []error
	for _, f := range g.fwds {
		errs = append(errs, f.Shutdown(ctx))
	}
	return errors.Join(errs...)
}
