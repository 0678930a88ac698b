package client

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	mid := func() float64 { return 0.5 } // no spread
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {9, 256 * time.Second}, {10, 5 * time.Minute}, {100, 5 * time.Minute}} {
		if got := Backoff(tc.attempt, time.Second, 5*time.Minute, mid); got != tc.want {
			t.Errorf("attempt %d: %v, want %v", tc.attempt, got, tc.want)
		}
	}
	lo := Backoff(3, time.Second, time.Minute, func() float64 { return 0 })
	hi := Backoff(3, time.Second, time.Minute, func() float64 { return 0.999 })
	if lo != 2*time.Second || hi < 5900*time.Millisecond || hi >= 6*time.Second {
		t.Errorf("jitter range [%v, %v), want [2s, 6s)", lo, hi)
	}
}
