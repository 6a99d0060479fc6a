package forward

import (
	"context"
	"errors"
	"hash/fnv"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Rendezvous spreads sources over several forwarders, one per gateway, by
// rendezvous (highest-random-weight) hashing: a source's data goes to the
// gateway with the highest hash(source, gateway), so every gateway replica
// keeps the per-database state (deltas, breakers, plan hashes) of the
// databases it owns, and removing a gateway moves only its own sources.
// While a gateway's backend gate is open (it is down or refusing), new data
// of its sources goes to the next gateway in their order; what is already
// queued for it stays queued and is sent when it comes back.
type Rendezvous struct {
	names []string
	fwds  []*Forwarder
}

// NewRendezvous routes over fwds, named (e.g. by endpoint) for hashing.
// names must be unique and stable: they decide who owns which source.
func NewRendezvous(names []string, fwds []*Forwarder) (*Rendezvous, error) {
	if len(names) == 0 || len(names) != len(fwds) {
		return nil, errors.New("forward: rendezvous needs one name per forwarder, at least one")
	}
	return &Rendezvous{names: names, fwds: fwds}, nil
}

// Order returns the forwarder indexes for key, most preferred first.
func (r *Rendezvous) Order(key string) []int {
	order := make([]int, len(r.names))
	scores := make([]uint64, len(r.names))
	for i, n := range r.names {
		h := fnv.New64a()
		h.Write([]byte(key))
		h.Write([]byte{0})
		h.Write([]byte(n))
		scores[i] = h.Sum64()
		order[i] = i
	}
	// Insertion sort: a handful of gateways.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && scores[order[j]] > scores[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

// For returns the consumer for one source (e.g. its service.instance.id).
func (r *Rendezvous) For(key string) pipeline.Consumer {
	order := r.Order(key)
	return pipeline.ConsumerFunc(func(ctx context.Context, b pipeline.Batch) error {
		for _, i := range order {
			if r.fwds[i].Healthy() {
				return r.fwds[i].Consume(ctx, b)
			}
		}
		// Every gateway is down: queue at the owner, which holds the data
		// and retries; its queue bound still refuses when full.
		return r.fwds[order[0]].Consume(ctx, b)
	})
}
