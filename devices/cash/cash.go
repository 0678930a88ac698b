// Package cash drives the kiosk's cash acceptor: a ccTalk bill validator and,
// if fitted, a coin acceptor on one serial bus (shared/protocols/cctalk.md).
//
// The layers are kept apart as in devices/printer: devices/cctalk turns bytes
// into frames and events (pure functions, fuzz tested), this package holds the
// polling, escrow, credit delivery, timeouts and reconnection, and the port
// comes from devices/serialport.
//
// Money is integer 分. A credit exists only for a bill stacked or a coin
// accepted, never for a bill in escrow, and reaches the caller through Sink,
// which journals it durably before it says yes; see Sink for the contract.
package cash

import (
	"context"
	"fmt"
	"strings"
	"time"

	"bianmin/devices/cctalk"
)

// Acceptor is the cash acceptor role the kiosk uses. The serial Driver
// implements it; what the acceptor takes arrives through the Sink it was
// opened with.
type Acceptor interface {
	// Enable lets the devices take bills and coins.
	Enable(ctx context.Context) error
	// Disable stops them taking more. A bill already on its way is still
	// routed and credited.
	Disable(ctx context.Context) error
	// Status asks the devices how they are. The error is about asking
	// (disconnected); what they said is in Status, see Status.Err.
	Status(ctx context.Context) (Status, error)
	// Ready is the check made before a resident is asked for cash: nil, or why
	// not (jammed, stacker full or removed, a credit not journaled …).
	Ready(ctx context.Context) error
}

var _ Acceptor = (*Driver)(nil)

// Device is one of the two devices on the bus.
type Device string

const (
	Bill Device = "bill" // the bill validator
	Coin Device = "coin" // the coin acceptor
)

func (d Device) name() string {
	if d == Coin {
		return "coin acceptor"
	}
	return "bill validator"
}

// Route is what happens to a bill in escrow.
type Route int

const (
	// Return gives the bill back. An EscrowPolicy answering anything but
	// Stack returns the bill: when in doubt, the resident keeps the money.
	Return Route = iota + 1
	// Stack keeps it: it will be credited once the validator reports it stacked.
	Stack
)

func (r Route) String() string {
	switch r {
	case Return:
		return "return"
	case Stack:
		return "stack"
	}
	return ""
}

func (r Route) wire() byte {
	if r == Stack {
		return cctalk.RouteStack
	}
	return cctalk.RouteReturn
}

// Credit is money the acceptor took: a bill stacked or a coin accepted.
type Credit struct {
	Device Device
	Type   int // bill or coin type
	Amount int // 分
	// Counter is the device's event counter of the event (1…255): with Device
	// and At it tells this credit from any other, and it is what Config.Resume
	// wants after a restart.
	Counter int
	At      time.Time
}

func (c Credit) String() string {
	return fmt.Sprintf("%s type %d: %d 分 (event %d)", c.Device, c.Type, c.Amount, c.Counter)
}

// Sink is where a Driver delivers what the acceptor reports. The driver calls
// it from one goroutine, in the order things happened; its methods must not
// call Close, and should return soon (a bill in escrow waits for the next
// poll).
//
// Credit must return nil only once the credit is journaled durably: the
// driver then forgets it. On an error the driver keeps the credit and, from
// the next poll on with a growing pause, offers the same Credit value again,
// with the credits found after it queued behind it, until Credit returns nil.
// Meanwhile it reports KindCreditPending events carrying the error, holds
// acceptance (master inhibit; bills in escrow are returned) and Ready fails
// with ErrCreditPending. A sink whose failed Credit may have committed after
// all recognises the repeat by Device, Counter and At. Credits still pending
// when the driver is closed stay in the device's event buffer: open the next
// driver with Config.Resume and they are offered again.
type Sink interface {
	Credit(ctx context.Context, c Credit) error
	Event(ctx context.Context, e Event)
}

// Kind is what an Event reports. The values are stable words for logs and
// JSON.
type Kind string

const (
	// From the devices' event buffers.
	KindEscrow      Kind = "escrow"       // a bill in escrow, and the Route the driver gave it
	KindReturned    Kind = "returned"     // a bill returned from escrow
	KindRejected    Kind = "rejected"     // a bill or coin refused: invalid or inhibited
	KindInhibited   Kind = "inhibited"    // a bill refused because acceptance is disabled
	KindJam         Kind = "jam"          // a bill jammed: no cash until cleared
	KindStacker     Kind = "stacker"      // stacker OK, removed, inserted, faulty or full
	KindFraud       Kind = "fraud"        // a fraud attempt: bill pulled back, tamper, opto, string
	KindFault       Kind = "fault"        // a device fault: anti-string mechanism, self-check, coin error
	KindBarcode     Kind = "barcode"      // a barcode coupon was inserted
	KindUnknown     Kind = "unknown"      // money taken that cannot be credited (unknown type): an alarm
	KindReset       Kind = "reset"        // the device was reset or powered up; settings restored
	KindLost        Kind = "lost"         // more events than its buffer holds happened unseen: an alarm
	KindCleared     Kind = "cleared"      // the faults that stopped acceptance are gone
	KindRouteFailed Kind = "route_failed" // route bill failed or found escrow empty
	// From the driver.
	KindCreditPending Kind = "credit_pending" // Sink.Credit failed; the credit is kept
	KindDisconnected  Kind = "disconnected"   // the port was lost
	KindReconnected   Kind = "reconnected"    // the port is back and the devices set up again
	KindOffline       Kind = "offline"        // a device stopped answering
	KindOnline        Kind = "online"         // it answers again
)

// Event is something the acceptor or the driver reports. Fields that do not
// apply to a Kind are zero.
type Event struct {
	Kind   Kind
	Device Device
	Type   int // bill or coin type
	Amount int // 分, where known
	// Status is the code of a bill validator status event (A = 0) — which
	// jam, which stacker event — valid when HasStatus.
	Status    cctalk.BillStatus
	HasStatus bool
	// Code is a coin error code, a self-check fault code, or the reply byte of
	// a failed route.
	Code    int
	Counter int   // the device's event counter; 0 for the driver's own events
	Missed  int   // KindLost: how many events were lost
	Route   Route // KindEscrow
	// Err is the typed error of faults (ErrJammed, ErrStackerFull …), alarms
	// (ErrEventsLost, ErrUnknownType), and driver events (why it disconnected,
	// why Sink.Credit failed).
	Err error
	At  time.Time
}

// String is e.g. "bill jam: bill jammed in transport (unsafe) (event 7)".
func (e Event) String() string {
	var b strings.Builder
	if e.Device != "" {
		b.WriteString(string(e.Device) + " ")
	}
	b.WriteString(string(e.Kind))
	var parts []string
	if e.HasStatus {
		parts = append(parts, e.Status.String())
	}
	if e.Amount != 0 {
		parts = append(parts, fmt.Sprintf("%d 分", e.Amount))
	}
	if e.Route != 0 {
		parts = append(parts, e.Route.String())
	}
	if e.Missed != 0 {
		parts = append(parts, fmt.Sprintf("%d missed", e.Missed))
	}
	if e.Err != nil && !e.HasStatus {
		parts = append(parts, e.Err.Error())
	}
	if len(parts) > 0 {
		b.WriteString(": " + strings.Join(parts, ", "))
	}
	if e.Counter != 0 {
		fmt.Fprintf(&b, " (event %d)", e.Counter)
	}
	return b.String()
}
