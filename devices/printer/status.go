package printer

import (
	"fmt"
	"strings"
)

// Status is what a printer says about itself in its DLE EOT 1..4 replies.
type Status struct {
	// DLE EOT 1: printer status
	Offline bool
	// DLE EOT 2: offline cause
	CoverOpen    bool
	FeedButton   bool // the feed button is being pressed
	PaperEndStop bool // printing stopped because the paper ran out
	Error        bool
	// DLE EOT 3: error cause
	Mechanical      bool // jam or other mechanical error (meaning is model-specific)
	CutterError     bool
	Unrecoverable   bool
	AutoRecoverable bool // e.g. head temperature; clears by itself
	// DLE EOT 4: paper roll sensor
	PaperNearEnd bool
	PaperEnd     bool
}

// Status requests: DLE EOT n.
const (
	dle = 0x10
	eot = 0x04
)

// Request returns the DLE EOT n bytes that ask for status byte n (1..4).
func Request(n int) []byte { return []byte{dle, eot, byte(n)} }

// ValidReply reports whether b can be a DLE EOT reply: bits 0, 1, 4 and 7 are
// fixed at 0, 1, 1, 0.
func ValidReply(b byte) bool { return b&0x93 == 0x12 }

// ASBHeader reports whether b starts a 4-byte Automatic Status Back block, which a
// printer may send unasked; the 3 bytes after it are part of the block.
func ASBHeader(b byte) bool { return b&0x93 == 0x10 }

// Apply sets the fields that reply b to DLE EOT n carries. A byte that is not a
// valid reply, or n outside 1..4, is ErrGarbage and leaves s unchanged.
func (s *Status) Apply(n int, b byte) error {
	if !ValidReply(b) {
		return garbage(b)
	}
	bit := func(m byte) bool { return b&m != 0 }
	switch n {
	case 1:
		s.Offline = bit(0x08)
	case 2:
		s.CoverOpen, s.FeedButton, s.PaperEndStop, s.Error = bit(0x04), bit(0x08), bit(0x20), bit(0x40)
	case 3:
		s.Mechanical, s.CutterError, s.Unrecoverable, s.AutoRecoverable = bit(0x04), bit(0x08), bit(0x20), bit(0x40)
	case 4:
		// The sensor sets both bits of a pair; either one counts, erring on the
		// side of an alert rather than a receipt that stops half way.
		s.PaperNearEnd, s.PaperEnd = bit(0x0C), bit(0x60)
	default:
		return fmt.Errorf("%w: no status byte %d", ErrGarbage, n)
	}
	return nil
}

// DecodeStatus decodes the replies to DLE EOT 1, 2, 3 and 4, in that order.
func DecodeStatus(b [4]byte) (Status, error) {
	var s Status
	for i, c := range b {
		if err := s.Apply(i+1, c); err != nil {
			return Status{}, err
		}
	}
	return s, nil
}

// Err returns the reason s is not ready to print, most specific first, or nil.
// The rules are the pre-payment check of the ESC/POS notes: offline; cover open,
// paper-end stop or error; cutter or unrecoverable error; paper end. A paper near
// end is not an error (see NeedsPaper and Alerts).
func (s Status) Err() error {
	switch {
	case s.Unrecoverable:
		return ErrUnrecoverable
	case s.CutterError:
		return ErrCutter
	case s.CoverOpen:
		return ErrCoverOpen
	case s.PaperEnd, s.PaperEndStop:
		return ErrPaperEnd
	case s.Error && s.Mechanical, s.Offline && s.Mechanical:
		return ErrMechanical
	case s.Error:
		return ErrFault
	case s.Offline:
		return ErrOffline
	}
	return nil
}

// NeedsPaper reports whether someone should bring a roll: near end or out.
func (s Status) NeedsPaper() bool { return s.PaperNearEnd || s.PaperEnd || s.PaperEndStop }

// Alerts lists the maintenance conditions that do not stop printing, as stable
// English keys for logs and the technician screen.
func (s Status) Alerts() []string {
	var a []string
	if s.PaperNearEnd && !s.PaperEnd && !s.PaperEndStop {
		a = append(a, "paper near end")
	}
	if s.AutoRecoverable && s.Err() == nil {
		a = append(a, "recovered error")
	}
	return a
}

// String is a one-line summary: "ready", "ready, paper near end", "paper end".
func (s Status) String() string {
	if err := s.Err(); err != nil {
		return strings.TrimPrefix(err.Error(), "printer: ")
	}
	return strings.Join(append([]string{"ready"}, s.Alerts()...), ", ")
}
