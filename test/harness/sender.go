package harness

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// IDAttribute is the log record attribute carrying a LogSender's unique id.
const IDAttribute = "test.id"

// LogSender sends OTLP/gRPC log records, each tagged with a unique integer
// id (attribute test.id), retries what the OTLP spec calls retryable, and
// records which ids got a success answer: the set the gateway promised to
// deliver. It is safe for concurrent use.
type LogSender struct {
	t      testing.TB
	conn   *grpc.ClientConn
	client plogotlp.GRPCClient
	nextID atomic.Int64

	mu       sync.Mutex
	acked    map[int64]struct{}
	refusals map[codes.Code]int
	attempts int
}

// NewLogSender connects (lazily) to a gateway's OTLP/gRPC address. The
// connection reconnects quickly, so a restarted gateway on the same address
// is found again within a second.
func NewLogSender(t testing.TB, addr string) *LogSender {
	t.Helper()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, MaxDelay: 500 * time.Millisecond},
			MinConnectTimeout: time.Second,
		}))
	if err != nil {
		t.Fatalf("sender: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return &LogSender{t: t, conn: conn, client: plogotlp.NewGRPCClient(conn),
		acked: map[int64]struct{}{}, refusals: map[codes.Code]int{}}
}

// Send exports n new records in one request, each with a body of
// bodyBytes random (incompressible) bytes, or a short text when 0. It
// retries retryable refusals until ctx ends and returns the ids once they
// are acknowledged; a permanent refusal or the end of ctx returns an error
// and the ids stay unacknowledged. Each attempt runs to its answer (or a
// 10 s timeout) even if ctx ends meanwhile.
func (s *LogSender) Send(ctx context.Context, n, bodyBytes int) ([]int64, error) {
	ids := make([]int64, n)
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "dbintel-faults")
	recs := rl.ScopeLogs().AppendEmpty().LogRecords()
	now := pcommon.NewTimestampFromTime(time.Now())
	for i := range ids {
		ids[i] = s.nextID.Add(1)
		lr := recs.AppendEmpty()
		lr.SetTimestamp(now)
		lr.SetSeverityNumber(plog.SeverityNumberInfo)
		lr.Attributes().PutInt(IDAttribute, ids[i])
		if bodyBytes > 0 {
			body := make([]byte, bodyBytes)
			_, _ = rand.Read(body)
			lr.Body().SetEmptyBytes().FromRaw(body)
		} else {
			lr.Body().SetStr(fmt.Sprintf("fault test record %d", ids[i]))
		}
	}
	req := plogotlp.NewExportRequestFromLogs(ld)
	for {
		// The end of ctx stops further retries, never an attempt in flight:
		// a cancelled attempt leaves its outcome unknown to the sender.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err := s.client.Export(actx, req)
		cancel()
		s.mu.Lock()
		s.attempts++
		if err == nil {
			for _, id := range ids {
				s.acked[id] = struct{}{}
			}
			s.mu.Unlock()
			return ids, nil
		}
		st := status.Convert(err)
		s.refusals[st.Code()]++
		s.mu.Unlock()
		wait, retry := retryable(st)
		if !retry {
			return nil, fmt.Errorf("sender: permanent refusal: %w", err)
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

// retryable classifies a gateway answer per the OTLP spec. The wait is the
// server's RetryInfo capped at one second (tests keep phases short) or
// 100 ms without one.
func retryable(st *status.Status) (time.Duration, bool) {
	wait := 100 * time.Millisecond
	var info bool
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			info = true
			wait = min(ri.GetRetryDelay().AsDuration(), time.Second)
		}
	}
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.DataLoss, codes.Canceled:
		return wait, true
	case codes.ResourceExhausted:
		return wait, info
	}
	return 0, false
}

// Run sends batches of batch records from workers goroutines, pausing
// between batches, until ctx ends; it returns when every worker stopped.
func (s *LogSender) Run(ctx context.Context, workers, batch int, pause time.Duration) {
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				_, _ = s.Send(ctx, batch, 0)
				select {
				case <-ctx.Done():
				case <-time.After(pause):
				}
			}
		})
	}
	wg.Wait()
}

// Acked returns a copy of the acknowledged ids.
func (s *LogSender) Acked() map[int64]struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int64]struct{}, len(s.acked))
	for id := range s.acked {
		out[id] = struct{}{}
	}
	return out
}

// Refusals is the number of failed attempts with code c.
func (s *LogSender) Refusals(c codes.Code) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusals[c]
}

// Stats summarises attempts and refusals for test logs.
func (s *LogSender) Stats() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("ids %d, acknowledged %d, attempts %d, refusals %v", s.nextID.Load(), len(s.acked), s.attempts, s.refusals)
}

// LogIDs counts the records of each id in logs (as received by a backend).
func LogIDs(logs []plog.Logs) map[int64]int {
	out := map[int64]int{}
	for _, ld := range logs {
		for i := 0; i < ld.ResourceLogs().Len(); i++ {
			sls := ld.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < sls.Len(); j++ {
				recs := sls.At(j).LogRecords()
				for k := 0; k < recs.Len(); k++ {
					if v, ok := recs.At(k).Attributes().Get(IDAttribute); ok {
						out[v.Int()]++
					}
				}
			}
		}
	}
	return out
}

// Delivery compares acknowledged ids with delivered ones.
type Delivery struct {
	Acked, Delivered int
	Lost             []int64 // acknowledged, never delivered (sorted)
	Duplicates       int     // deliveries beyond the first
	Unacked          int     // delivered although the sender saw no success (a lost answer)
}

// CompareDelivery is the exact set comparison of the fault suite.
func CompareDelivery(acked map[int64]struct{}, delivered map[int64]int) Delivery {
	d := Delivery{Acked: len(acked), Delivered: len(delivered)}
	for id := range acked {
		if delivered[id] == 0 {
			d.Lost = append(d.Lost, id)
		}
	}
	sort.Slice(d.Lost, func(i, j int) bool { return d.Lost[i] < d.Lost[j] })
	for id, n := range delivered {
		d.Duplicates += n - 1
		if _, ok := acked[id]; !ok {
			d.Unacked++
		}
	}
	return d
}

func (d Delivery) String() string {
	lost := d.Lost
	if len(lost) > 20 {
		lost = lost[:20]
	}
	return fmt.Sprintf("acknowledged %d, delivered %d distinct, lost %d %v, duplicates %d, delivered without ack %d",
		d.Acked, d.Delivered, len(d.Lost), lost, d.Duplicates, d.Unacked)
}

// Dump asks a running Go binary for a goroutine dump (SIGQUIT, which also
// ends it) and waits for the exit, so a hung process explains itself in
// Output.
func (p *Proc) Dump() {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.Kill()
	}
}
