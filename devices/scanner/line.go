package scanner

import (
	"fmt"
	"strings"
	"time"
)

// Suffix is the terminator a scanner sends after each code.
type Suffix int

const (
	SuffixCR   Suffix = iota // carriage return, 0x0D: the factory setting of most scanners
	SuffixLF                 // line feed, 0x0A
	SuffixCRLF               // CR then LF
)

var suffixNames = [...]string{SuffixCR: "cr", SuffixLF: "lf", SuffixCRLF: "crlf"}

// String returns the config spelling of s: "cr", "lf" or "crlf".
func (s Suffix) String() string {
	if s < 0 || int(s) >= len(suffixNames) {
		return fmt.Sprintf("Suffix(%d)", int(s))
	}
	return suffixNames[s]
}

// Bytes returns the bytes of the terminator.
func (s Suffix) Bytes() []byte {
	switch s {
	case SuffixLF:
		return []byte{'\n'}
	case SuffixCRLF:
		return []byte{'\r', '\n'}
	}
	return []byte{'\r'}
}

// ParseSuffix reads the config spelling of a suffix; case and surrounding
// blanks do not matter, "cr lf" and "cr-lf" mean crlf, and "" means cr.
func ParseSuffix(s string) (Suffix, error) {
	norm := strings.NewReplacer(" ", "", "-", "", "_", "", "+", "").Replace(strings.ToLower(strings.TrimSpace(s)))
	if norm == "" {
		return SuffixCR, nil
	}
	for v, name := range suffixNames {
		if norm == name {
			return Suffix(v), nil
		}
	}
	return SuffixCR, fmt.Errorf("scanner: unknown suffix %q (want cr, lf or crlf)", s)
}

// MarshalText writes the config spelling, so saved configurations read "crlf".
func (s Suffix) MarshalText() ([]byte, error) {
	if s < 0 || int(s) >= len(suffixNames) {
		return nil, fmt.Errorf("scanner: unknown suffix %d", int(s))
	}
	return []byte(suffixNames[s]), nil
}

// UnmarshalText accepts what ParseSuffix accepts.
func (s *Suffix) UnmarshalText(b []byte) error {
	v, err := ParseSuffix(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

const (
	// DefaultMaxLen bounds a line: payment codes are 16–24 digits and a slip URL
	// well under 200 bytes, so anything near this is not for us.
	DefaultMaxLen = 512
	// DefaultInterChar is how long a line may stall between bytes before it is
	// dropped as cut off. A scanner sends a whole code in one burst (at 9600
	// baud a byte takes about 1 ms; USB adapters add up to ~16 ms), and no one
	// scans twice within this.
	DefaultInterChar = 200 * time.Millisecond
)

// Line is one line read from a scanner: its text, or Err when it could not be
// read (ErrGarbage, ErrTooLong, ErrPartial), in which case Text is empty.
type Line struct {
	Text string
	Err  error
	At   time.Time // when the line ended (its terminator, or when it was given up)
}

// String masks Text like Scan.String: a line may be a single-use payment code.
func (l Line) String() string {
	if l.Err != nil {
		return "error: " + l.Err.Error()
	}
	return mask(l.Text)
}

// GoString masks like String, so that %#v does not print a code either.
func (l Line) GoString() string { return "scanner.Line{" + l.String() + "}" }

// LineReader splits a scanner's byte stream into lines. It is pure: the caller
// says what time it is with every call. It accepts CR, LF and CR LF as
// terminators whatever the scanner is configured to send (CR LF counts once),
// skips empty lines, keeps at most MaxLen bytes of a line, and rejects a line
// that holds a byte outside printable ASCII, runs past MaxLen, or stalls for
// longer than InterChar before its terminator. After a rejected line it carries
// on with the next one. Not safe for concurrent use.
type LineReader struct {
	maxLen    int
	interChar time.Duration

	buf    []byte    // the line in progress, up to maxLen bytes
	n      int       // bytes of the line in progress, kept or not
	err    error     // first fault of the line in progress
	last   time.Time // arrival of its latest byte
	cr     bool      // the previous byte was a CR, so an LF now is part of CR LF
	crLine bool      // ... and that CR ended a line
	term   Suffix    // terminator of the last line
	seen   bool      // a line has ended with a terminator
}

// NewLineReader returns a reader for lines of at most maxLen bytes that fail
// when they stall longer than interChar; zero or less means the default.
func NewLineReader(maxLen int, interChar time.Duration) *LineReader {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	if interChar <= 0 {
		interChar = DefaultInterChar
	}
	return &LineReader{maxLen: maxLen, interChar: interChar}
}

// Feed takes bytes that arrived at now and returns the lines they complete, in
// order. A line in progress that stalled longer than InterChar before now is
// returned first, as ErrPartial, and the new bytes start afresh.
func (r *LineReader) Feed(p []byte, now time.Time) []Line {
	var out []Line
	if l, ok := r.Expire(now); ok {
		out = append(out, l)
	}
	for _, b := range p {
		switch b {
		case '\r':
			ended := r.n > 0
			out = r.end(out, now, SuffixCR)
			r.cr, r.crLine = true, ended
			continue
		case '\n':
			if r.cr {
				if r.crLine {
					r.term = SuffixCRLF
				}
				r.cr, r.crLine = false, false
				continue
			}
			out = r.end(out, now, SuffixLF)
			continue
		}
		r.cr, r.crLine = false, false
		r.n++
		r.last = now
		switch {
		case r.err != nil:
		case b < 0x20 || b > 0x7E:
			r.err = fmt.Errorf("%w (byte 0x%02X at position %d)", ErrGarbage, b, r.n)
		case r.n > r.maxLen:
			r.err = fmt.Errorf("%w (over %d bytes)", ErrTooLong, r.maxLen)
		default:
			r.buf = append(r.buf, b)
		}
	}
	return out
}

// Expire returns the line in progress as failed if it has stalled longer than
// InterChar by now: ErrPartial, or the fault it already had (a line that was
// too long stays too long). Call it when a read times out.
func (r *LineReader) Expire(now time.Time) (Line, bool) {
	if r.n == 0 || now.Sub(r.last) <= r.interChar {
		return Line{}, false
	}
	return r.drop(r.last.Add(r.interChar)), true
}

// Drop ends the line in progress as cut off, e.g. when the port went away under
// it; ok is false when there was none.
func (r *LineReader) Drop(now time.Time) (Line, bool) {
	if r.n == 0 {
		return Line{}, false
	}
	return r.drop(now), true
}

func (r *LineReader) drop(at time.Time) Line {
	err := r.err
	if err == nil {
		err = fmt.Errorf("%w (%d bytes, then nothing for over %v)", ErrPartial, r.n, r.interChar)
	}
	r.reset()
	r.cr, r.crLine = false, false
	return Line{Err: err, At: at}
}

// Suffix returns the terminator of the last line that had one (CR LF once its
// LF arrived); ok is false before the first.
func (r *LineReader) Suffix() (s Suffix, ok bool) { return r.term, r.seen }

// MaxLen is the longest line accepted.
func (r *LineReader) MaxLen() int { return r.maxLen }

// end completes the line in progress at a terminator; an empty one is skipped.
func (r *LineReader) end(out []Line, now time.Time, term Suffix) []Line {
	if r.n == 0 {
		return out
	}
	r.term, r.seen = term, true
	l := Line{Err: r.err, At: now}
	if r.err == nil {
		l.Text = string(r.buf)
	}
	r.reset()
	return append(out, l)
}

func (r *LineReader) reset() {
	r.buf, r.n, r.err = r.buf[:0], 0, nil
}
