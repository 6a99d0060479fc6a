package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/pkg/scrape"
)

// maxCustomSeries bounds the delta table of one custom query.
const maxCustomSeries = 10_000

// customCollector runs one user query.
type customCollector struct {
	target scrape.Target
	pool   *dbPool // the query's database comes from the pool on every run
	q      CustomQuery
	deltas *scrape.Deltas
}

func (c *customCollector) Name() string            { return "postgresql.custom." + c.q.Name }
func (c *customCollector) Interval() time.Duration { return c.q.CollectionInterval }
func (c *customCollector) NeedsBaseline() bool {
	if c.target.Temporality != scrape.Delta {
		return false // cumulative sums are sent from the first run
	}
	for _, m := range c.q.Metrics {
		if m.Type == "sum" {
			return true
		}
	}
	return false
}

func (c *customCollector) Collect(ctx context.Context, now time.Time) (pipeline.Batch, error) {
	var rows []map[string]any
	db := c.q.Database
	if db == "" {
		db = c.pool.base.Database
	}
	err := c.pool.conn(db).Do(ctx, func(ctx context.Context, conn *pgx.Conn, _ int) (err error) {
		rows, err = c.run(ctx, conn)
		return err
	})
	if err != nil {
		return pipeline.Batch{}, fmt.Errorf("scrape %s: custom query %s: %w", c.target.Name(), c.q.Name, err)
	}
	mb := scrape.NewMetricsBuilder(c.target, scopeName)
	lb := scrape.NewLogsBuilder(c.target, scopeName)
	for _, row := range rows {
		c.emitRow(mb, lb, row, now)
	}
	c.deltas.Sweep()
	return scrape.Batch(mb, lb), nil
}

// run executes the query read-only under its own statement_timeout. The
// marker keeps it out of the query statistics.
func (c *customCollector) run(ctx context.Context, conn *pgx.Conn) (out []map[string]any, err error) {
	simple := pgx.QueryExecModeSimpleProtocol
	if _, err := conn.Exec(ctx, ownMarker+"BEGIN READ ONLY", simple); err != nil {
		return nil, err
	}
	defer func() {
		if _, rbErr := conn.Exec(context.WithoutCancel(ctx), ownMarker+"ROLLBACK", simple); rbErr != nil && err == nil {
			err = rbErr
		}
	}()
	if _, err := conn.Exec(ctx, ownMarker+"SET LOCAL statement_timeout = "+strconv.FormatInt(c.q.Timeout.Milliseconds(), 10), simple); err != nil {
		return nil, err
	}
	res, err := conn.Query(ctx, ownMarker+c.q.SQL, simple)
	if err != nil {
		return nil, err
	}
	defer res.Close()
	fields := res.FieldDescriptions()
	for res.Next() {
		if len(out) == c.q.MaxRows {
			break
		}
		vals, err := res.Values()
		if err != nil {
			return nil, err
		}
		row := make(map[string]any, len(vals))
		for i, v := range vals {
			row[fields[i].Name] = v
		}
		out = append(out, row)
	}
	return out, res.Err()
}

func (c *customCollector) emitRow(mb *scrape.MetricsBuilder, lb *scrape.LogsBuilder, row map[string]any, now time.Time) {
	for _, m := range c.q.Metrics {
		v, ok := toFloat(row[m.ValueColumn])
		if !ok {
			continue // NULL or not a number: no point rather than a false zero
		}
		attrs := make([]string, 0, 2*len(m.AttributeColumns))
		for _, col := range m.AttributeColumns {
			attrs = append(attrs, col, toString(row[col]))
		}
		def := scrape.MetricDef{Name: m.Name, Unit: m.Unit, Description: m.Description, Kind: scrape.Gauge}
		if m.Type == "gauge" {
			mb.Double(def, time.Time{}, now, v, attrs...)
			continue
		}
		def.Kind = scrape.Counter
		if d, start, ok := c.deltas.Observe(fmt.Sprint(m.Name, attrs), v, now); ok {
			mb.Double(def, start, now, d, attrs...)
		}
	}
	for _, e := range c.q.Events {
		lr := lb.Event(c.q.Database, e.EventName, now)
		if e.BodyColumn != "" {
			lr.Body().SetStr(toString(row[e.BodyColumn]))
		}
		for _, col := range e.AttributeColumns {
			if f, ok := toFloat(row[col]); ok {
				lr.Attributes().PutDouble(col, f)
			} else {
				lr.Attributes().PutStr(col, toString(row[col]))
			}
		}
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case pgtype.Numeric:
		f, err := x.Float64Value()
		return f.Float64, err == nil && f.Valid
	}
	return 0, false
}

func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case pgtype.Numeric:
		if f, ok := toFloat(x); ok {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
	}
	return fmt.Sprint(v)
}
