package overhead

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/test/pgtest"
)

const (
	tables   = 100
	shapes   = 50 // statements per table: SELECT c1..cN, N = 1..shapes
	sessions = 200
)

// prepared is a PostgreSQL 15 server with tables*shapes distinct statements
// in pg_stat_statements and `sessions` client sessions held open.
type prepared struct {
	srv        *pgtest.Server
	setup      *pgx.Conn
	idle       []*pgx.Conn
	statements []string
}

func prepare(b *testing.B) prepared {
	b.Helper()
	srv := pgtest.Start(b, pgtest.WithSetting("max_connections", "260"), pgtest.WithSetting("pg_stat_statements.max", "10000"))
	ctx := context.Background()
	p := prepared{srv: srv, setup: srv.Conn(b)}
	cols := make([]string, shapes)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d int", i+1)
	}
	for t := 0; t < tables; t++ {
		if _, err := p.setup.Exec(ctx, fmt.Sprintf("CREATE TABLE t%d (%s)", t, strings.Join(cols, ", "))); err != nil {
			b.Fatal(err)
		}
	}
	for t := 0; t < tables; t++ {
		for n := 1; n <= shapes; n++ {
			sel := make([]string, n)
			for i := range sel {
				sel[i] = "c" + strconv.Itoa(i+1)
			}
			q := fmt.Sprintf("SELECT %s FROM t%d WHERE c1 = $1", strings.Join(sel, ", "), t)
			if _, err := p.setup.Exec(ctx, q, 1); err != nil {
				b.Fatal(err)
			}
			p.statements = append(p.statements, q)
		}
	}
	b.Cleanup(func() {
		for _, c := range p.idle {
			c.Close(ctx)
		}
	})
	for i := 0; i < sessions; i++ {
		c, err := pgx.Connect(ctx, srv.DSN())
		if err != nil {
			b.Fatal(err)
		}
		p.idle = append(p.idle, c)
	}
	var distinct int
	if err := p.setup.QueryRow(ctx, "SELECT count(*) FROM pg_stat_statements").Scan(&distinct); err != nil {
		b.Fatal(err)
	}
	if distinct < tables*shapes {
		b.Fatalf("only %d statements in pg_stat_statements", distinct)
	}
	return p
}

// drive keeps the server busy until ctx ends, so every scrape has work:
// active of the held sessions each sit in pg_sleep (active session
// samples), and one more connection replays the statements round-robin at
// perSecond (query-statistics deltas over most of the 5,000 keys each
// minute). The returned func waits for it to stop.
func (p prepared) drive(ctx context.Context, b *testing.B, active, perSecond int) (wait func()) {
	b.Helper()
	replay, err := pgx.Connect(ctx, p.srv.DSN())
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, c := range p.idle[:active] {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _ = c.Exec(ctx, "SELECT pg_sleep(0.5)")
			}
		})
	}
	wg.Go(func() {
		defer replay.Close(context.Background())
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			_, _ = replay.Exec(ctx, p.statements[i%len(p.statements)], i)
		}
	})
	return wg.Wait
}
