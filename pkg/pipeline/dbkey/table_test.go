package dbkey

import "testing"

func TestTable(t *testing.T) {
	tb := NewTable(1000)
	if c := tb.Cap(); c < 1000 || c >= 2000 {
		t.Fatalf("cap %d for 1000", c)
	}
	key := func(i int) uint64 { return Mix(uint64(i)) }
	for i := range 100 {
		if _, ok := tb.Get(key(i)); ok {
			t.Fatalf("key %d present before Put", i)
		}
		if ev := tb.Put(key(i), int64(i+1)); ev != 0 {
			t.Fatalf("evicted %d from a nearly empty table", ev)
		}
	}
	for i := range 100 {
		if v, ok := tb.Get(key(i)); !ok || v != int64(i+1) {
			t.Fatalf("key %d: %d %v", i, v, ok)
		}
	}
	if ev := tb.Put(key(5), 500); ev != 0 {
		t.Fatal("update in place evicted")
	}
	if v, _ := tb.Get(key(5)); v != 500 {
		t.Fatalf("updated stamp %d", v)
	}
	// Far more keys than entries: memory fixed, evictions reported.
	evictions := 0
	for i := range 10_000 {
		if tb.Put(key(1000+i), int64(1000+i)) != 0 {
			evictions++
		}
	}
	if evictions < 10_000-tb.Cap() {
		t.Fatalf("%d evictions", evictions)
	}
}
