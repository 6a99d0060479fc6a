package main

import (
	"fmt"
	"time"

	"github.com/dbintel/dbintel/pkg/contract"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// request is one pre-marshalled OTLP export request, replayed as is so the
// generator spends its CPU on sending, not on encoding.
type request struct {
	body  []byte
	items int
}

// servers is how many database servers the variants spread over: the
// gateway keys breakers, budgets and cardinality by server.
const servers = 8

// build returns variants distinct requests of about items items each.
func build(signal string, variants, items int) ([]request, error) {
	now := time.Now()
	out := make([]request, 0, variants)
	for v := range variants {
		var body []byte
		var n int
		var err error
		switch signal {
		case "metrics":
			md := metrics(v, items, now)
			n = md.DataPointCount()
			body, err = pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
		case "logs":
			ld := logs(v, items, now)
			n = ld.LogRecordCount()
			body, err = plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
		case "traces":
			td := traces(v, items, now)
			n = td.SpanCount()
			body, err = ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		default:
			return nil, fmt.Errorf("unknown signal %q (metrics, logs or traces)", signal)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, request{body: body, items: n})
	}
	return out, nil
}

// serverResource sets the scraper's resource attributes of server v.
func serverResource(res pcommon.Resource, v int) {
	a := res.Attributes()
	host := fmt.Sprintf("pg-%d.db.internal", v%servers)
	a.PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
	a.PutStr(contract.AttrServerAddress, host)
	a.PutInt(contract.AttrServerPort, 5432)
	a.PutStr(contract.AttrServiceInstanceID, contract.Endpoint(host, 5432))
	a.PutStr(contract.AttrHostName, host)
	a.PutStr("deployment.environment.name", "load")
}

func scope(sm pcommon.InstrumentationScope) {
	sm.SetName(contract.ScopePostgreSQL)
	sm.SetVersion("load")
}

// metrics follows the scraper's layout: instance metrics on the server's
// resource, then per-database and per-table resources, until items points.
func metrics(v, items int, now time.Time) pmetric.Metrics {
	md := pmetric.NewMetrics()
	ts := pcommon.NewTimestampFromTime(now)
	start := pcommon.NewTimestampFromTime(now.Add(-time.Hour))
	n := 0
	add := func(ms pmetric.MetricSlice, name, unit string, attr string, values []string) {
		m := ms.AppendEmpty()
		m.SetName(name)
		m.SetUnit(unit)
		s := m.SetEmptySum()
		s.SetIsMonotonic(true)
		s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		for i, val := range values {
			dp := s.DataPoints().AppendEmpty()
			dp.SetStartTimestamp(start)
			dp.SetTimestamp(ts)
			dp.SetIntValue(int64(1000*v + 7*n + i))
			if attr != "" {
				dp.Attributes().PutStr(attr, val)
			}
			n++
		}
	}
	rm := md.ResourceMetrics().AppendEmpty()
	serverResource(rm.Resource(), v)
	sm := rm.ScopeMetrics().AppendEmpty()
	scope(sm.Scope())
	ms := sm.Metrics()
	add(ms, "postgresql.bgwriter.buffers.writes", "{buffers}", "source", []string{"backend", "bgwriter", "checkpoints", "backend_fsync"})
	add(ms, "postgresql.connection.max", "{connections}", "", []string{""})
	add(ms, "postgresql.wal.lag", "s", "operation", []string{"flush", "replay", "write"})
	add(ms, "dbintel.postgresql.connections", "{connections}", "state", []string{"active", "idle", "idle in transaction", "waiting"})
	add(ms, "dbintel.postgresql.locks", "{locks}", "mode", []string{"AccessShareLock", "RowExclusiveLock", "ExclusiveLock"})
	for db := 0; n < items; db++ {
		rm := md.ResourceMetrics().AppendEmpty()
		serverResource(rm.Resource(), v)
		rm.Resource().Attributes().PutStr(contract.PGResDatabase, fmt.Sprintf("app_%d", db))
		sm := rm.ScopeMetrics().AppendEmpty()
		scope(sm.Scope())
		ms := sm.Metrics()
		add(ms, "postgresql.backends", "1", "", []string{""})
		add(ms, "postgresql.commits", "1", "", []string{""})
		add(ms, "postgresql.rollbacks", "1", "", []string{""})
		add(ms, "postgresql.db_size", "By", "", []string{""})
		add(ms, "postgresql.deadlocks", "{deadlock}", "", []string{""})
		for t := 0; t < 12 && n < items; t++ {
			rm := md.ResourceMetrics().AppendEmpty()
			serverResource(rm.Resource(), v)
			ra := rm.Resource().Attributes()
			ra.PutStr(contract.PGResDatabase, fmt.Sprintf("app_%d", db))
			ra.PutStr(contract.PGResTable, fmt.Sprintf("public.table_%d", t))
			sm := rm.ScopeMetrics().AppendEmpty()
			scope(sm.Scope())
			ms := sm.Metrics()
			add(ms, "postgresql.blocks_read", "1", "source", []string{"heap_read", "heap_hit", "idx_read", "idx_hit", "toast_read", "toast_hit"})
			add(ms, "postgresql.rows", "1", "state", []string{"dead", "live"})
			add(ms, "postgresql.operations", "1", "operation", []string{"ins", "upd", "del", "hot_upd"})
			add(ms, "postgresql.table.size", "By", "", []string{""})
			add(ms, "postgresql.table.vacuum.count", "{vacuums}", "", []string{""})
		}
	}
	return md
}
