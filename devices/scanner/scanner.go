// Package scanner reads the codes a serial barcode/QR scanner sends in line
// mode: residents' payment codes (付款码) and the QR codes of the kiosk's own
// slips.
//
// The layers are kept apart as in devices/printer: line.go splits the byte
// stream into lines and classify.go says what a code is (pure functions, fuzz
// tested), driver.go holds the read loop, timeouts and reconnection, and the
// port comes from devices/serialport.
//
// Payment codes are single-use and worth money until they expire: Scan (String,
// GoString, LogValue) and Line (String, GoString) never print one whole, and
// error messages never quote a line.
package scanner

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Scanner is the payment-code scanner role the kiosk uses. The serial Driver
// implements it, as would any other source of scans.
type Scanner interface {
	// Scans delivers what is scanned from now until ctx ends, on a channel that
	// is then closed. There is one receiver at a time: a newer call takes over
	// and closes the older channel, so a payment code reaches exactly one
	// screen. What is scanned while no one receives is dropped, never kept for
	// later.
	Scans(ctx context.Context) <-chan Scan
	// Status reports the scanner's state as freshly checked. The error says why
	// it cannot scan now (disconnected); the state is in Status either way.
	Status(ctx context.Context) (Status, error)
}

var _ Scanner = (*Driver)(nil)

// Scan is one line from the scanner: a code and what it is, or Err.
type Scan struct {
	// Code is the code as read, surrounding blanks removed; empty when Err is set.
	Code  string
	Class Class
	// Number and Secret are the ticket or application number and the status
	// page secret of a ClassSlip code.
	Number string
	Secret string
	// Err is why a line could not be read: ErrGarbage, ErrTooLong or ErrPartial
	// (ask the resident to scan again), or ErrDisconnected once when the port
	// was lost (scans resume by themselves after a replug).
	Err error
	At  time.Time
}

// newScan makes the Scan of a line; ok is false for a line of blanks, which no
// scanner sends for a code and is not worth a message.
func newScan(l Line, slipBase string) (s Scan, ok bool) {
	if l.Err != nil {
		return Scan{Err: l.Err, At: l.At}, true
	}
	code := strings.TrimSpace(l.Text)
	if code == "" {
		return Scan{}, false
	}
	s = Scan{Code: code, Class: Classify(code, slipBase), At: l.At}
	if s.Class == ClassSlip {
		s.Number, s.Secret, _ = ParseSlip(code, slipBase)
	}
	return s, true
}

// String is safe to log: "wechat **************6789", "slip T20261125-0001",
// "error: scanner: line too long (over 512 bytes)".
func (s Scan) String() string {
	switch {
	case s.Err != nil:
		return "error: " + s.Err.Error()
	case s.Class == ClassSlip:
		return "slip " + s.Number
	}
	return s.Class.String() + " " + mask(s.Code)
}

// GoString masks like String, so that %#v does not print a code either.
func (s Scan) GoString() string { return "scanner.Scan{" + s.String() + "}" }

// LogValue masks the code and leaves out the slip secret.
func (s Scan) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("class", s.Class.String())}
	if s.Code != "" && s.Class != ClassSlip {
		attrs = append(attrs, slog.String("code", mask(s.Code)))
	}
	if s.Number != "" {
		attrs = append(attrs, slog.String("number", s.Number))
	}
	if s.Err != nil {
		attrs = append(attrs, slog.String("err", s.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// mask keeps the last 4 characters of a code and stars the rest; a code of 8
// characters or fewer is all stars, as its last 4 would give away half of it.
func mask(code string) string {
	r := []rune(code)
	if len(r) <= 8 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// Status is the state of a scanner as the driver sees it. A serial scanner in
// line mode cannot be asked anything, so Connected means the port is open: a
// scanner unplugged behind a USB adapter that stays looks connected.
type Status struct {
	Port      string
	Connected bool
	// Suffix is the terminator the scanner was last seen to send when
	// SuffixSeen, else the configured one. A difference from the configuration
	// is harmless (all are accepted) but worth a technician's look.
	Suffix     Suffix
	SuffixSeen bool
	// Lines counts the lines read since the driver started, Errors those of
	// them that could not be read, and Dropped the scans no one received.
	Lines, Errors, Dropped int
	// Last is when the last line was read; zero before the first.
	Last time.Time
}
