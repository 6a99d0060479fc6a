package postgres

import (
	"reflect"
	"testing"
)

func TestBlockingChains(t *testing.T) {
	s := func(pid int32, by ...int32) session { return session{pid: pid, blockedBy: by} }
	tests := []struct {
		name   string
		sample []session
		want   [][]int32 // pids per chain, root first
		depth  [][]int
	}{
		{"nobody waits", []session{s(1), s(2)}, nil, nil},
		{"one waiter", []session{s(1), s(2, 1)}, [][]int32{{1, 2}}, [][]int{{0, 1}}},
		{"tree", []session{s(10), s(11, 10), s(12, 10), s(13, 11)}, [][]int32{{10, 11, 12, 13}}, [][]int{{0, 1, 1, 2}}},
		{"two roots", []session{s(1), s(2, 1), s(5), s(6, 5)}, [][]int32{{1, 2}, {5, 6}}, nil},
		{"blocker not in sample", []session{s(7, 99)}, [][]int32{{99, 7}}, nil},
		{"cycle", []session{s(3, 4), s(4, 3)}, [][]int32{{3, 4}}, nil},
		{"waiting on two blockers", []session{s(1), s(2), s(3, 1, 2)}, [][]int32{{1, 3}, {2, 3}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chains := blockingChains(tt.sample)
			var got [][]int32
			var depth [][]int
			for _, c := range chains {
				var pids []int32
				var ds []int
				for _, n := range c {
					pids = append(pids, n.s.pid)
					ds = append(ds, n.depth)
				}
				got = append(got, pids)
				depth = append(depth, ds)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("chains %v, want %v", got, tt.want)
			}
			if tt.depth != nil && !reflect.DeepEqual(depth, tt.depth) {
				t.Fatalf("depths %v, want %v", depth, tt.depth)
			}
		})
	}
}
