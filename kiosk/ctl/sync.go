package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"bianmin"
	"bianmin/kiosk/store"
	"bianmin/sync/wire"
)

func init() {
	commands["enroll"] = enrollCmd
	commands["queue"] = queueCmd
	commands["sync"] = syncCmd
	commands["loadgen"] = loadgenCmd
}

// enrollCmd: kioskctl enroll --data DIR --server URL --code CODE
func enrollCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("enroll", flag.ContinueOnError)
	data := dataFlag(fs)
	server := fs.String("server", "", "officed's base URL")
	code := fs.String("code", "", "one-time enrollment code from `officed enroll-code`")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *server == "" || *code == "" {
		return usageErr("enroll needs --server URL and --code CODE")
	}
	rt, err := openKiosk(ctx, *data)
	if err != nil {
		return err
	}
	defer rt.Close()
	e, err := rt.Enroll(ctx, *server, *code)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "enrolled as %s (%s) at %s\n", e.KioskID, e.Name, e.Server)
	return nil
}

// queueCmd: kioskctl queue --data DIR — state<TAB>kind<TAB>count per line.
func queueCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("queue", flag.ContinueOnError)
	data := dataFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("queue takes no arguments")
	}
	rt, err := openKiosk(ctx, *data)
	if err != nil {
		return err
	}
	defer rt.Close()
	counts, err := rt.DB.QueueCounts(ctx)
	if err != nil {
		return err
	}
	for _, c := range counts {
		fmt.Fprintf(stdout, "%s\t%s\t%d\n", c.State, c.Kind, c.Count)
	}
	return nil
}

// syncCmd: kioskctl sync now --data DIR — one full push and pull.
func syncCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	if len(args) == 0 || args[0] != "now" {
		return usageErr("sync needs now")
	}
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	data := dataFlag(fs)
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after")
	pos, err := parse(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("sync now takes no arguments")
	}
	rt, err := openKiosk(ctx, *data)
	if err != nil {
		return err
	}
	defer rt.Close()
	s, err := rt.Syncer(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	pushed, err := s.Push(ctx)
	if err != nil {
		return fmt.Errorf("push (%d records acknowledged before): %w", pushed, err)
	}
	pulled, err := s.Pull(ctx)
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	if _, err := s.Client.Heartbeat(ctx, rt.Heartbeat(ctx)); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	rejected, _ := rt.DB.Rejected(ctx, 1000)
	fmt.Fprintf(stdout, "pushed %d records, applied %d changes, %d rejected records kept\n", pushed, pulled, len(rejected))
	return nil
}

// loadgenCmd: kioskctl loadgen --data DIR --records N — synthetic records of
// every kind, for testing links and for benchmarks.
func loadgenCmd(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	data := dataFlag(fs)
	n := fs.Int("records", 1000, "how many records")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *n < 1 {
		return usageErr("loadgen needs --records N (N ≥ 1)")
	}
	rt, err := openKiosk(ctx, *data)
	if err != nil {
		return err
	}
	defer rt.Close()
	code, err := rt.Code(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	var lastTicket string
	for i := 0; i < *n; i++ {
		kind := Synthetic[i%len(Synthetic)]
		err := rt.DB.Update(ctx, func(tx *store.Tx) error {
			now := time.Now()
			var numErr error
			number := func(p byte) string {
				num, err := tx.NextNumber(ctx, p, code, now)
				numErr = errors.Join(numErr, err)
				return num
			}
			data := bianmin.Sample(kind, int64(i), number, lastTicket, 0)
			if numErr != nil {
				return numErr
			}
			if err := data.Validate(); err != nil {
				return err
			}
			rec, err := tx.Append(ctx, kind, wire.Kinds[kind][len(wire.Kinds[kind])-1], data, now)
			if kind == bianmin.KindTicket {
				lastTicket = rec.ID
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "queued %d records in %v\n", *n, time.Since(start).Round(time.Millisecond))
	return nil
}

// Synthetic lists the kinds loadgen queues in turn: every kind a kiosk's
// services queue, each with valid data (bianmin.Sample) that officed accepts.
var Synthetic = []string{bianmin.KindTicket, bianmin.KindApplication, bianmin.KindPayment,
	bianmin.KindPaymentIncomplete, bianmin.KindRating, bianmin.KindDeviceEvent, bianmin.KindCashCollected}
