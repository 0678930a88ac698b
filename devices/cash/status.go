package cash

import (
	"fmt"

	"bianmin/devices/cctalk"
)

// Status is the state of the acceptor as the driver knows it.
type Status struct {
	Port      string
	Connected bool
	// Cause is why the last reopen failed, while disconnected.
	Cause error
	// Enabled is whether Enable was the last call; Accepting whether every
	// device was told to accept (false while disconnected, or while credits
	// are pending).
	Enabled   bool
	Accepting bool
	// Pending counts credits Sink.Credit has not taken yet.
	Pending int
	// EchoErrors counts replies that did not follow the expected echo: a
	// collision on the bus, or Config.Echo set on a line that does not echo.
	EchoErrors int
	Bill       UnitStatus
	Coin       *UnitStatus // nil without a coin acceptor
}

// UnitStatus is the state of one device.
type UnitStatus struct {
	Device                          Device
	Addr                            int
	Online                          bool // it answered the last request
	Accepting                       bool // its master inhibit is off
	Manufacturer, Category, Product string
	Serial                          int
	Counter                         int // its event counter, as last read
	SelfCheck                       int // the last self-check fault code, 0 = ok
	// Faults are the conditions reported by events that stop acceptance until
	// cleared (jams, stacker removed, full or faulty, anti-string mechanism
	// faulty), oldest first.
	Faults []cctalk.BillStatus
}

// Err is nil when the acceptor can take cash, or why not: ErrDisconnected,
// ErrCreditPending, ErrNoAnswer, ErrSelfCheck, or the first fault's error
// (ErrJammed, ErrStackerFull, ErrStackerRemoved, ErrStackerFaulty, ErrFault),
// wrapped with the device it is about.
func (s Status) Err() error {
	if !s.Connected {
		return disconnected(s.Cause)
	}
	if s.Pending > 0 {
		return fmt.Errorf("%w: %d credits", ErrCreditPending, s.Pending)
	}
	units := []UnitStatus{s.Bill}
	if s.Coin != nil {
		units = append(units, *s.Coin)
	}
	for _, u := range units {
		switch {
		case !u.Online:
			return deviceErr(u.Device, ErrNoAnswer)
		case len(u.Faults) > 0:
			return deviceErr(u.Device, faultErr(u.Faults[0]))
		case u.SelfCheck != 0:
			return deviceErr(u.Device, fmt.Errorf("%w: fault code %d", ErrSelfCheck, u.SelfCheck))
		}
	}
	return nil
}
