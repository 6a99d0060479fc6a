package verify

import "fmt"

const hexDigits = "0123456789abcdef"

// negative returns a text holding look-alikes of personal data that are
// not: ids, times, positions, versions, sizes, and values that fail the
// validation (Luhn, SSN ranges, IBAN check).
func (g gen) negative(i int) (kind, text, key string) {
	switch i % 25 {
	case 0:
		return "order_id", g.pick(
			fmt.Sprintf("order ORD-2024-%06d shipped to warehouse 7", g.r.IntN(1000000)),
			fmt.Sprintf("order_id=%d status=paid", g.between(10000000, 999999999)),
			fmt.Sprintf("Order #%d confirmed", g.between(100000, 99999999)),
		), ""
	case 1:
		return "epoch_millis", fmt.Sprintf("event received at %d (epoch ms), lag %d ms", 1732550400000+int64(g.r.IntN(1e9)), g.r.IntN(5000)), ""
	case 2:
		return "epoch_nanos", fmt.Sprintf("start_time_unix_nano=%d end_time_unix_nano=%d", 1732550400000000000+g.r.Int64N(1e15), 1732550400000000000+g.r.Int64N(1e15)), ""
	case 3:
		return "uuid", fmt.Sprintf("session %s-%s-4%s-%s-%s opened", g.token(8, hexDigits), g.token(4, hexDigits), g.token(3, hexDigits), g.pick("8", "9", "a", "b")+g.digits(3), g.digits(12)), ""
	case 4:
		return "trace_id", fmt.Sprintf("trace_id=%s span_id=%s", g.token(32, hexDigits), g.token(16, hexDigits)), "trace.id"
	case 5:
		return "lsn", g.pick(
			fmt.Sprintf("replication slot restart_lsn %X/%X confirmed_flush_lsn %X/%X", g.r.IntN(64), g.r.Uint32(), g.r.IntN(64), g.r.Uint32()),
			fmt.Sprintf("redo starts at 0/%d", g.between(1000000, 99999999)),
			fmt.Sprintf("checkpoint complete: wrote %d buffers; lsn=0/%X", g.r.IntN(5000), g.r.Uint32()),
		), ""
	case 6:
		return "version", g.pick(
			"PostgreSQL 15.4 (Debian 15.4-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit",
			"server version 10.11.6-MariaDB-1:10.11.6+maria~ubu2204",
			fmt.Sprintf("go1.%d.%d linux/amd64 otel-sdk v1.%d.%d", g.between(20, 26), g.r.IntN(10), g.r.IntN(50), g.r.IntN(5)),
			fmt.Sprintf("mysql Ver 8.0.%d for Linux on x86_64", g.r.IntN(40)),
		), ""
	case 7:
		return "date", fmt.Sprintf("%s backup finished at %04d-%02d-%02dT%02d:%02d:%02d.%03dZ (%04d%02d%02d)", g.pick("nightly", "weekly"),
			g.between(2020, 2026), g.between(1, 12), g.between(1, 28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60), g.r.IntN(1000),
			g.between(2020, 2026), g.between(1, 12), g.between(1, 28)), ""
	case 8:
		return "invalid_luhn", g.pick("card declined, reference ", "Failing row contains (12, ", "tx ") + g.badLuhnCard(), ""
	case 9:
		return "invalid_ssn", "DETAIL:  Failing row contains (5, Ann, " + g.badSSN() + ", t).", ""
	case 10:
		return "query_id", g.pick(
			fmt.Sprintf("queryid=%d calls=%d", g.r.Int64(), g.r.IntN(100000)),
			fmt.Sprintf("query_id: -%d", g.r.Int64()),
		), ""
	case 11:
		return "query_id_attr", fmt.Sprint(g.r.Int64()), "db.query.id"
	case 12:
		return "port", fmt.Sprintf("listening on port %s; upstream %s:%d", g.pick("5432", "3306", "6432", "4317"), g.pick("db.internal", "localhost"), g.between(1024, 65535)), ""
	case 13:
		return "duration", fmt.Sprintf("duration: %d.%03d ms  statement: SELECT pg_sleep($1); elapsed 00:%02d:%02d.%03d", g.r.IntN(100000), g.r.IntN(1000), g.r.IntN(60), g.r.IntN(60), g.r.IntN(1000)), ""
	case 14:
		return "sizes", fmt.Sprintf("rows=%d bytes=%d xid %d pid %d shared_buffers=%sMB", g.r.IntN(1e7), g.r.Int64N(1e12), g.r.Uint32(), g.between(100, 4194304), g.pick("128", "256", "1024")), ""
	case 15:
		return "snowflake", fmt.Sprintf("tweet %d liked", 1541815603606036480+g.r.Int64N(1e17)), ""
	case 16:
		return "phone_like", g.pick(
			fmt.Sprintf("ISBN 978-3-16-%06d-%d", g.r.IntN(1000000), g.r.IntN(10)),
			fmt.Sprintf("part no 1%02d-%03d-%04d", g.r.IntN(100), g.r.IntN(1000), g.r.IntN(10000)),
			fmt.Sprintf("ticket %d-%04d-%04d", g.between(2020, 2026), g.r.IntN(10000), g.r.IntN(10000)),
			fmt.Sprintf("coords %d.%06d, %d.%06d", g.between(10, 60), g.r.IntN(1000000), g.between(1, 30), g.r.IntN(1000000)),
		), ""
	case 17:
		return "invalid_iban", "transfer to " + g.badIBAN() + " rejected", ""
	case 18:
		return "email_like", g.pick("connect as postgres@localhost", "asset logo@2x.png missing", "requires node@18.x",
			"import @dbintel/sdk", "SELECT * FROM docs WHERE data @> '{\"a\": 1}'", "mention @ann in #ops"), ""
	case 19:
		return "digest", fmt.Sprintf("image sha256:%s etag W/\"%s-%s\"", g.token(64, hexDigits), g.token(4, hexDigits), g.token(6, hexDigits)), ""
	case 20:
		return "plan", fmt.Sprintf("Index Scan using orders_pkey on orders  (cost=0.%d..%d.%d rows=%d width=%d) (actual time=0.0%d..0.0%d rows=1 loops=1)",
			g.r.IntN(100), g.r.IntN(100), g.r.IntN(100), g.r.IntN(1000), g.r.IntN(500), g.r.IntN(100), g.r.IntN(100)), ""
	case 21:
		return "secret_placeholder", g.pick("password=$1 user=app", "password=***** host=db", "Bearer authentication failed for client",
			"missing Authorization: Bearer header", "PGPASSWORD=${env:PGPASSWORD}", "password authentication failed for user \"app\""), ""
	case 22:
		return "oid_version", g.pick(fmt.Sprintf("signature OID 1.2.840.113549.1.1.%d", g.between(1, 14)),
			fmt.Sprintf("version %d.%d.%d.%d", g.r.IntN(20), g.r.IntN(20), g.r.IntN(20), g.r.IntN(20)),
			"MariaDB 10.11.6", fmt.Sprintf("at %02d:%02d:%02d", g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))), ""
	case 23:
		// Arbitrary 16-digit references with no context: about one in ten
		// with a card prefix passes Luhn, and nothing can tell it from a
		// card. Kept in the corpus so precision is not measured on easy
		// negatives only.
		return "random_16_digits", fmt.Sprintf("transfer reference %s booked", g.digits(16)), ""
	}
	return "account_number", fmt.Sprintf("customer_id=%d invoice %d-%d", g.between(1000, 99999999), g.between(2020, 2026), g.between(1, 99999)), "customer.id"
}
