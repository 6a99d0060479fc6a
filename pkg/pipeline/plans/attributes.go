package plans

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes written on plan records.
const (
	attrError          = "db.query.plan.error"
	attrRows           = "db.query.plan.rows"
	attrNodeCount      = "db.query.plan.node_count"
	attrDepth          = "db.query.plan.depth"
	attrNodeTypes      = "db.query.plan.node_types"
	attrHasSeqScan     = "db.query.plan.has_seq_scan"
	attrSeqScanRels    = "db.query.plan.seq_scan_relations"
	attrHasSortSpill   = "db.query.plan.has_sort_spill"
	attrHasNestedLoop  = "db.query.plan.has_nested_loop"
	attrActualTime     = "db.query.plan.actual_total_time_s"
	attrActualRows     = "db.query.plan.actual_rows"
	attrSharedHit      = "db.query.plan.shared_hit_blocks"
	attrSharedRead     = "db.query.plan.shared_read_blocks"
	attrTempBlocks     = "db.query.plan.temp_blocks"
	attrEstimateError  = "db.query.plan.max_row_estimate_error"
	attrPlanSystemName = "db.query.plan.system"
)

// hashHex renders a plan hash as 16 lowercase hex digits.
func hashHex(h uint64) string {
	s := strconv.FormatUint(h, 16)
	const zeros = "0000000000000000"
	return zeros[:16-len(s)] + s
}

// putSummary writes s onto a record's attributes and returns the hash as
// written. Figures a plan does not carry are left out rather than set to
// zero: a plain EXPLAIN has no actual time, MariaDB 10 has no cost, and
// only an executed plan can say whether a sort spilled.
func putSummary(a pcommon.Map, s *summary) string {
	a.Remove(attrError) // a record processed again after a fix
	hash := hashHex(s.hash)
	a.PutStr(attrHash, hash)
	a.PutStr(attrPlanSystemName, s.system)
	if s.hasTotalCost {
		a.PutDouble(attrTotalCost, s.totalCost)
	}
	if s.hasRows {
		a.PutInt(attrRows, int64(s.rows+0.5))
	}
	a.PutInt(attrNodeCount, int64(s.nodeCount))
	a.PutInt(attrDepth, int64(s.depth))
	putStrings(a, attrNodeTypes, s.nodeTypes)
	a.PutBool(attrHasSeqScan, len(s.seqScans) > 0)
	putStrings(a, attrSeqScanRels, s.seqScans)
	a.PutBool(attrHasNestedLoop, s.hasNestedLoop)
	if !s.analyzed {
		return hash
	}
	if s.knowsSpill {
		a.PutBool(attrHasSortSpill, s.sortSpill)
	}
	if s.hasActualTime {
		a.PutDouble(attrActualTime, s.actualTimeMs/1000)
	}
	if s.hasActualRows {
		a.PutInt(attrActualRows, int64(s.actualRows+0.5))
	}
	if s.hasBuffers {
		a.PutInt(attrSharedHit, int64(s.sharedHit))
		a.PutInt(attrSharedRead, int64(s.sharedRead))
		a.PutInt(attrTempBlocks, int64(s.tempBlocks))
	}
	if s.maxEstimateError > 0 {
		a.PutDouble(attrEstimateError, s.maxEstimateError)
	}
	return hash
}

func putStrings(a pcommon.Map, key string, set [][]byte) {
	sl := a.PutEmptySlice(key)
	sl.EnsureCapacity(len(set))
	for _, v := range sortedStrings(set) {
		sl.AppendEmpty().SetStr(v)
	}
}
