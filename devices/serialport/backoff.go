package serialport

import "time"

// Backoff paces reopening a port that was lost: the first attempt at once,
// then waits doubling from First up to Max. Every driver reconnects through
// one, so the arithmetic (and its overflow cap) lives in one place. The zero
// value is ready; times come from the caller's clock, so tests need not sleep.
type Backoff struct {
	First, Max time.Duration

	failures int
	retryAt  time.Time
	cause    error
}

// Waiting reports whether a reopen must wait at now, and the error of the last
// failed attempt to report meanwhile.
func (b *Backoff) Waiting(now time.Time) (bool, error) {
	return now.Before(b.retryAt), b.cause
}

// Failed records a failed reopen at now.
func (b *Backoff) Failed(now time.Time, err error) {
	b.failures++
	// Capped shift: 1<<n overflows into a negative wait after ~36 doublings.
	b.retryAt = now.Add(min(b.First<<min(b.failures-1, 30), b.Max))
	b.cause = err
}

// Succeeded resets the pacing after a successful reopen.
func (b *Backoff) Succeeded() { b.failures, b.retryAt, b.cause = 0, time.Time{}, nil }

// Failures counts failed reopens in a row.
func (b *Backoff) Failures() int { return b.failures }
