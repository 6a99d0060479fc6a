package adversarial

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/dbintel/dbintel/pkg/contract"
)

// TestHostileSenders runs every attack, in turn, against one gateway: state
// one attack leaves behind is part of what the next one meets.
func TestHostileSenders(t *testing.T) {
	if testing.Short() {
		t.Skip("adversarial suite: runs the gateway binary under attack for about two minutes")
	}
	tg := startTarget(t)
	tg.attack(t, "invalid-utf8-identity", tg.invalidUTF8)
	tg.attack(t, "million-deep-json", tg.deepJSON)
	tg.attack(t, "protobuf-expansion", tg.expansionBombs)
	tg.attack(t, "http-decompression-bombs", tg.httpBombs)
	tg.attack(t, "grpc-decompression-bombs", tg.grpcBombs)
	tg.attack(t, "slow-bodies", tg.slowBodies)
	tg.attack(t, "6000-databases-64KB-names", tg.hugeNames)
	tg.attack(t, "100000-databases", tg.manyDatabases)
}

// answered fails t unless a hostile request got a considered answer: a
// status other than an internal error, and not a dropped connection.
func answered(t *testing.T, what string, code int, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("%s: no answer: %v", what, err)
	} else if code >= 500 && code != http.StatusServiceUnavailable {
		t.Errorf("%s: HTTP %d", what, code)
	}
}

func grpcAnswered(t *testing.T, what string, err error) {
	t.Helper()
	switch status.Code(err) {
	case codes.Internal, codes.Unknown:
		t.Errorf("%s: %v", what, err)
	}
}

const bad = "\xff\xfe\xc3\x28"

// invalidUTF8 sends query-level events, plans and per-query points whose
// every identity attribute is invalid UTF-8, over gRPC and HTTP.
func (tg *target) invalidUTF8(ctx context.Context, t *testing.T) {
	ld := plog.NewLogs()
	md := pmetric.NewMetrics()
	for i, sys := range []string{contract.SystemPostgreSQL, contract.SystemMySQL, "postgresql" + bad} {
		for _, field := range []string{contract.AttrServerAddress, contract.AttrNamespace, contract.AttrServiceName, contract.AttrServiceInstanceID} {
			rl := ld.ResourceLogs().AppendEmpty()
			attrs := rl.Resource().Attributes()
			attrs.PutStr(contract.AttrDBSystem, sys)
			attrs.PutStr(contract.AttrServerAddress, "db1")
			attrs.PutInt(contract.AttrServerPort, 5432)
			attrs.PutStr(field, "id-"+strconv.Itoa(i)+bad)
			recs := rl.ScopeLogs().AppendEmpty().LogRecords()
			for _, ev := range []string{contract.EventTopQuery, contract.EventQuerySample, contract.EventQueryPlan, contract.EventBlocking} {
				lr := recs.AppendEmpty()
				lr.SetEventName(ev)
				lr.Attributes().PutStr(contract.PGQueryID, "q"+bad)
				lr.Attributes().PutStr(contract.MySQLDigest, "d"+bad)
				lr.Attributes().PutStr(contract.AttrNamespace, "n"+bad)
				lr.Attributes().PutStr(contract.PGQueryPlan, `[{"Plan":{"Node Type":"Seq Scan`+bad+`","Relation Name":"t`+bad+`"}}]`)
				lr.Body().SetStr(`{"Plan":{"Node Type":"Seq Scan","Filter":"(a = '` + bad + `')"}}`)
			}
			rm := md.ResourceMetrics().AppendEmpty()
			attrs.CopyTo(rm.Resource().Attributes())
			m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
			m.SetName("postgresql.calls" + bad)
			sum := m.SetEmptySum()
			sum.SetIsMonotonic(true)
			sum.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
			dp := sum.DataPoints().AppendEmpty()
			dp.Attributes().PutStr(contract.PGQueryID, "q"+bad)
			dp.Attributes().PutStr(contract.AttrNamespace, "n"+bad)
			dp.SetIntValue(1)
		}
	}
	conn := dial(t, tg.GRPC)
	_, err := plogotlp.NewGRPCClient(conn).Export(ctx, plogotlp.NewExportRequestFromLogs(ld))
	grpcAnswered(t, "gRPC logs", err)
	_, err = pmetricotlp.NewGRPCClient(conn).Export(ctx, pmetricotlp.NewExportRequestFromMetrics(md))
	grpcAnswered(t, "gRPC metrics", err)

	logsPB, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	logsJSON, _ := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	metricsPB, _ := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	base := "http://" + tg.HTTP
	code, _, err := postOnce(ctx, base+"/v1/logs", "application/x-protobuf", "", logsPB)
	answered(t, "HTTP protobuf logs", code, err)
	code, _, err = postOnce(ctx, base+"/v1/logs", "application/json", "", logsJSON)
	answered(t, "HTTP JSON logs", code, err)
	code, _, err = postOnce(ctx, base+"/v1/metrics", "application/x-protobuf", "", metricsPB)
	answered(t, "HTTP protobuf metrics", code, err)
}

// deepJSON sends a 1,000,000-deep kvlist body, once as a plan event and
// once as a plain log, gzip'd (about 135 KB each).
func (tg *target) deepJSON(ctx context.Context, t *testing.T) {
	for _, event := range []string{contract.EventQueryPlan, ""} {
		body := gzipBytes(deepLogsJSON(1_000_000, event))
		code, _, err := postOnce(ctx, "http://"+tg.HTTP+"/v1/logs", "application/json", "gzip", body)
		answered(t, fmt.Sprintf("1M-deep JSON (event %q, %d KB gzip)", event, len(body)>>10), code, err)
		if err == nil && code != http.StatusBadRequest {
			t.Errorf("1M-deep JSON (event %q): HTTP %d, want 400", event, code)
		}
	}
}

func deepLogsJSON(depth int, event string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"resourceLogs":[{"resource":{"attributes":[{"key":"db.system.name","value":{"stringValue":"postgresql"}}]},"scopeLogs":[{"logRecords":[{`)
	if event != "" {
		b.WriteString(`"eventName":"` + event + `",`)
	}
	b.WriteString(`"body":`)
	for range depth {
		b.WriteString(`{"kvlistValue":{"values":[{"key":"k","value":`)
	}
	b.WriteString(`{"stringValue":"x"}`)
	for range depth {
		b.WriteString(`}]}}`)
	}
	b.WriteString(`}]}]}]}`)
	return b.Bytes()
}

// httpBombs sends 32 concurrent gzip bodies of about 64 KB that each
// inflate to 63 MiB, three times over.
func (tg *target) httpBombs(ctx context.Context, t *testing.T) {
	bomb := gzipBytes(hugeLogRequest(63 << 20))
	t.Logf("HTTP bomb: %d KB gzip → 63 MiB", len(bomb)>>10)
	for range 3 {
		var wg sync.WaitGroup
		codes := make([]int, 32)
		errs := make([]error, 32)
		for i := range 32 {
			wg.Go(func() {
				codes[i], _, errs[i] = postOnce(ctx, "http://"+tg.HTTP+"/v1/logs", "application/x-protobuf", "gzip", bomb)
			})
		}
		wg.Wait()
		t.Logf("HTTP bomb answers: %v", codes)
		for i := range codes {
			answered(t, "HTTP bomb", codes[i], errs[i])
			if t.Failed() {
				return
			}
		}
	}
}

// grpcBombs opens 4 connections with 64 streams each, every stream a
// message that inflates to 15 MiB.
func (tg *target) grpcBombs(ctx context.Context, t *testing.T) {
	sentinel := []byte("dbintel-adversarial-grpc-bomb")
	bombs.arm(sentinel, gzipBytes(hugeLogRequest(15<<20)))
	defer bombs.arm(nil, nil)
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range 4 {
		conn := dial(t, tg.GRPC)
		for range 64 {
			wg.Go(func() {
				var resp []byte
				msg := sentinel
				err := conn.Invoke(ctx, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &msg, &resp,
					grpc.ForceCodec(rawCodec{}), grpc.UseCompressor("gzip"))
				grpcAnswered(t, "gRPC bomb", err)
				if err != nil {
					refused.Add(1)
				}
			})
		}
	}
	wg.Wait()
	t.Logf("gRPC bombs refused: %d of 256", refused.Load())
}

// expansionBombs sends 32 concurrent HTTP and 64 gRPC requests of 15 MiB
// of empty log records (2 bytes each on the wire, ~171 bytes each decoded:
// 1.3 GB per request) in one ScopeLogs, gzipped to a few KB. Each must be
// refused before it is decoded.
func (tg *target) expansionBombs(ctx context.Context, t *testing.T) {
	// log_records = 2 of ScopeLogs, scope_logs = 2 of ResourceLogs,
	// resource_logs = 1 of the request.
	msg := bytes.Repeat([]byte{0x12, 0x00}, (15<<20)/2-16)
	for _, num := range []protowire.Number{2, 1} {
		msg = protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), msg)
	}
	bomb := gzipBytes(msg)
	t.Logf("expansion bomb: %d KB gzip → %d MiB of empty records", len(bomb)>>10, len(msg)>>20)
	sentinel := []byte("dbintel-adversarial-expansion-bomb")
	bombs.arm(sentinel, bomb)
	defer bombs.arm(nil, nil)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		answers = map[string]int{}
	)
	count := func(a string) { mu.Lock(); answers[a]++; mu.Unlock() }
	for range 32 {
		wg.Go(func() {
			code, _, err := postOnce(ctx, "http://"+tg.HTTP+"/v1/logs", "application/x-protobuf", "gzip", bomb)
			answered(t, "HTTP expansion bomb", code, err)
			if code == http.StatusOK {
				t.Errorf("HTTP expansion bomb accepted")
			}
			count("HTTP " + strconv.Itoa(code))
		})
	}
	for range 2 {
		conn := dial(t, tg.GRPC)
		for range 32 {
			wg.Go(func() {
				var resp []byte
				m := sentinel
				err := conn.Invoke(ctx, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &m, &resp,
					grpc.ForceCodec(rawCodec{}), grpc.UseCompressor("gzip"))
				grpcAnswered(t, "gRPC expansion bomb", err)
				if err == nil {
					t.Errorf("gRPC expansion bomb accepted")
				}
				count("gRPC " + status.Code(err).String())
			})
		}
	}
	wg.Wait()
	t.Logf("expansion bombs answered: %v", answers)
}

// slowBodies holds 40 connections that send headers and then one body
// byte per second, for 10 s.
func (tg *target) slowBodies(ctx context.Context, t *testing.T) {
	var wg sync.WaitGroup
	for range 40 {
		c, err := net.Dial("tcp", tg.HTTP)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /v1/logs HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100000\r\n\r\n", tg.HTTP)
		wg.Go(func() {
			for range 10 {
				if _, err := c.Write([]byte{0x0a}); err != nil {
					return // the gateway closed a slow sender: what it should do
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
			}
		})
	}
	wg.Wait()
}

// hugeNames sends 6,000 databases whose address and name are 64 KB each,
// then checks that the self-metrics and status pages stay small.
func (tg *target) hugeNames(ctx context.Context, t *testing.T) {
	tg.floodDatabases(ctx, t, 6000, 20, 64<<10)
	tg.checkPagesSmall(t)
}

// manyDatabases sends 100,000 distinct small-named databases.
func (tg *target) manyDatabases(ctx context.Context, t *testing.T) {
	tg.floodDatabases(ctx, t, 100_000, 1000, 16)
	tg.checkPagesSmall(t)
}

// floodDatabases sends n databases, perRequest per gRPC request from 4
// workers, each with one top-query event, name bytes of random hex.
func (tg *target) floodDatabases(ctx context.Context, t *testing.T, n, perRequest, nameBytes int) {
	conn := dial(t, tg.GRPC)
	client := plogotlp.NewGRPCClient(conn)
	next := make(chan int)
	go func() {
		defer close(next)
		for i := 0; i < n; i += perRequest {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var refused atomic.Int64
	for range 4 {
		wg.Go(func() {
			for range next {
				ld := plog.NewLogs()
				for range perRequest {
					rl := ld.ResourceLogs().AppendEmpty()
					a := rl.Resource().Attributes()
					a.PutStr(contract.AttrDBSystem, contract.SystemPostgreSQL)
					a.PutStr(contract.AttrServerAddress, randomName(nameBytes))
					a.PutInt(contract.AttrServerPort, 5432)
					a.PutStr(contract.AttrNamespace, randomName(nameBytes))
					lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
					lr.SetEventName(contract.EventTopQuery)
					lr.SetTimestamp(pcommon.NewTimestampFromTime(time.Now()))
					lr.Attributes().PutStr(contract.PGQueryID, randomName(8))
					lr.Attributes().PutStr(contract.AttrQueryText, "SELECT 1")
				}
				if _, err := client.Export(ctx, plogotlp.NewExportRequestFromLogs(ld)); err != nil {
					grpcAnswered(t, "database flood", err)
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d databases sent, %d requests refused", n, refused.Load())
}

func randomName(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// maxPageBytes bounds /metrics, the status page and /api/status whatever
// the input: their rows are per source and capped in count and key size.
const maxPageBytes = 4 << 20

func (tg *target) checkPagesSmall(t *testing.T) {
	t.Helper()
	for _, url := range []string{tg.Metrics, tg.status + "/", tg.status + "/api/status"} {
		resp, err := http.Get(url)
		if err != nil {
			t.Errorf("%s: %v", url, err)
			continue
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t.Logf("%s: %d KB", url, n>>10)
		if n > maxPageBytes {
			t.Errorf("%s is %d KB (bound %d KB)", url, n>>10, maxPageBytes>>10)
		}
	}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}
