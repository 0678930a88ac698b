package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/sqlite"
)

// dataFlag defines --data, defaulting to $OFFICED_DATA.
func dataFlag(fs *flag.FlagSet, env Env, dir *string) {
	fs.StringVar(dir, "data", envOr(env, "OFFICED_DATA", "./officed-data"), "`DIR` holding officed.db (default $OFFICED_DATA)")
}

// openStore opens DIR/officed.db. With create it makes the directory and the
// database; without, a missing database is an error, so a mistyped --data
// does not quietly list an empty fleet or revoke nothing.
func openStore(ctx context.Context, dir string, create bool) (*sqlite.Store, error) {
	path := filepath.Join(dir, sqlite.FileName)
	if create {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	} else if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no officed database in data directory %s (is --data right?)", dir)
	}
	return sqlite.Open(ctx, path)
}

// parseInterspersed parses flags before and after positional arguments
// ("revoke ID --data DIR" as well as "revoke --data DIR ID") and returns the
// positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// timeText renders a time for listings: local time with its offset, to the
// second.
func timeText(t time.Time) string { return t.Local().Format(time.RFC3339) }

const enrollCodeDescription = `Creates a one-time enrollment code for the kiosk called NAME and prints it
on stdout, alone on one line. A technician enters it on the kiosk (or runs
kioskctl enroll --code CODE); it works once, within an hour. Only a hash of
the code is stored.
`

func runEnrollCode(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "enroll-code", "enroll-code --kiosk NAME [--data DIR]", enrollCodeDescription)
	var dir, name string
	dataFlag(fs, env, &dir)
	fs.StringVar(&name, "kiosk", "", "`NAME` of the kiosk, e.g. \"花园街道服务大厅 1号机\" (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := office.ValidKioskName(name); err != nil {
		fmt.Fprintf(env.Stderr, "--kiosk: %v\n", err)
		fs.Usage()
		return errUsage
	}
	store, err := openStore(ctx, dir, true)
	if err != nil {
		return err
	}
	defer store.Close()
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	now := time.Now()
	if err := store.AddEnrollCode(ctx, office.EnrollCode{Hash: hash, KioskName: name, Created: now, Expires: now.Add(office.EnrollCodeTTL)}); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, code)
	fmt.Fprintf(env.Stderr, "one-time code for %q, valid once until %s\n", name, now.Add(office.EnrollCodeTTL).Local().Format("15:04:05"))
	return nil
}

const kiosksDescription = `Lists every enrolled kiosk, one per line, tab-separated:
  ID  NAME  ENROLLED  LAST-HEARTBEAT|never  QUEUE-DEPTH  REVOKED|no
Times are local, RFC 3339.
`

func runKiosks(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "kiosks", "kiosks [--data DIR]", kiosksDescription)
	var dir string
	dataFlag(fs, env, &dir)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	store, err := openStore(ctx, dir, false)
	if err != nil {
		return err
	}
	defer store.Close()
	kiosks, err := store.Kiosks(ctx)
	if err != nil {
		return err
	}
	if len(kiosks) == 0 {
		fmt.Fprintln(env.Stderr, "no kiosks enrolled (officed enroll-code --kiosk NAME makes a code)")
		return nil
	}
	var b strings.Builder
	for _, k := range kiosks {
		seen, revoked := "never", "no"
		if !k.LastSeen.IsZero() {
			seen = timeText(k.LastSeen)
		}
		if k.Revoked() {
			revoked = timeText(k.RevokedAt)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%d\t%s\n", k.ID, k.Name, timeText(k.EnrolledAt), seen, k.QueueDepth, revoked)
	}
	_, err = fmt.Fprint(env.Stdout, b.String())
	return err
}

const revokeDescription = `Revokes the kiosk with id ID: from now on officed refuses its requests
(403). The kiosk keeps its records; it can rejoin only with a new code.
Revoking a revoked kiosk changes nothing.
`

func runRevoke(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "revoke", "revoke ID [--data DIR]", revokeDescription)
	var dir string
	dataFlag(fs, env, &dir)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintf(env.Stderr, "want exactly one kiosk ID, got %d arguments\n", len(pos))
		fs.Usage()
		return errUsage
	}
	id := pos[0]
	store, err := openStore(ctx, dir, false)
	if err != nil {
		return err
	}
	defer store.Close()
	k, err := store.Kiosk(ctx, id)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		return fmt.Errorf("no kiosk with id %q (officed kiosks lists them)", id)
	}
	if err != nil {
		return err
	}
	if k.Revoked() {
		fmt.Fprintf(env.Stdout, "%s (%s) was already revoked at %s\n", k.ID, k.Name, timeText(k.RevokedAt))
		return nil
	}
	if err := store.Revoke(ctx, id, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "revoked %s (%s)\n", k.ID, k.Name)
	return nil
}
