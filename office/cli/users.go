package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
)

const userAddDescription = `Creates a back-office account called NAME with role R:
  admin   everything, accounts and the audit log included
  clerk   the street office's desk: tickets, dispatch, call-backs, applications
  unit    staff of one member unit (--unit U, a unit id from the published
          member units, e.g. water-nangang): its own tickets only
The password is read from standard input (its first line), so it never shows
in the process list or the shell history:
  printf '%s\n' "$PASSWORD" | officed user add admin --role admin --data DIR
At a terminal it is asked for twice, without echo. At least 8 characters.
Create the first admin this way, then the others on the back office's
accounts page (/staff/users).
`

// runUser dispatches "officed user SUBCOMMAND"; add is the only one.
func runUser(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && args[0] != "-h" && args[0] != "--help" && args[0] != "-help" {
			fmt.Fprintf(env.Stderr, "officed user: unknown subcommand %q\n\n", args[0])
		}
		fmt.Fprintf(env.Stderr, "Usage:\n  officed user add NAME --role admin|clerk|unit [--unit U] [--data DIR]\n\n%s", userAddDescription)
		return errUsage
	}
	return runUserAdd(ctx, env, args[1:])
}

func runUserAdd(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "user add", "user add NAME --role admin|clerk|unit [--unit U] [--data DIR]", userAddDescription)
	var dir, role, unit string
	dataFlag(fs, env, &dir)
	fs.StringVar(&role, "role", "", "`ROLE` of the account: admin, clerk or unit (required)")
	fs.StringVar(&unit, "unit", "", "member unit `ID` of a unit account")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprintln(env.Stderr, "give the account's NAME once")
		fs.Usage()
		return errUsage
	}
	if !oneOfRoles(role) {
		fmt.Fprintf(env.Stderr, "--role must be admin, clerk or unit, not %q\n", role)
		fs.Usage()
		return errUsage
	}
	if (role == office.RoleUnit) != (unit != "") {
		fmt.Fprintln(env.Stderr, "--unit is required with --role unit, and only with it")
		fs.Usage()
		return errUsage
	}
	password, err := readPassword(env)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, dir, true)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now()
	// The shipped member units are published on the first start; a first
	// admin may be made before officed ever served, and a unit account
	// needs its unit published.
	if err := office.SeedShipped(ctx, store, slog.New(slog.NewTextHandler(io.Discard, nil)), now); err != nil {
		return err
	}
	u, err := backoffice.NewStaffUser(ctx, store, pos[0], role, unit, password)
	if err != nil {
		return err
	}
	after := "角色：" + office.RoleLabel(u.Role)
	if u.Unit != "" {
		after += "；单位：" + u.Unit
	}
	u, err = store.AddUser(ctx, u, office.AuditEntry{At: now, Action: "user.add", Subject: u.Name, After: after + "（命令行创建）"})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "account %s (%s) created; log in at /staff/\n", u.Name, u.Role)
	return nil
}

func oneOfRoles(role string) bool {
	for _, r := range office.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// readPassword reads the new account's password: the first line of
// standard input, or, at a terminal, typed twice without echo.
func readPassword(env Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok {
		if t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			return promptPassword(env, f, t)
		}
	}
	line, err := bufio.NewReader(io.LimitReader(env.Stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", bianmin.Errorf(bianmin.EINVALID, "no password on standard input (printf '%%s\\n' \"$PASSWORD\" | officed user add …)")
	}
	return pw, office.ValidatePassword(pw)
}

// promptPassword asks at terminal f with echo off, twice.
func promptPassword(env Env, f *os.File, t *unix.Termios) (string, error) {
	fd := int(f.Fd())
	quiet := *t
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, t)
	r := bufio.NewReader(f)
	var answers [2]string
	for i, prompt := range []string{"Password: ", "Again: "} {
		fmt.Fprint(env.Stderr, prompt)
		line, err := r.ReadString('\n')
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		answers[i] = strings.TrimRight(line, "\r\n")
	}
	if answers[0] != answers[1] {
		return "", bianmin.Errorf(bianmin.EINVALID, "the two passwords differ")
	}
	return answers[0], office.ValidatePassword(answers[0])
}
