package plans

import "bytes"

// pgShapeKeys are the PostgreSQL plan node fields that make up a plan's
// shape, in the fixed order they are hashed (JSON key order does not
// matter). Everything else — costs, rows, widths, timings, buffers, and
// every expression (Filter, Index Cond, Sort Key...) because expressions
// carry literals — stays out of the hash. "Schema" is left out as well:
// only VERBOSE prints it, and VERBOSE does not change the plan.
var pgShapeKeys = [...]string{
	"Node Type", "Parent Relationship", "Subplan Name", "Join Type", "Strategy",
	"Partial Mode", "Operation", "Command", "Scan Direction", "Relation Name",
	"Alias", "Index Name", "CTE Name", "Function Name", "Parallel Aware",
}

// Indexes into pgShapeKeys.
const (
	pgNodeType = 0
	pgRelation = 9
)

func pgShapeSlot(key []byte) int {
	for i, k := range pgShapeKeys {
		if string(key) == k {
			return i
		}
	}
	return -1
}

// pgWalker reads PostgreSQL EXPLAIN (FORMAT JSON) output.
type pgWalker struct {
	l        *lexer
	s        *summary
	children []uint64 // hashes of finished nodes whose parent is still open
	roots    int      // how many statement plans were read
}

// root reads a top-level plan node; its totals are the query's totals.
func (w *pgWalker) root() {
	n := w.node(1)
	w.roots++
	if w.roots > 1 {
		return // a rule can expand one statement into several plans
	}
	s := w.s
	s.totalCost, s.hasTotalCost = n.totalCost, n.has&hasCost != 0
	s.rows, s.hasRows = n.planRows, n.has&hasPlanRows != 0
	if n.has&hasActual != 0 {
		s.analyzed, s.knowsSpill = true, true
		s.actualTimeMs, s.hasActualTime = n.actualTime, true
		s.actualRows, s.hasActualRows = n.actualRows, true
	}
	if n.has&hasBuffers != 0 {
		s.hasBuffers = true
		s.sharedHit, s.sharedRead, s.tempBlocks = n.sharedHit, n.sharedRead, n.tempBlocks
	}
}

func (w *pgWalker) finish() {
	w.s.system = systemPostgreSQL
	h := fnvOffset
	for _, c := range w.children {
		h = h.u64(c)
	}
	w.s.hash = uint64(h)
}

const (
	hasCost = 1 << iota
	hasPlanRows
	hasActual
	hasBuffers
)

type pgNode struct {
	shape                             [len(pgShapeKeys)][]byte
	has                               int
	totalCost, planRows               float64
	actualTime, actualRows, loops     float64
	sharedHit, sharedRead, tempBlocks float64
}

// node reads one plan node at the given tree depth, adds it to the summary
// and pushes its shape hash onto w.children.
func (w *pgWalker) node(depth int) pgNode {
	l, s := w.l, w.s
	var n pgNode
	first := len(w.children)
	l.object(func(key []byte) {
		if i := pgShapeSlot(key); i >= 0 {
			if l.peek() == '"' {
				n.shape[i] = l.str()
			} else if l.boolean() {
				n.shape[i] = []byte("true")
			}
			return
		}
		var v float64
		var ok bool
		switch string(key) {
		case "Plans":
			l.array(func() { w.node(depth + 1) })
		case "Workers":
			l.array(w.worker)
		case "Sort Method", "Sort Space Type":
			w.sortField()
		case "Total Cost":
			if n.totalCost, ok = l.num(); ok {
				n.has |= hasCost
			}
		case "Plan Rows":
			if n.planRows, ok = l.num(); ok {
				n.has |= hasPlanRows
			}
		case "Actual Total Time":
			n.actualTime, _ = l.num()
		case "Actual Rows":
			n.actualRows, _ = l.num()
		case "Actual Loops":
			if n.loops, ok = l.num(); ok {
				n.has |= hasActual
			}
		case "Shared Hit Blocks":
			n.sharedHit, _ = l.num()
			n.has |= hasBuffers
		case "Shared Read Blocks":
			n.sharedRead, _ = l.num()
		case "Temp Read Blocks", "Temp Written Blocks":
			v, _ = l.num()
			n.tempBlocks += v
		default:
			l.skip()
		}
	})
	if l.err != nil {
		return n
	}
	s.nodeCount++
	s.depth = max(s.depth, depth)
	typ := n.shape[pgNodeType]
	s.nodeTypes = addUnique(s.nodeTypes, typ)
	switch {
	case bytes.Equal(typ, []byte("Seq Scan")):
		if rel := n.shape[pgRelation]; rel != nil {
			s.seqScans = addUnique(s.seqScans, rel)
		}
	case bytes.Equal(typ, []byte("Nested Loop")):
		s.hasNestedLoop = true
	}
	// Row estimates are per loop on both sides; a node never executed
	// (loops 0) says nothing about the estimate.
	if n.has&hasActual != 0 {
		s.analyzed = true
		if n.loops > 0 && n.has&hasPlanRows != 0 {
			s.maxEstimateError = max(s.maxEstimateError, estimateError(n.planRows, n.actualRows))
		}
	}
	h := fnvOffset
	for _, f := range n.shape {
		h = h.bytes(f)
	}
	for _, c := range w.children[first:] {
		h = h.u64(c)
	}
	w.children = append(w.children[:first], uint64(h))
	return n
}

// worker reads one entry of a parallel node's "Workers" list: only its
// sort outcome matters, because every other figure is already summed into
// the node itself.
func (w *pgWalker) worker() {
	w.l.object(func(key []byte) {
		switch string(key) {
		case "Sort Method", "Sort Space Type":
			w.sortField()
		default:
			w.l.skip()
		}
	})
}

// sortField notes an external sort: "Sort Method": "external merge" /
// "external sort", or "Sort Space Type": "Disk".
func (w *pgWalker) sortField() {
	if w.l.peek() != '"' {
		w.l.skip()
		return
	}
	v := w.l.str()
	if bytes.HasPrefix(v, []byte("external")) || bytes.Equal(v, []byte("Disk")) {
		w.s.sortSpill = true
	}
}

// estimateError is how far off the planner was, as a factor >= 1 in
// either direction. Both sides are floored at one row, as PostgreSQL
// itself never plans for fewer than one row.
func estimateError(planned, actual float64) float64 {
	planned, actual = max(planned, 1), max(actual, 1)
	return max(planned/actual, actual/planned)
}
