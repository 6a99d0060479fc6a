package plans

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/dbintel/dbintel/pkg/contract"
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
	a.Remove(contract.AttrPlanError) // a record processed again after a fix
	hash := hashHex(s.hash)
	a.PutStr(contract.AttrPlanHash, hash)
	a.PutStr(contract.AttrPlanSystem, s.system)
	if s.hasTotalCost {
		a.PutDouble(contract.AttrPlanTotalCost, s.totalCost)
	}
	if s.hasRows {
		a.PutInt(contract.AttrPlanRows, int64(s.rows+0.5))
	}
	a.PutInt(contract.AttrPlanNodeCount, int64(s.nodeCount))
	a.PutInt(contract.AttrPlanDepth, int64(s.depth))
	putStrings(a, contract.AttrPlanNodeTypes, s.nodeTypes)
	a.PutBool(contract.AttrPlanHasSeqScan, len(s.seqScans) > 0)
	putStrings(a, contract.AttrPlanSeqScanRels, s.seqScans)
	a.PutBool(contract.AttrPlanHasNestedLoop, s.hasNestedLoop)
	if !s.analyzed {
		return hash
	}
	if s.knowsSpill {
		a.PutBool(contract.AttrPlanHasSortSpill, s.sortSpill)
	}
	if s.hasActualTime {
		a.PutDouble(contract.AttrPlanActualTime, s.actualTimeMs/1000)
	}
	if s.hasActualRows {
		a.PutInt(contract.AttrPlanActualRows, int64(s.actualRows+0.5))
	}
	if s.hasBuffers {
		a.PutInt(contract.AttrPlanSharedHit, int64(s.sharedHit))
		a.PutInt(contract.AttrPlanSharedRead, int64(s.sharedRead))
		a.PutInt(contract.AttrPlanTempBlocks, int64(s.tempBlocks))
	}
	if s.maxEstimateError > 0 {
		a.PutDouble(contract.AttrPlanEstimateError, s.maxEstimateError)
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
