package plans

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/dbintel/dbintel/pkg/contract"
)

// Systems as they appear in the plans_parsed_total{system} label.
const (
	systemPostgreSQL = contract.SystemPostgreSQL
	systemMySQL      = contract.SystemMySQL // MySQL 8 and MariaDB share one format family
)

// limits bound the work spent on one plan.
type limits struct {
	maxBytes int
	maxDepth int
}

// summary is what one plan says, ready to become attributes.
type summary struct {
	system    string
	hash      uint64
	nodeCount int
	depth     int
	nodeTypes [][]byte // deduplicated, unsorted until finish
	seqScans  [][]byte // relations read by a full scan, deduplicated

	totalCost, rows       float64
	hasTotalCost, hasRows bool
	hasNestedLoop         bool

	// Execution figures, only in EXPLAIN ANALYZE, auto_explain with
	// log_analyze and MariaDB ANALYZE plans. knowsSpill: the format reports
	// sort methods at all (PostgreSQL does, MySQL-family plans do not).
	analyzed         bool
	knowsSpill       bool
	sortSpill        bool
	hasActualTime    bool
	actualTimeMs     float64
	hasActualRows    bool
	actualRows       float64
	maxEstimateError float64
	hasBuffers       bool
	sharedHit        float64
	sharedRead       float64
	tempBlocks       float64
}

func addUnique(set [][]byte, v []byte) [][]byte {
	for _, s := range set {
		if bytes.Equal(s, v) {
			return set
		}
	}
	return append(set, v)
}

func sortedStrings(set [][]byte) []string {
	out := make([]string, len(set))
	for i, s := range set {
		// Attribute values must be valid UTF-8 to survive protobuf.
		out[i] = strings.ToValidUTF8(string(s), "\uFFFD")
	}
	slices.Sort(out)
	return out
}

var (
	errTooLarge = errors.New("plan exceeds max_plan_bytes")
	errNotAPlan = errors.New("JSON holds no PostgreSQL or MySQL plan")
)

// extract parses one plan in a single pass. data is the body as received:
// bare EXPLAIN JSON (PostgreSQL array or object, MySQL/MariaDB object), an
// auto_explain message ("duration: 1.2 ms  plan:\n{...}", possibly behind
// a stderr log line prefix), or a whole PostgreSQL jsonlog or csvlog line
// whose message holds such a message.
func extract(data []byte, lim limits) (*summary, error) {
	if len(data) > lim.maxBytes {
		return nil, errTooLarge
	}
	if msg, ok := csvMessage(data); ok {
		return extract(msg, lim)
	}
	data = unwrap(data)
	l := &lexer{data: data, maxDepth: lim.maxDepth}
	s := &summary{}
	var pg *pgWalker
	var my *myWalker
	var message []byte
	member := func(key []byte) {
		switch string(key) {
		case "Plan":
			if pg == nil {
				pg = &pgWalker{l: l, s: s}
			}
			pg.root()
		case "query_block":
			if my == nil {
				my = &myWalker{l: l, s: s}
			}
			my.root()
		case "message":
			if l.peek() == '"' {
				message = l.str()
			} else {
				l.skip()
			}
		default:
			l.skip() // PostgreSQL: Planning, Triggers, Execution Time, Query Text...
		}
	}
	switch l.peek() {
	case '[':
		// PostgreSQL EXPLAIN prints an array of statements; New Relic's
		// MySQL receiver wraps its plan object in one too.
		l.array(func() { l.object(member) })
	case '{':
		l.object(member)
	default:
		return nil, errParse
	}
	switch {
	case l.err != nil:
	case pg != nil && my == nil:
		pg.finish()
	case my != nil && pg == nil:
		my.finish()
	case pg == nil && my == nil && message != nil && bytes.Contains(message, wrapperMarker):
		return extract(message, lim) // jsonlog line: the plan is in the message
	default:
		return nil, errNotAPlan
	}
	if l.err != nil {
		return nil, l.err
	}
	if l.peek() != 0 {
		return nil, errParse // trailing garbage
	}
	if s.nodeCount == 0 {
		return nil, errNotAPlan
	}
	return s, nil
}

// fnv64 is FNV-1a, inlined so hashing a node costs no allocation.
type fnv64 uint64

const (
	fnvOffset fnv64 = 14695981039346656037
	fnvPrime  fnv64 = 1099511628211
)

func (h fnv64) bytes(b []byte) fnv64 {
	for _, c := range b {
		h ^= fnv64(c)
		h *= fnvPrime
	}
	// A terminator keeps ("ab","c") apart from ("a","bc").
	h ^= 0xff
	h *= fnvPrime
	return h
}

func (h fnv64) u64(v uint64) fnv64 {
	for i := 0; i < 8; i++ {
		h ^= fnv64(byte(v >> (8 * i)))
		h *= fnvPrime
	}
	return h
}
