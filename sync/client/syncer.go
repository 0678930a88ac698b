package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"bianmin/sync/wire"
)

// Local is the kiosk's store as the Syncer needs it (kiosk/store.DB).
type Local interface {
	Pending(ctx context.Context, maxN, maxBytes int) ([]wire.Record, error)
	MarkSent(ctx context.Context, ids []string, at time.Time) error
	MarkRejected(ctx context.Context, id, reason string) error
	NoteAttempt(ctx context.Context, ids []string, reason string) error
	Cursor(ctx context.Context) (int64, error)
	ApplyChanges(ctx context.Context, changes []wire.Change, cursor int64) error
	ReplaceClass(ctx context.Context, class string, changes []wire.Change) error
}

// Syncer moves records up and content down.
type Syncer struct {
	Client *Client
	Local  Local
	// BatchRecords and BatchBytes bound one push (defaults 200 and 256 KiB).
	BatchRecords, BatchBytes int
	// PageSize bounds one pull (default 500).
	PageSize int
	// Heartbeat builds the heartbeat to send after each round; nil sends none.
	Heartbeat func(ctx context.Context) wire.Heartbeat
	Log       *slog.Logger
	Now       func() time.Time

	mu          sync.Mutex
	lastSuccess time.Time
	lastErr     error
}

// Status is what the technician page shows.
type Status struct {
	LastSuccess time.Time
	LastError   error
}

// Status returns the outcome of the last rounds.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Status{LastSuccess: s.lastSuccess, LastError: s.lastErr}
}

func (s *Syncer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Syncer) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// Push sends every pending record in bounded batches and returns how many
// officed acknowledged. Records officed refuses (a 4xx naming the record) are
// marked rejected and the rest go on; an answer that says the kiosk itself is
// refused (signature, revoked) or a network or server failure stops the push
// with the error, and the records stay pending for the next round.
func (s *Syncer) Push(ctx context.Context) (int, error) {
	maxN := cmpOr(s.BatchRecords, 200)
	maxBytes := cmpOr(s.BatchBytes, 256<<10)
	sent := 0
	for {
		recs, err := s.Local.Pending(ctx, maxN, maxBytes)
		if err != nil {
			return sent, err
		}
		if len(recs) == 0 {
			return sent, nil
		}
		ack, err := s.Client.Push(ctx, recs)
		var se *StatusError
		switch {
		case err == nil:
		case errors.As(err, &se) && !se.Temporary() && se.Err.Record != "":
			// One record is refused; the batch stored nothing. Keep it, visible,
			// and send the others again.
			s.log().Warn("sync: record rejected", "record", se.Err.Record, "code", se.Err.Code, "message", se.Err.Message)
			if err := s.Local.MarkRejected(ctx, se.Err.Record, se.Err.Error()); err != nil {
				return sent, err
			}
			continue
		case errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge && len(recs) > 1:
			maxN = max(1, len(recs)/2)
			continue
		case errors.As(err, &se) && se.Status == http.StatusRequestEntityTooLarge:
			if err := s.Local.MarkRejected(ctx, recs[0].ID, se.Err.Error()); err != nil {
				return sent, err
			}
			continue
		default:
			s.Local.NoteAttempt(ctx, ids(recs), err.Error())
			return sent, err
		}
		if err := s.Local.MarkSent(ctx, ack.Acked, s.now()); err != nil {
			return sent, err
		}
		if !acknowledgesAny(ack.Acked, recs) {
			return sent, fmt.Errorf("sync: officed acknowledged none of %d records", len(recs))
		}
		sent += len(ack.Acked)
	}
}

// Pull applies the change feed from the stored cursor to its end, page by
// page, each page with its cursor in one transaction. A must-refetch answer
// reloads the named classes from scratch.
func (s *Syncer) Pull(ctx context.Context) (int, error) {
	applied := 0
	cursor, err := s.Local.Cursor(ctx)
	if err != nil {
		return 0, err
	}
	for {
		ch, err := s.Client.Changes(ctx, cursor, "", cmpOr(s.PageSize, 500))
		if err != nil {
			return applied, err
		}
		if len(ch.MustRefetch) > 0 {
			for _, class := range ch.MustRefetch {
				n, err := s.refetch(ctx, class)
				if err != nil {
					return applied, err
				}
				applied += n
			}
			if err := s.Local.ApplyChanges(ctx, nil, ch.Cursor); err != nil {
				return applied, err
			}
			cursor = ch.Cursor
			continue
		}
		if err := s.Local.ApplyChanges(ctx, ch.Changes, ch.Cursor); err != nil {
			return applied, err
		}
		applied += len(ch.Changes)
		if !ch.More || ch.Cursor == cursor {
			return applied, nil
		}
		cursor = ch.Cursor
	}
}

func (s *Syncer) refetch(ctx context.Context, class string) (int, error) {
	var all []wire.Change
	var cursor int64
	for {
		ch, err := s.Client.Changes(ctx, cursor, class, cmpOr(s.PageSize, 500))
		if err != nil {
			return 0, err
		}
		if len(ch.MustRefetch) > 0 {
			return 0, fmt.Errorf("sync: officed asked to refetch %v while refetching %s", ch.MustRefetch, class)
		}
		all = append(all, ch.Changes...)
		if !ch.More || ch.Cursor == cursor {
			break
		}
		cursor = ch.Cursor
	}
	s.log().Info("sync: refetched class", "class", class, "entries", len(all))
	return len(all), s.Local.ReplaceClass(ctx, class, all)
}

// Once runs one full round — push, pull, heartbeat — and reports the first
// failure. `kioskctl sync now` is this.
func (s *Syncer) Once(ctx context.Context) error {
	_, err := s.Push(ctx)
	if err == nil {
		_, err = s.Pull(ctx)
	}
	if err == nil && s.Heartbeat != nil {
		_, err = s.Client.Heartbeat(ctx, s.Heartbeat(ctx))
	}
	s.mu.Lock()
	s.lastErr = err
	if err == nil {
		s.lastSuccess = s.now()
	}
	s.mu.Unlock()
	return err
}

// Run repeats Once every interval until ctx ends; after a failure it waits
// Backoff instead, so a kiosk that lost its network neither hammers officed
// when it returns nor waits long once it is back.
func (s *Syncer) Run(ctx context.Context, interval time.Duration) {
	failures := 0
	for {
		wait := interval
		if err := s.Once(ctx); err != nil {
			failures++
			wait = Backoff(failures, time.Second, 5*time.Minute, rand.Float64)
			s.log().Warn("sync: round failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			failures = 0
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// Backoff is the wait before retry number attempt (1, 2, …): base doubling up
// to limit, then spread by ±50 % with rnd() in [0, 1) so a fleet that lost the
// network together does not return together.
func Backoff(attempt int, base, limit time.Duration, rnd func() float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return time.Duration(float64(d) * (0.5 + rnd()))
}

func ids(recs []wire.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func acknowledgesAny(acked []string, recs []wire.Record) bool {
	set := map[string]bool{}
	for _, id := range acked {
		set[id] = true
	}
	for _, r := range recs {
		if set[r.ID] {
			return true
		}
	}
	return false
}

func cmpOr(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
