package contract

// Attributes the gateway's plan extractor adds to a record that carries a
// plan, and those of the db.server.plan_change event it emits. dbintel's
// own: nothing in New Relic reads a plan's structure under another name.
//
// mysql.query_plan.hash (MySQLQueryPlanHash) is not one of them: in
// nrmysqlreceiver's output it holds the statement digest, the key that
// joins a plan event to its top_query event, not a hash of the plan. The
// gateway leaves it as the sender wrote it and puts the structural hash in
// AttrPlanHash.
const (
	AttrPlanHash          = "db.query.plan.hash" // structural: node types, relations, indexes, join order
	AttrPlanSystem        = "db.query.plan.system"
	AttrPlanTotalCost     = "db.query.plan.total_cost"
	AttrPlanRows          = "db.query.plan.rows"
	AttrPlanNodeCount     = "db.query.plan.node_count"
	AttrPlanDepth         = "db.query.plan.depth"
	AttrPlanNodeTypes     = "db.query.plan.node_types"
	AttrPlanHasSeqScan    = "db.query.plan.has_seq_scan"
	AttrPlanSeqScanRels   = "db.query.plan.seq_scan_relations"
	AttrPlanHasSortSpill  = "db.query.plan.has_sort_spill"
	AttrPlanHasNestedLoop = "db.query.plan.has_nested_loop"
	AttrPlanActualTime    = "db.query.plan.actual_total_time_s"
	AttrPlanActualRows    = "db.query.plan.actual_rows"
	AttrPlanSharedHit     = "db.query.plan.shared_hit_blocks"
	AttrPlanSharedRead    = "db.query.plan.shared_read_blocks"
	AttrPlanTempBlocks    = "db.query.plan.temp_blocks"
	AttrPlanEstimateError = "db.query.plan.max_row_estimate_error"
	// AttrPlanError says why a plan was not summarised ("too_large", "parse").
	AttrPlanError = "db.query.plan.error"

	// On db.server.plan_change, next to AttrPlanHash and AttrPlanTotalCost
	// (the new plan's, named as on the plan record so the two join) and the
	// query id attribute the plan record carried.
	AttrPlanPreviousHash = "db.query.plan.previous_hash"
	AttrPlanPreviousCost = "db.query.plan.previous_total_cost"
)
