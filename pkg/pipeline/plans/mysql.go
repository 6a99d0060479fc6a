package plans

import "bytes"

// myNodeKey reports the MySQL 8 / MariaDB EXPLAIN FORMAT=JSON keys whose
// object (or array, for nested_loop and the *subqueries lists) is one step
// of the plan. Any other object or array (cost_info, the wrappers inside
// subquery lists, query_specifications, windows...) is transparent: its
// fields belong to the enclosing step.
func myNodeKey(key []byte) bool {
	switch string(key) {
	case "query_block", "table", "nested_loop", "ordering_operation", "grouping_operation",
		"duplicates_removal", "windowing", "union_result", "materialized_from_subquery",
		"buffer_result", "filesort", "temporary_table", "read_sorted_file", "block-nl-join",
		"materialized", "subqueries", "attached_subqueries", "optimized_away_subqueries",
		"select_list_subqueries", "having_subqueries", "order_by_subqueries", "group_by_subqueries",
		"update_value_subqueries":
		return true
	}
	return false
}

// myShapeKeys are the fields hashed for a step, after the step's own key.
// Row estimates, costs, filtered, conditions and possible_keys are not
// shape.
var myShapeKeys = [...]string{
	"table_name", "access_type", "key", "using_index", "using_filesort",
	"using_temporary_table", "using_join_buffer", "join_type", "dependent",
}

// Indexes into myShapeKeys.
const (
	myTable  = 0
	myAccess = 1
)

func myShapeSlot(key []byte) int {
	for i, k := range myShapeKeys {
		if string(key) == k {
			return i
		}
	}
	return -1
}

// myWalker reads MySQL 8 and MariaDB EXPLAIN FORMAT=JSON output.
type myWalker struct {
	l        *lexer
	s        *summary
	children []uint64
	blocks   int // query blocks opened so far; block 1 is the statement itself

	// Root-block row estimate: MySQL's rows_produced_per_join is already
	// cumulative over the join prefix, so the last one is the answer;
	// MariaDB only has per-scan rows and filtered, so they multiply.
	lastProduced  float64
	hasProduced   bool
	rowProduct    float64
	hasRowProduct bool
	rootTime      float64
	hasRootTime   bool
}

type myNode struct {
	kind                 []byte
	shape                [len(myShapeKeys)][]byte
	block                int
	produced, rows       float64
	filtered             float64
	rRows, rLoops        float64
	hasProduced, hasRows bool
	hasRRows             bool
}

func (w *myWalker) root() {
	w.node([]byte("query_block"), 1, 0)
}

func (w *myWalker) finish() {
	s := w.s
	s.system = systemMySQL
	h := fnvOffset
	for _, c := range w.children {
		h = h.u64(c)
	}
	s.hash = uint64(h)
	switch {
	case w.hasProduced:
		s.rows, s.hasRows = w.lastProduced, true
	case w.hasRowProduct:
		s.rows, s.hasRows = w.rowProduct, true
	}
	if w.hasRootTime {
		s.actualTimeMs, s.hasActualTime = w.rootTime, true
	}
}

// node reads one step (an object, or the nested_loop array) introduced by
// kind, at plan depth depth, inside query block block.
func (w *myWalker) node(kind []byte, depth, block int) {
	l, s := w.l, w.s
	n := myNode{kind: kind, block: block, filtered: 100}
	if string(kind) == "query_block" {
		w.blocks++
		n.block = w.blocks
	}
	first := len(w.children)
	if l.peek() == '[' {
		w.transparent(&n, depth)
	} else {
		l.object(func(key []byte) { w.member(&n, key, depth) })
	}
	if l.err != nil {
		return
	}
	s.nodeCount++
	s.depth = max(s.depth, depth)
	w.account(&n)
	h := fnvOffset.bytes(n.kind)
	for _, f := range n.shape {
		h = h.bytes(f)
	}
	for _, c := range w.children[first:] {
		h = h.u64(c)
	}
	w.children = append(w.children[:first], uint64(h))
}

// member handles one key of a step or of a transparent object inside it.
func (w *myWalker) member(n *myNode, key []byte, depth int) {
	l := w.l
	if myNodeKey(key) {
		w.node(key, depth+1, n.block)
		return
	}
	if i := myShapeSlot(key); i >= 0 {
		switch l.peek() {
		case '"':
			n.shape[i] = l.str()
		case 't', 'f':
			if l.boolean() {
				n.shape[i] = []byte("true")
			}
		default:
			l.skip()
		}
		return
	}
	switch string(key) {
	case "query_cost":
		if string(n.kind) == "query_block" && n.block == 1 {
			w.s.totalCost, w.s.hasTotalCost = l.num()
		} else {
			l.skip()
		}
	case "cost": // MariaDB 11: the block's cost at the block's top level
		if string(n.kind) == "query_block" && n.block == 1 && !w.s.hasTotalCost {
			w.s.totalCost, w.s.hasTotalCost = l.num()
		} else {
			l.skip()
		}
	case "rows_produced_per_join":
		n.produced, n.hasProduced = l.num()
	case "rows":
		n.rows, n.hasRows = l.num()
	case "filtered":
		if v, ok := l.num(); ok {
			n.filtered = v
		}
	case "r_rows": // MariaDB ANALYZE FORMAT=JSON
		n.rRows, n.hasRRows = l.num()
	case "r_loops":
		n.rLoops, _ = l.num()
	case "r_total_time_ms":
		if v, ok := l.num(); ok && string(n.kind) == "query_block" && n.block == 1 {
			w.rootTime, w.hasRootTime = v, true
		}
	default:
		w.transparent(n, depth)
	}
}

// transparent walks a value that is not a step itself, attributing what it
// holds to n.
func (w *myWalker) transparent(n *myNode, depth int) {
	l := w.l
	switch l.peek() {
	case '{':
		l.object(func(key []byte) { w.member(n, key, depth) })
	case '[':
		l.array(func() { w.transparent(n, depth) })
	default:
		l.skip()
	}
}

// account adds a finished step to the summary.
func (w *myWalker) account(n *myNode) {
	s := w.s
	if string(n.kind) != "table" {
		s.nodeTypes = addUnique(s.nodeTypes, n.kind)
		if string(n.kind) == "nested_loop" || string(n.kind) == "block-nl-join" {
			s.hasNestedLoop = true
		}
		return
	}
	access := n.shape[myAccess]
	s.nodeTypes = addUnique(s.nodeTypes, append([]byte("table:"), access...))
	if (bytes.Equal(access, []byte("ALL")) || bytes.Equal(access, []byte("hash_ALL"))) && n.shape[myTable] != nil {
		s.seqScans = addUnique(s.seqScans, n.shape[myTable])
	}
	if n.hasRRows {
		s.analyzed = true
		if n.rLoops > 0 && n.hasRows {
			s.maxEstimateError = max(s.maxEstimateError, estimateError(n.rows, n.rRows))
		}
	}
	if n.block != 1 {
		return
	}
	if n.hasProduced {
		w.lastProduced, w.hasProduced = n.produced, true
	}
	if n.hasRows {
		if !w.hasRowProduct {
			w.rowProduct, w.hasRowProduct = 1, true
		}
		w.rowProduct *= n.rows * n.filtered / 100
	}
}
