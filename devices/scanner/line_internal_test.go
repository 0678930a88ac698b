package scanner

import (
	"bytes"
	"testing"
	"time"
)

// A line far over the limit must not grow the buffer past it.
func TestLineReaderBuffersAtMostMaxLen(t *testing.T) {
	r := NewLineReader(64, 0)
	now := time.Now()
	for range 100 {
		r.Feed(bytes.Repeat([]byte("9"), 1000), now)
	}
	if c := cap(r.buf); c > 2*64 { // append may round the capacity up
		t.Errorf("buffer capacity %d after 100 KB of one line, limit 64", c)
	}
	if got := r.Feed([]byte("\r"), now); len(got) != 1 || got[0].Err == nil {
		t.Errorf("the long line ended as %v", got)
	}
}
