package cctalk

import (
	"errors"
	"fmt"
)

// BufferLen is the length of an event buffer reply: the counter and five pairs.
const BufferLen = 11

// Errors of event buffers, matched with errors.Is.
var (
	ErrBufferLength = errors.New("cctalk: event buffer is not 11 bytes")
	// ErrReset is a counter of 0 where it was not before: the device was reset or
	// powered up, and what its buffer holds is unknown.
	ErrReset = errors.New("cctalk: device reset (event counter 0), buffer unknown")
	// ErrEventsLost is more new events than the buffer holds; see LostError.
	ErrEventsLost = errors.New("cctalk: events lost")
)

// LostError says how many events fell out of a device's buffer between two
// reads: more than five happened. It Is ErrEventsLost.
type LostError struct {
	Missed int
}

func (e *LostError) Error() string {
	return fmt.Sprintf("cctalk: %d events lost (more than 5 since the last read)", e.Missed)
}

func (e *LostError) Is(target error) bool { return target == ErrEventsLost }

// Pair is one event in a buffer: [A B].
type Pair struct{ A, B byte }

// Buffer is the reply to read buffered bill events (159) and to read buffered
// credit or error codes (229): the event counter and the last five events,
// newest first.
type Buffer struct {
	Counter byte
	Events  [5]Pair
}

// ParseBuffer reads the data of a 159 or 229 reply.
func ParseBuffer(data []byte) (Buffer, error) {
	if len(data) != BufferLen {
		return Buffer{}, fmt.Errorf("%w: %d bytes", ErrBufferLength, len(data))
	}
	b := Buffer{Counter: data[0]}
	for i := range b.Events {
		b.Events[i] = Pair{data[1+2*i], data[2+2*i]}
	}
	return b, nil
}

// Bytes is the reply data of b.
func (b Buffer) Bytes() []byte {
	out := make([]byte, 0, BufferLen)
	out = append(out, b.Counter)
	for _, p := range b.Events {
		out = append(out, p.A, p.B)
	}
	return out
}

// Push logs a new event, as a device does: the counter moves on (255 wraps to
// 1) and the oldest of the five falls out.
func (b *Buffer) Push(p Pair) {
	b.Counter = NextCounter(b.Counter)
	copy(b.Events[1:], b.Events[:4])
	b.Events[0] = p
}

// NextCounter is the counter value after c: 1 after 0 and after 255. Counter 0
// is only ever the value after a reset.
func NextCounter(c byte) byte {
	if c == 255 {
		return 1
	}
	return c + 1
}

// prevCounter undoes NextCounter for c ≥ 1.
func prevCounter(c byte) byte {
	if c <= 1 {
		return 255
	}
	return c - 1
}

// NewEvents is how many events a device logged between a read of its counter
// that gave prev and one that gives cur. Counting from prev 0 (a reset) starts
// at 1; from then on the counter runs 1…255, 1…. A cur of 0 is no new events:
// the device was reset (see Buffer.Since).
func NewEvents(prev, cur byte) int {
	switch {
	case cur == 0:
		return 0
	case prev == 0:
		return int(cur)
	}
	return (int(cur) - int(prev) + 255) % 255
}

// Entry is an event with the counter value it was logged under.
type Entry struct {
	Counter byte
	Pair
}

// Since returns the events of b logged after counter prev, oldest first. A
// counter of 0 after a non-zero prev is ErrReset and no events; more than five
// new events are the five in the buffer and a *LostError for the rest.
func (b Buffer) Since(prev byte) ([]Entry, error) {
	if b.Counter == 0 {
		if prev != 0 {
			return nil, ErrReset
		}
		return nil, nil
	}
	n := NewEvents(prev, b.Counter)
	k := min(n, len(b.Events))
	out := make([]Entry, k)
	c := b.Counter
	for i := 0; i < k; i++ {
		out[k-1-i] = Entry{Counter: c, Pair: b.Events[i]}
		c = prevCounter(c)
	}
	if n > k {
		return out, &LostError{Missed: n - k}
	}
	return out, nil
}

// BillStatus is the code B of a bill validator event with A = 0.
type BillStatus byte

// Bill validator status codes.
const (
	BillMasterInhibit     BillStatus = 0  // master inhibit active
	BillReturned          BillStatus = 1  // bill returned from escrow
	BillInvalidValidation BillStatus = 2  // invalid bill (validation)
	BillInvalidTransport  BillStatus = 3  // invalid bill (transport)
	BillInhibitedSerial   BillStatus = 4  // inhibited bill (serial)
	BillInhibitedDIP      BillStatus = 5  // inhibited bill (DIP switches)
	BillJammedUnsafe      BillStatus = 6  // bill jammed in transport (unsafe)
	BillJammedStacker     BillStatus = 7  // bill jammed in stacker
	BillPulledBack        BillStatus = 8  // bill pulled backwards
	BillTamper            BillStatus = 9  // bill tamper
	StackerOK             BillStatus = 10 // stacker OK
	StackerRemoved        BillStatus = 11 // stacker removed
	StackerInserted       BillStatus = 12 // stacker inserted
	StackerFaulty         BillStatus = 13 // stacker faulty
	StackerFull           BillStatus = 14 // stacker full
	StackerJammed         BillStatus = 15 // stacker jammed
	BillJammedSafe        BillStatus = 16 // bill jammed in transport (safe)
	OptoFraud             BillStatus = 17 // opto fraud detected
	StringFraud           BillStatus = 18 // string fraud detected
	AntiStringFaulty      BillStatus = 19 // anti-string mechanism faulty
	BarcodeDetected       BillStatus = 20 // barcode detected
	UnknownBillStacked    BillStatus = 21 // unknown bill type stacked
)

var billStatusNames = [...]string{
	BillMasterInhibit:     "master inhibit active",
	BillReturned:          "bill returned from escrow",
	BillInvalidValidation: "invalid bill (validation)",
	BillInvalidTransport:  "invalid bill (transport)",
	BillInhibitedSerial:   "inhibited bill (serial)",
	BillInhibitedDIP:      "inhibited bill (DIP switches)",
	BillJammedUnsafe:      "bill jammed in transport (unsafe)",
	BillJammedStacker:     "bill jammed in stacker",
	BillPulledBack:        "bill pulled backwards",
	BillTamper:            "bill tamper",
	StackerOK:             "stacker OK",
	StackerRemoved:        "stacker removed",
	StackerInserted:       "stacker inserted",
	StackerFaulty:         "stacker faulty",
	StackerFull:           "stacker full",
	StackerJammed:         "stacker jammed",
	BillJammedSafe:        "bill jammed in transport (safe)",
	OptoFraud:             "opto fraud detected",
	StringFraud:           "string fraud detected",
	AntiStringFaulty:      "anti-string mechanism faulty",
	BarcodeDetected:       "barcode detected",
	UnknownBillStacked:    "unknown bill type stacked",
}

// Known reports whether s is in the table of the protocol notes (0–21).
func (s BillStatus) Known() bool { return int(s) < len(billStatusNames) }

// String is the name in the protocol notes, or "bill status N".
func (s BillStatus) String() string {
	if s.Known() {
		return billStatusNames[s]
	}
	return fmt.Sprintf("bill status %d", byte(s))
}

// BillKind is what a bill validator event is.
type BillKind int

const (
	BillStacked     BillKind = iota // A = bill type, B = 0: credit it
	BillEscrow                      // A = bill type, B = 1: route it (154)
	BillStatusEvent                 // A = 0: B is a BillStatus
	BillUndefined                   // A = bill type, B other than 0 or 1
)

// BillEvent is a bill validator event decoded.
type BillEvent struct {
	Kind   BillKind
	Type   int        // the bill type (A) of stacked, escrow and undefined events
	Status BillStatus // of status events
	Code   byte       // B as sent
}

// Bill decodes p as a bill validator event.
func (p Pair) Bill() BillEvent {
	e := BillEvent{Type: int(p.A), Code: p.B}
	switch {
	case p.A == 0:
		e.Kind, e.Status = BillStatusEvent, BillStatus(p.B)
	case p.B == 0:
		e.Kind = BillStacked
	case p.B == 1:
		e.Kind = BillEscrow
	default:
		e.Kind = BillUndefined
	}
	return e
}

// CoinError is the code B of a coin acceptor event with A = 0.
type CoinError byte

// Coin acceptor error codes. The protocol notes give none; these are the first
// of the ccTalk generic specification's table, which acceptors implement in part.
const (
	CoinNullEvent CoinError = 0 // no error
	CoinRejected  CoinError = 1 // reject coin
	CoinInhibited CoinError = 2 // inhibited coin
	CoinMultiple  CoinError = 3 // multiple window
)

var coinErrorNames = [...]string{
	"null event", "reject coin", "inhibited coin", "multiple window", "wake-up timeout",
	"validation timeout", "credit sensor timeout", "sorter opto timeout", "2nd close coin error",
	"accept gate not ready", "credit sensor not ready", "sorter not ready", "reject coin not cleared",
	"validation sensor not ready", "credit sensor blocked", "sorter opto blocked", "credit sequence error",
	"coin going backwards", "coin too fast", "coin too slow", "coin-on-string mechanism activated",
}

// String is the code's name, or "coin error N".
func (c CoinError) String() string {
	if int(c) < len(coinErrorNames) {
		return coinErrorNames[c]
	}
	return fmt.Sprintf("coin error %d", byte(c))
}

// CoinEvent is a coin acceptor event decoded.
type CoinEvent struct {
	Accepted bool
	Type     int       // coin type (A) of an accepted coin
	Path     int       // sorter path (B) of an accepted coin
	Error    CoinError // of an event with A = 0
}

// Coin decodes p as a coin acceptor event.
func (p Pair) Coin() CoinEvent {
	if p.A == 0 {
		return CoinEvent{Error: CoinError(p.B)}
	}
	return CoinEvent{Accepted: true, Type: int(p.A), Path: int(p.B)}
}
