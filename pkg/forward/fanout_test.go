package forward

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/dbintel/dbintel/internal/config"
	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

func TestFanoutSlowBackendDoesNotHoldOthers(t *testing.T) {
	fast, slow := fakebackend.Start(t), fakebackend.Start(t)
	slow.SetDown(true)
	slowCfg := testConfig(slow, "grpc")
	slowCfg.Queue.SizeItems = 10
	reg := prometheus.NewRegistry()
	fo, err := NewFanout([]Target{{Name: "fast", Config: testConfig(fast, "http")}, {Name: "slow", Config: slowCfg}}, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = fo.Start(context.Background())
	for range 10 {
		if err := fo.Consume(context.Background(), testBatch(3, 0, 0)); err != nil {
			t.Fatalf("a full queue at one backend refused the batch for all: %v", err)
		}
	}
	fast.WaitForItems(t, 30, 10*time.Second)
	if got := gathered(t, reg, "dbintel_forward_fanout_items_dropped_total", "backend", "slow"); got == 0 {
		t.Error("the slow backend's missed items are not counted")
	}
	// The backend records a request before the forwarder counts it sent.
	deadline := time.Now().Add(5 * time.Second)
	for gathered(t, reg, "dbintel_forward_items_sent_total", "backend", "fast") < 30 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := gathered(t, reg, "dbintel_forward_items_sent_total", "backend", "fast"); got != 30 {
		t.Errorf("fast backend sent %v, want 30", got)
	}
	slow.SetDown(false)
	queued := gathered(t, reg, "dbintel_forward_items_enqueued_total", "backend", "slow")
	slow.WaitForItems(t, int(queued), 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fo.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFanoutAllRefuse(t *testing.T) {
	be := fakebackend.Start(t)
	a, b := testConfig(be, "grpc"), testConfig(be, "grpc")
	a.Queue.SizeItems, b.Queue.SizeItems = 1, 1
	fo, err := NewFanout([]Target{{Name: "a", Config: a}, {Name: "b", Config: b}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Not started: both queues fill with the first batch.
	if err := fo.Consume(context.Background(), testBatch(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	if err := fo.Consume(context.Background(), testBatch(1, 0, 0)); !errors.Is(err, pipeline.ErrRefused) {
		t.Fatalf("every backend full = %v, want a refusal for the sender to retry", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = fo.Shutdown(ctx)
}

func TestValidateTargets(t *testing.T) {
	ok := DefaultConfig()
	bad := DefaultConfig()
	bad.Timeout = 0
	d1, d2 := DefaultConfig(), DefaultConfig()
	d1.Queue.Dir, d2.Queue.Dir = "/q", "/q"
	for _, tc := range []struct {
		name string
		ts   []Target
		want string
	}{
		{"ok", []Target{{Name: "nr", Config: ok}, {Name: "other", Config: ok}}, ""},
		{"no name", []Target{{Config: ok}}, "[0].name"},
		{"duplicate", []Target{{Name: "a", Config: ok}, {Name: "a", Config: ok}}, "[1].name"},
		{"nested problem", []Target{{Name: "a", Config: bad}}, "[0].timeout"},
		{"shared dir", []Target{{Name: "a", Config: d1}, {Name: "b", Config: d2}}, "[1].queue.dir"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateTargets(tc.ts)
			var p config.Problems
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.As(err, &p) || len(p) != 1 || p[0].Path != tc.want {
				t.Fatalf("ValidateTargets = %v, want one problem at %s", err, tc.want)
			}
		})
	}
}

func TestTargetsYAMLDefaultsAndStrictness(t *testing.T) {
	var dst struct {
		Forward []Target `yaml:"forward"`
	}
	doc := "forward:\n  - name: nr\n    headers: {api-key: k}\n  - name: local\n    endpoint: 127.0.0.1:4317\n    insecure: true\n"
	if err := config.Parse([]byte(doc), func(string) (string, bool) { return "", false }, &dst); err != nil {
		t.Fatal(err)
	}
	if len(dst.Forward) != 2 || dst.Forward[0].Endpoint != "otlp.nr-data.net:4317" || dst.Forward[1].Queue.Workers != 4 || dst.Forward[1].Endpoint != "127.0.0.1:4317" {
		t.Fatalf("defaults not applied: %+v", dst.Forward)
	}
	if err := ValidateTargets(dst.Forward); err != nil {
		t.Fatal(err)
	}
	bad := "forward:\n  - name: nr\n    endpont: x:1\n"
	if err := config.Parse([]byte(bad), func(string) (string, bool) { return "", false }, &dst); err == nil {
		t.Fatal("an unknown key in a fan-out entry was accepted")
	}
}

// Backends share one batch: one that splits it (a smaller request limit)
// must leave it whole for the next.
func TestFanoutSplitAtOneBackendLeavesOthersWhole(t *testing.T) {
	small, whole := fakebackend.Start(t), fakebackend.Start(t)
	smallCfg := testConfig(small, "grpc")
	smallCfg.Compression, smallCfg.MaxRequestBytes = "none", 2000
	fo, err := NewFanout([]Target{{Name: "small", Config: smallCfg}, {Name: "whole", Config: testConfig(whole, "grpc")}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = fo.Start(context.Background())
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = fo.Shutdown(ctx)
	}()
	if err := fo.Consume(context.Background(), testBatch(0, 0, 300)); err != nil {
		t.Fatal(err)
	}
	small.WaitForItems(t, 300, 10*time.Second)
	whole.WaitForItems(t, 300, 10*time.Second)
	if len(ids(small)) != 300 || len(ids(whole)) != 300 || len(small.Requests()) < 2 || len(whole.Requests()) != 1 {
		t.Errorf("small: %d spans in %d requests; whole: %d spans in %d requests",
			len(ids(small)), len(small.Requests()), len(ids(whole)), len(whole.Requests()))
	}
}
