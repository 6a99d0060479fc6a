package newrelic

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
)

// goTB lets a helper that takes a testing.TB run on another goroutine:
// Fatal and Skip end that goroutine and are replayed on the test's own
// goroutine by parallel.
type goTB struct {
	testing.TB
	mu      sync.Mutex
	fatal   []string
	skipped []string
}

func (g *goTB) stop(list *[]string, msg string) {
	g.mu.Lock()
	*list = append(*list, msg)
	g.mu.Unlock()
	runtime.Goexit()
}

func (g *goTB) Fatal(args ...any)                 { g.stop(&g.fatal, fmt.Sprint(args...)) }
func (g *goTB) Fatalf(format string, args ...any) { g.stop(&g.fatal, fmt.Sprintf(format, args...)) }
func (g *goTB) FailNow()                          { g.stop(&g.fatal, "FailNow") }
func (g *goTB) Skip(args ...any)                  { g.stop(&g.skipped, fmt.Sprint(args...)) }
func (g *goTB) Skipf(format string, args ...any)  { g.stop(&g.skipped, fmt.Sprintf(format, args...)) }
func (g *goTB) SkipNow()                          { g.stop(&g.skipped, "SkipNow") }

// parallel runs slow independent set-up steps (starting servers) at once.
func parallel(t *testing.T, steps ...func(tb testing.TB)) {
	t.Helper()
	g := &goTB{TB: t}
	var wg sync.WaitGroup
	for _, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			step(g)
		}()
	}
	wg.Wait()
	if len(g.fatal) > 0 {
		t.Fatal(g.fatal)
	}
	if len(g.skipped) > 0 {
		t.Skip(g.skipped)
	}
}
