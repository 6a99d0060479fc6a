package forward

import (
	"context"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dbintel/dbintel/pkg/pipeline"
	"github.com/dbintel/dbintel/test/fakebackend"
)

const (
	benchItems     = 40_000
	benchBatches   = 400 // for the store benchmark, of benchItems/benchBatches points
	benchProducers = 4
)

// produce hands n batches of size points to consume from benchProducers
// goroutines (as the gateway's receivers do), retrying refusals.
func produce(b *testing.B, n, size int, consume func(pipeline.Batch) error) {
	batches := make(chan pipeline.Batch, n)
	for range n {
		batches <- testBatch(size, 0, 0)
	}
	close(batches)
	var wg sync.WaitGroup
	for range benchProducers {
		wg.Go(func() {
			for bt := range batches {
				for consume(bt) != nil {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkForwarder measures end-to-end throughput (Consume → queue → OTLP
// gRPC on loopback → fake backend) with the in-memory queue and the durable
// queue under both fsync policies, in the same run; it reports items/s and
// the ratio of each durable variant to in-memory. Batches of 100 points are
// the worst case for fsync per batch; the gateway's batcher sends up to
// 8192.
func BenchmarkForwarder(b *testing.B) {
	for _, size := range []int{100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) { benchForwarder(b, size) })
	}
}

func benchForwarder(b *testing.B, size int) {
	variants := []struct{ name, dir, fsync string }{
		{"memory", "", "batch"}, {"durable_batch", "d1", "batch"}, {"durable_100ms", "d2", "100ms"},
	}
	rates := map[string]float64{}
	b.ReportAllocs()
	for i := range b.N {
		// Rotate the order and start each variant from a collected heap, so
		// neither position nor the previous variant's garbage biases it.
		for j := range variants {
			v := variants[(i+j)%len(variants)]
			runtime.GC()
			be := fakebackend.Start(b)
			be.SetDiscard(true)
			cfg := testConfig(be, "grpc")
			if v.dir != "" {
				cfg.Queue.Dir = filepath.Join(b.TempDir(), v.dir)
			}
			cfg.Queue.Fsync = v.fsync
			f, err := New(cfg, nil, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = f.Start(context.Background())
			start := time.Now()
			produce(b, benchItems/size, size, func(bt pipeline.Batch) error { return f.Consume(context.Background(), bt) })
			be.WaitForItems(b, benchItems, time.Minute)
			rates[v.name] += benchItems / time.Since(start).Seconds()
			if err := f.Shutdown(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, v := range variants {
		b.ReportMetric(rates[v.name]/float64(b.N), v.name+"_items/s")
	}
	b.ReportMetric(rates["durable_batch"]/rates["memory"], "durable_batch/memory")
	b.ReportMetric(rates["durable_100ms"]/rates["memory"], "durable_100ms/memory")
}

// BenchmarkQueueStore compares the chosen segment log with bbolt for the
// durable queue's job: encode a batch, store it durably (fsync before the
// producer is acknowledged, concurrent producers sharing syncs), then delete
// it once sent. It reports batches/s for both and segment/bbolt.
func BenchmarkQueueStore(b *testing.B) {
	var segRate, boltRate float64
	for range b.N {
		segRate += benchSegment(b)
		boltRate += benchBolt(b)
	}
	b.ReportMetric(segRate/float64(b.N), "segment_batches/s")
	b.ReportMetric(boltRate/float64(b.N), "bbolt_batches/s")
	b.ReportMetric(segRate/boltRate, "segment/bbolt")
}

func benchSegment(b *testing.B) float64 {
	cfg := DefaultConfig().Queue
	cfg.Dir = b.TempDir()
	q, _, _, err := openDiskQueue(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range benchBatches {
			it, err := q.get(context.Background())
			if err != nil {
				b.Error(err)
				return
			}
			_ = q.ack(it)
		}
	}()
	produce(b, benchBatches, benchItems/benchBatches, func(bt pipeline.Batch) error {
		_, err := q.put(testItem(b, bt, time.Now()), func() {})
		return err
	})
	<-done
	rate := benchBatches / time.Since(start).Seconds()
	if _, err := q.close(); err != nil {
		b.Fatal(err)
	}
	return rate
}

func benchBolt(b *testing.B) float64 {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "queue.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bucket := []byte("q")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucket); return err }); err != nil {
		b.Fatal(err)
	}
	keys := make(chan uint64, benchBatches)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range benchBatches {
			k := <-keys
			var key [8]byte
			binary.BigEndian.PutUint64(key[:], k)
			// Sent batches are deleted the same way, group-committed.
			_ = db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete(key[:]) })
		}
	}()
	produce(b, benchBatches, benchItems/benchBatches, func(bt pipeline.Batch) error {
		rec := encodeRecord(testItem(b, bt, time.Now()))
		var id uint64
		err := db.Batch(func(tx *bolt.Tx) error {
			bk := tx.Bucket(bucket)
			id, _ = bk.NextSequence()
			var key [8]byte
			binary.BigEndian.PutUint64(key[:], id)
			return bk.Put(key[:], rec)
		})
		if err == nil {
			keys <- id
		}
		return err
	})
	<-done
	return benchBatches / time.Since(start).Seconds()
}
