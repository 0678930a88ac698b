package sim

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianmin/devices/scanner"
)

// Scanner simulates a serial barcode/QR scanner in line mode: every scan is
// the code's ASCII bytes and the configured suffix, sent unasked. Faults send
// what a flaky scanner or cable would: a line without its terminator, binary
// noise, a line too long. Bytes from the host are read and ignored, as a
// scanner that takes no commands does. Safe for concurrent use.
type Scanner struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced when conn changes
	conn    io.ReadWriter // the connection being served; nil while there is none
	suffix  scanner.Suffix
	baud    int
	sent    int // lines sent, faults included

	wmu sync.Mutex // one line on the wire at a time
}

var _ Device = (*Scanner)(nil)

// GarbageBytes are what Garbage sends before the terminator: control, DEL and
// non-ASCII bytes, none of them CR or LF so that they make one bad line.
var GarbageBytes = []byte{0x00, 0xFF, 0x1B, 0x80, 0x7F, 0xC3, 0x28, 0x02, 0xFE}

// scanWait is how long a scan waits for the host side to be plugged in (a
// replug is a moment without a connection) before it fails.
const scanWait = time.Second

// maxLong bounds Long, so a control request cannot make the simulator send
// megabytes.
const maxLong = 1 << 16

// NewScanner returns a scanner that sends CR after each code, as fast as the
// pty takes it.
func NewScanner() *Scanner { return &Scanner{changed: make(chan struct{})} }

// Name is "scanner".
func (s *Scanner) Name() string { return "scanner" }

// SetSuffix chooses the terminator sent after each line.
func (s *Scanner) SetSuffix(suf scanner.Suffix) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.suffix = suf
}

// SetBaud sends at the rate of an 8N1 line at baud; 0 means as fast as the
// pty takes bytes.
func (s *Scanner) SetBaud(baud int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.baud = max(baud, 0)
}

// Serve plays the scanner on conn until a read fails (the link was unplugged or
// closed). Scans are written from the goroutine that asks for them.
func (s *Scanner) Serve(conn io.ReadWriter) error {
	s.setConn(conn)
	defer s.setConn(nil)
	buf := make([]byte, 256)
	for {
		if _, err := conn.Read(buf); err != nil {
			return err
		}
	}
}

func (s *Scanner) setConn(c io.ReadWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
	close(s.changed)
	s.changed = make(chan struct{})
}

// Scan sends code and the suffix. code must not hold CR or LF (it would be two
// lines); anything else goes as given, so tests can send any bytes.
func (s *Scanner) Scan(code string) error {
	if code == "" || strings.ContainsAny(code, "\r\n") {
		return fmt.Errorf("scanner: scan: want one non-empty line, not %q", code)
	}
	return s.send([]byte(code), true)
}

// Partial sends code without a terminator, as a scanner cut off mid-line does.
func (s *Scanner) Partial(code string) error {
	if code == "" || strings.ContainsAny(code, "\r\n") {
		return fmt.Errorf("scanner: partial: want one non-empty line, not %q", code)
	}
	return s.send([]byte(code), false)
}

// Garbage sends GarbageBytes and the suffix: line noise.
func (s *Scanner) Garbage() error { return s.send(GarbageBytes, true) }

// Long sends a line of n digits and the suffix; n <= 0 means one more than
// scanner.DefaultMaxLen, the shortest line the default driver rejects.
func (s *Scanner) Long(n int) error {
	if n <= 0 {
		n = scanner.DefaultMaxLen + 1
	}
	if n > maxLong {
		return fmt.Errorf("scanner: long: at most %d bytes", maxLong)
	}
	line := make([]byte, n)
	for i := range line {
		line[i] = '0' + byte(i%10)
	}
	return s.send(line, true)
}

// send writes one line, waiting up to scanWait for a connection.
func (s *Scanner) send(line []byte, terminate bool) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	deadline := time.After(scanWait)
	s.mu.Lock()
	for s.conn == nil {
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			return errors.New("scanner: not connected (unplugged?)")
		}
		s.mu.Lock()
	}
	conn, baud, suffix := s.conn, s.baud, s.suffix
	s.sent++
	s.mu.Unlock()
	b := append([]byte(nil), line...)
	if terminate {
		b = append(b, suffix.Bytes()...)
	}
	if _, err := Pace(conn, baud).Write(b); err != nil {
		return fmt.Errorf("scanner: send: %w", err)
	}
	return nil
}

// Events are the scanner's unnamed events: "scan CODE" (SPEC §3). Its faults
// need the device named: "scanner partial CODE".
func (s *Scanner) Events() []string { return []string{"scan"} }

// Handle applies the scanner's control events:
//
//	scan CODE         CODE and the suffix (words of CODE joined by one space)
//	partial CODE      CODE without a terminator
//	garbage           binary bytes and the suffix
//	long [N]          N digits (default 513) and the suffix
//	suffix cr|lf|crlf the terminator of the lines to come
func (s *Scanner) Handle(event string, args []string) (string, bool, error) {
	var err error
	if (event == "scan" || event == "partial") && len(args) == 0 {
		return "", true, fmt.Errorf("%s: want a code", event)
	}
	switch event {
	case "scan":
		err = s.Scan(strings.Join(args, " "))
	case "partial":
		err = s.Partial(strings.Join(args, " "))
	case "garbage":
		if len(args) > 0 {
			return "", true, errors.New("garbage: takes no arguments")
		}
		err = s.Garbage()
	case "long":
		n := 0
		switch len(args) {
		case 0:
		case 1:
			if n, err = strconv.Atoi(args[0]); err != nil || n <= 0 {
				return "", true, fmt.Errorf("long: want a length in bytes, not %q", args[0])
			}
		default:
			return "", true, errors.New("long: too many arguments")
		}
		err = s.Long(n)
	case "suffix":
		if len(args) != 1 {
			return "", true, errors.New("suffix: want cr, lf or crlf")
		}
		suf, perr := scanner.ParseSuffix(args[0])
		if perr != nil {
			return "", true, fmt.Errorf("suffix: want cr, lf or crlf, not %q", args[0])
		}
		s.SetSuffix(suf)
	default:
		return "", false, nil
	}
	return "", true, err
}

// State is e.g. "suffix cr, 3 lines sent".
func (s *Scanner) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := fmt.Sprintf("suffix %s, %d lines sent", s.suffix, s.sent)
	if s.baud > 0 {
		st += fmt.Sprintf(", %d baud", s.baud)
	}
	return st
}

// Sent is the number of lines sent so far, faults included.
func (s *Scanner) Sent() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}
