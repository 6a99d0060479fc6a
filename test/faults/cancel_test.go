package faults

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dbintel/dbintel/test/fakebackend"
	"github.com/dbintel/dbintel/test/harness"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestSenderGivesUp: senders whose deadline ends while the gateway is still
// queueing their request (a client timeout, a cancelled export). The data
// may still be queued and sent (at-least-once), but the self-metrics must
// keep balancing: what the receiver counts as refused must not also be
// enqueued, or "accepted = enqueued" no longer describes the gateway.
func TestSenderGivesUp(t *testing.T) {
	t.Parallel()
	be := fakebackend.Start(t)
	// fsync before every acknowledgement makes queueing slow enough for
	// the senders' deadlines to end in the middle of it.
	g := startGateway(t, gatewayEnv(t, be, "grpc", map[string]string{"DBINTEL_QUEUE_DIR": t.TempDir()}), "")
	conn, err := grpc.NewClient(g.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := plogotlp.NewGRPCClient(conn)

	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range 50 {
		recs.AppendEmpty().Body().SetStr("abandoned " + string(rune('a'+i%26)))
	}
	req := plogotlp.NewExportRequestFromLogs(ld)
	var cut int
	for range 300 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(200+rand.IntN(3000))*time.Microsecond)
		if _, err := client.Export(ctx, req); err != nil {
			cut++
		}
		cancel()
	}
	t.Logf("%d of 300 requests ended by the sender's deadline", cut)
	// Quiet: every merged batch handed on and sent.
	time.Sleep(time.Second)
	waitQueueEmpty(t, g)
	m := harness.ScrapeMetrics(t, g.Metrics)
	accepted, refused := m.Sum("dbintel_receiver_items_accepted_total"), m.Sum("dbintel_receiver_items_refused_total")
	enqueued := m.Sum("dbintel_forward_items_enqueued_total")
	t.Logf("receiver accepted %v, refused %v; forward enqueued %v; backend got %d", accepted, refused, enqueued, be.Items())
	if accepted != enqueued {
		t.Errorf("accepted %v != enqueued %v: %v items counted refused at the receiver were queued and sent anyway", accepted, enqueued, enqueued-accepted)
	}
}
