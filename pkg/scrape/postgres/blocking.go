package postgres

import (
	"slices"
	"sort"
)

// chainNode is one session of a blocking chain.
type chainNode struct {
	s     session
	depth int // 0 = root blocker
}

// blockingChains groups the sessions of one sample into blocking trees,
// each listed root blocker first, then breadth-first by who waits on whom.
// A blocker missing from the sample (a prepared transaction, or a session
// that ended) becomes a root with only its pid known. Sessions that wait on
// each other in a cycle (a deadlock about to be broken) form a chain rooted
// at their lowest pid.
func blockingChains(sample []session) [][]chainNode {
	if !slices.ContainsFunc(sample, func(s session) bool { return len(s.blockedBy) > 0 }) {
		return nil // the usual case, without a map of every session each second
	}
	byPID := make(map[int32]session, len(sample))
	waiters := map[int32][]int32{} // blocker -> sessions it blocks
	var waiting []int32
	for _, s := range sample {
		byPID[s.pid] = s
		if len(s.blockedBy) == 0 {
			continue
		}
		waiting = append(waiting, s.pid)
		for _, b := range s.blockedBy {
			waiters[b] = append(waiters[b], s.pid)
		}
	}
	if len(waiting) == 0 {
		return nil
	}
	var roots []int32
	for b := range waiters {
		if s, ok := byPID[b]; !ok || len(s.blockedBy) == 0 {
			roots = append(roots, b)
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i] < roots[j] })
	reached := map[int32]bool{}
	var chains [][]chainNode
	walk := func(root int32) {
		s, ok := byPID[root]
		if !ok {
			s = session{pid: root}
		}
		chain := []chainNode{{s: s}}
		// Per chain: a session waiting on two roots appears in both chains.
		visited := map[int32]bool{root: true}
		reached[root] = true
		for i := 0; i < len(chain); i++ {
			next := append([]int32(nil), waiters[chain[i].s.pid]...)
			sort.Slice(next, func(a, b int) bool { return next[a] < next[b] })
			for _, w := range next {
				if !visited[w] {
					visited[w], reached[w] = true, true
					chain = append(chain, chainNode{s: byPID[w], depth: chain[i].depth + 1})
				}
			}
		}
		chains = append(chains, chain)
	}
	for _, r := range roots {
		walk(r)
	}
	sort.Slice(waiting, func(i, j int) bool { return waiting[i] < waiting[j] })
	for _, w := range waiting { // left over: cycles
		if !reached[w] {
			walk(w)
		}
	}
	return chains
}

// chainMaxWait is the longest lock wait in a chain, in seconds. ok is false
// when no session's wait start is known (pg_locks.waitstart is new in 14):
// an unknown wait is left out, not sent as 0.
func chainMaxWait(chain []chainNode) (secs float64, ok bool) {
	for _, n := range chain {
		if n.s.waitStart != nil {
			secs, ok = max(secs, n.s.now.Sub(*n.s.waitStart).Seconds()), true
		}
	}
	return secs, ok
}
