// Package cli is officed's command line: it parses "officed COMMAND [flags]",
// builds what the command needs and runs it. cmd/officed only supplies the
// process's arguments, environment, output streams and signal context, so every
// command can be tested in-process.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Exit statuses of Run.
const (
	ExitOK    = 0
	ExitError = 1 // the command failed
	ExitUsage = 2 // the command line was wrong, or help was asked for
)

// Env is the process environment a command runs in.
type Env struct {
	Getenv func(string) string // os.Getenv in production
	Stdin  io.Reader           // nil reads nothing
	Stdout io.Writer
	Stderr io.Writer
}

// command is one officed subcommand. Later commands (user add, import-bills)
// are added to commands below.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env Env, args []string) error
}

var commands []command

func init() {
	// Assigned in init because the help command lists commands itself.
	commands = []command{
		{"serve", "serve the sync API, the public pages and the operations endpoints", runServe},
		{"enroll-code", "print a one-time code a kiosk enrolls with", runEnrollCode},
		{"kiosks", "list enrolled kiosks with their last heartbeat", runKiosks},
		{"revoke", "stop a kiosk from syncing", runRevoke},
		{"user", "add a back-office account: user add NAME --role R [--unit U]", runUser},
		{"import-bills", "replace a biller's bills from a CSV file and publish them to kiosks", runImportBills},
		{"help", "show this help, or a command's: officed help COMMAND", runHelp},
	}
}

// errUsage marks a command-line mistake; its message has already been printed
// with the usage text when it reaches Run.
var errUsage = errors.New("usage")

// Run runs the command named by args[0] until it finishes or ctx is cancelled,
// and returns the process exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	cmd := lookup(args[0])
	if cmd == nil {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			usage(env.Stderr)
		} else {
			fmt.Fprintf(env.Stderr, "officed: unknown command %q\n\n", args[0])
			usage(env.Stderr)
		}
		return ExitUsage
	}
	err := cmd.run(ctx, env, args[1:])
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errUsage):
		return ExitUsage
	default:
		fmt.Fprintf(env.Stderr, "officed %s: %v\n", cmd.name, err)
		return ExitError
	}
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, "officed is the street office's central service for the Bianmin kiosks.\n\nUsage:\n  officed COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun \"officed COMMAND --help\" for a command's flags.\n")
}

// runHelp prints the general usage or a command's. Help exits with ExitUsage
// like any other usage output, so scripts never mistake it for work done.
func runHelp(ctx context.Context, env Env, args []string) error {
	if len(args) == 1 {
		if c := lookup(args[0]); c != nil && c.name != "help" {
			c.run(ctx, env, []string{"--help"})
			return errUsage
		}
	}
	usage(env.Stderr)
	return errUsage
}

// newFlagSet returns a flag set that reports errors and help on stderr and
// leaves exiting to Run.
func newFlagSet(env Env, name, synopsis, description string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage:\n  officed %s\n\n%s\nFlags:\n", synopsis, description)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and rejects positional arguments the command does not
// take.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return errUsage // fs has printed the problem (or the help asked for)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

// envOr returns the environment variable key, or def when it is unset or blank.
func envOr(env Env, key, def string) string {
	if v := strings.TrimSpace(env.Getenv(key)); v != "" {
		return v
	}
	return def
}

// newLogger returns the process logger: slog to stderr as "text" or "json".
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}
