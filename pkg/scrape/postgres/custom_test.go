package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/internal/config"
)

func TestCustomQuery(t *testing.T) {
	srv, cfg := startServer(t)
	srv.Exec(t, "CREATE DATABASE shop")
	s, err := pgx.Connect(t.Context(), srv.DSNFor("shop", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(t.Context())
	for _, q := range []string{
		"CREATE TABLE orders (status text, amount numeric)",
		"INSERT INTO orders VALUES ('open', 10.5), ('open', 4.5), ('paid', 100)",
	} {
		if _, err := s.Exec(t.Context(), q); err != nil {
			t.Fatal(err)
		}
	}
	cfg.CustomQueries = []CustomQuery{{
		Name: "orders", Database: "shop", CollectionInterval: time.Minute,
		SQL: "SELECT status, count(*) AS n, sum(amount) AS total, (SELECT count(*) FROM orders) AS seen FROM orders GROUP BY status ORDER BY status",
		Metrics: []CustomMetric{
			{Name: "shop.orders", ValueColumn: "n", Type: "gauge", Unit: "{order}", AttributeColumns: []string{"status"}},
			{Name: "shop.orders.seen", ValueColumn: "seen", Type: "sum", AttributeColumns: []string{"status"}},
		},
		Events: []CustomEvent{{EventName: "shop.order_status", AttributeColumns: []string{"status", "total"}}},
	}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	c := collectorNamed(t, cfg, "postgresql.custom.orders")
	b := collect(t, c, time.Now())
	if got := points(b.Metrics, "shop.orders", "status", "open"); len(got) != 1 || got[0].value() != 2 {
		t.Fatalf("shop.orders{open} = %+v, want 2", got)
	}
	if got := points(b.Metrics, "shop.orders.seen"); len(got) != 0 {
		t.Fatal("a sum was emitted on its baseline scrape")
	}
	evs := events(b.Logs, "shop.order_status")
	if len(evs) != 2 {
		t.Fatalf("%d events, want one per row", len(evs))
	}
	if v, _ := evs[1].Attributes().Get("total"); v.Double() != 100 {
		t.Fatalf("paid total = %v", v.AsRaw())
	}
	if _, err := s.Exec(t.Context(), "INSERT INTO orders VALUES ('paid', 1)"); err != nil {
		t.Fatal(err)
	}
	b = collect(t, c, time.Now().Add(time.Minute))
	if got := points(b.Metrics, "shop.orders.seen", "status", "paid"); len(got) != 1 || got[0].value() != 1 {
		t.Fatalf("sum delta = %+v, want 1", got)
	}
}

func TestCustomQueryValidation(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DSN = config.Secret("postgres://u@h/db")
	cfg.CustomQueries = []CustomQuery{{Name: "Bad Name", SQL: "DELETE FROM t", Metrics: []CustomMetric{{Name: "x", ValueColumn: "v", Type: "histogram"}}}}
	err := cfg.Validate()
	for _, want := range []string{"custom_queries[0].name", "custom_queries[0].sql", "custom_queries[0].metrics[0].type"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing problem at %s in %v", want, err)
		}
	}
}
