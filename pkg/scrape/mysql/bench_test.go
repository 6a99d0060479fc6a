package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/dbintel/dbintel/pkg/sqlmask"
)

func benchRows(n int, calls uint64) []digestRow {
	t0 := time.Unix(1_700_000_000, 0)
	rows := make([]digestRow, n)
	for i := range rows {
		rows[i] = digestRow{key: digestKey{schema: "app", digest: fmt.Sprintf("%032x", i)},
			c: digestCounters{calls: calls + uint64(i%7), timerPS: calls * 1e9}, firstSeen: t0}
	}
	return rows
}

// BenchmarkDigestTracker: one scrape of 5,000 digests through the tracker,
// reported as a ratio to copying the same rows into a map (the least any
// delta computation must do).
func BenchmarkDigestTracker(b *testing.B) {
	a, c := benchRows(5000, 10), benchRows(5000, 20)
	base := baseline(b, func() {
		m := make(map[digestKey]digestCounters, len(c))
		for _, r := range c {
			m[r.key] = r.c
		}
	})
	tr := newDigestTracker(20000)
	tr.apply(a)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows := a
		if i%2 == 0 {
			rows = c
		}
		tr.apply(rows) // alternating: every other run is a decrease -> re-baseline path
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_map_copy")
}

// BenchmarkMaskPlan: masking a MariaDB plan, as a ratio to decoding and
// re-encoding it with encoding/json (which would lose duplicate keys).
func BenchmarkMaskPlan(b *testing.B) {
	raw, err := os.ReadFile("testdata/mysql8_handwritten_explain_join.json")
	if err != nil {
		b.Fatal(err)
	}
	obf := sqlmask.New("mysql")
	base := baseline(b, func() {
		var v any
		_ = json.Unmarshal(raw, &v)
		_, _ = json.Marshal(v)
	})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := maskPlan(raw, obf); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_json_roundtrip")
}

// BenchmarkCollectLive: wall time of one query-stats scrape (counters of
// every digest, texts of the top 200 not yet cached) and one samples run
// on a real MariaDB holding 2,000 distinct digests, as a ratio to a bare
// `SELECT 1` round trip on the same connection.
func BenchmarkCollectLive(b *testing.B) {
	srv, cfg := startServerB(b)
	db := srv.DB(b, "test")
	if _, err := db.Exec("CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		if _, err := db.Exec(fmt.Sprintf("SELECT id AS c%d FROM t WHERE id = %d", i, i)); err != nil {
			b.Fatal(err)
		}
	}
	target, _ := NewTarget(cfg, nil)
	cols, closeFn, err := NewCollectors(cfg, target, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer closeFn()
	qs, smp := cols[1].(*queryStats), cols[2].(*samples)
	ctx := context.Background()
	ping := func() {
		err := qs.conn.Do(ctx, func(ctx context.Context, c *sqlConn, _ serverInfo) error {
			var one int
			return c.QueryRowContext(ctx, "SELECT 1").Scan(&one)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	base := baseline(b, ping)
	now := time.Now()
	if _, err := qs.Collect(ctx, now); err != nil { // baseline
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Minute)
		qs.texts.Purge() // every run fetches texts, as a first real scrape does
		if _, err := qs.Collect(ctx, now); err != nil {
			b.Fatal(err)
		}
		if _, err := smp.Collect(ctx, now); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(qs.tracker.state)), "digests")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/base, "x_select1")
}

// baseline times b.N runs of fn in the same process and returns ns per
// run. (testing.Benchmark cannot be nested in a benchmark: it deadlocks.)
func baseline(b *testing.B, fn func()) float64 {
	start := time.Now()
	for i := 0; i < b.N; i++ {
		fn()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(b.N)
}
