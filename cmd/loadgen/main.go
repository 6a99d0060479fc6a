// Command loadgen replays pre-built, database-shaped OTLP requests at an
// OTLP receiver (the gateway, a Collector, or a sink) over gRPC or HTTP from
// K connections, flat out or at a fixed rate, and prints one JSON line: how
// many items were accepted, how many requests were refused, and request
// latency percentiles. test/load runs it side by side against the gateway
// and its alternatives (make loadtest).
//
//	loadgen -target 127.0.0.1:4317 -signal logs -conns 2 -workers 8 -duration 10s
//	loadgen -protocol http -target http://127.0.0.1:4318 -signal metrics -rate 50
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/time/rate"
)

// Result is the generator's report, one JSON object on stdout.
type Result struct {
	Signal     string  `json:"signal"`
	Protocol   string  `json:"protocol"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"`
	Items      int     `json:"items"` // accepted
	Refused    int     `json:"refused"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	BodyBytes  int     `json:"body_bytes"` // mean request size, uncompressed
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run() error {
	target := flag.String("target", "127.0.0.1:4317", "gRPC host:port, or the base URL for -protocol http")
	protocol := flag.String("protocol", "grpc", "grpc | http")
	sig := flag.String("signal", "metrics", "metrics | logs | traces")
	conns := flag.Int("conns", 2, "connections")
	workers := flag.Int("workers", 8, "concurrent senders, spread over the connections")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	perSecond := flag.Float64("rate", 0, "requests per second over all workers; 0 = as fast as answered")
	items := flag.Int("items", 1000, "items per request")
	variants := flag.Int("variants", 16, "distinct pre-built requests, spread over 8 database servers")
	compression := flag.String("compression", "none", "gRPC request compression: none | gzip")
	flag.Parse()
	if *conns < 1 || *workers < 1 || *items < 1 || *variants < 1 {
		return errors.New("-conns, -workers, -items and -variants must be positive")
	}
	reqs, err := build(*sig, *variants, *items)
	if err != nil {
		return err
	}
	senders := make([]sender, *conns)
	for i := range senders {
		switch *protocol {
		case "grpc":
			g, err := newGRPC(*target, *sig, *compression)
			if err != nil {
				return err
			}
			senders[i] = g
		case "http":
			senders[i] = newHTTP(*target, *sig)
		default:
			return fmt.Errorf("unknown -protocol %q", *protocol)
		}
		defer senders[i].close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var limit *rate.Limiter
	if *perSecond > 0 {
		limit = rate.NewLimiter(rate.Limit(*perSecond), 1)
	}
	res := Result{Signal: *sig, Protocol: *protocol}
	for _, r := range reqs {
		res.BodyBytes += len(r.body) / len(reqs)
	}
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	begin := time.Now()
	end := begin.Add(*duration)
	paced, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	for w := range *workers {
		wg.Go(func() {
			s := senders[w%len(senders)]
			var mine []time.Duration
			var ok, items, refused, errs int
			var first error
			// Requests started before the end run to their answer, so
			// every item the receiver accepted is counted.
			for i := w; ctx.Err() == nil && time.Now().Before(end); i += *workers {
				if limit != nil && limit.Wait(paced) != nil {
					break
				}
				r := reqs[i%len(reqs)]
				t0 := time.Now()
				err := s.send(ctx, r.body)
				switch {
				case ctx.Err() != nil: // interrupted: not counted
				case err == nil:
					mine = append(mine, time.Since(t0))
					ok++
					items += r.items
				case errors.Is(err, errRefused):
					refused++
					time.Sleep(20 * time.Millisecond) // a real sender backs off
				default:
					errs++
					if first == nil {
						first = err
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, mine...)
			res.Requests += ok
			res.Items += items
			res.Refused += refused
			res.Errors += errs
			if first != nil && res.FirstError == "" {
				res.FirstError = first.Error()
			}
		})
	}
	wg.Wait()
	res.Seconds = time.Since(begin).Seconds()
	slices.Sort(lat)
	res.P50ms, res.P99ms = percentile(lat, 0.50), percentile(lat, 0.99)
	return json.NewEncoder(os.Stdout).Encode(res)
}

func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return float64(sorted[int(q*float64(len(sorted)-1))].Microseconds()) / 1000
}
