package cash

import (
	"errors"
	"strings"

	"bianmin/devices/cctalk"
	"bianmin/devices/serialport"
)

// Errors a caller tells apart with errors.Is. Driver methods wrap them with the
// operation: "cash: enable: disconnected". Protocol-level errors (cctalk.ErrNAK,
// cctalk.ErrBusy, cctalk.ErrChecksum, cctalk.ErrTruncated …) come wrapped as
// they are.
var (
	ErrDisconnected = errors.New("cash: disconnected")
	ErrNoAnswer     = errors.New("cash: no answer (is this a ccTalk device at that address?)")
	ErrWrongDevice  = errors.New("cash: wrong device")
	// ErrDenomination is a configured denomination that the validator's bill id
	// (157) contradicts: a start-up error, never guessed around.
	ErrDenomination = errors.New("cash: denomination does not match the validator's bill id")
	ErrConfig       = errors.New("cash: invalid config")
	ErrClosed       = errors.New("cash: driver closed")

	ErrJammed         = errors.New("cash: bill jammed")
	ErrStackerFull    = errors.New("cash: stacker full")
	ErrStackerRemoved = errors.New("cash: stacker removed")
	ErrStackerFaulty  = errors.New("cash: stacker faulty")
	ErrFault          = errors.New("cash: device fault")
	ErrSelfCheck      = errors.New("cash: self-check fault")
	ErrFraud          = errors.New("cash: fraud attempt")
	// ErrUnknownType is money in the box the driver cannot credit: a bill or
	// coin of a type without a configured denomination, or the validator's
	// "unknown bill type stacked".
	ErrUnknownType = errors.New("cash: unknown bill or coin type taken")
	ErrEscrowEmpty = errors.New("cash: route bill: escrow empty")
	ErrRouteFailed = errors.New("cash: route bill failed")
	// ErrCreditPending is a credit Sink.Credit has not taken yet.
	ErrCreditPending = errors.New("cash: credit not yet journaled")
	// ErrReset and ErrEventsLost are the alarms of KindReset and KindLost.
	ErrReset      = cctalk.ErrReset
	ErrEventsLost = cctalk.ErrEventsLost
)

// OpError is an error of one driver operation (open, enable, disable, status).
type OpError = serialport.OpError

// disconnected marks cause as the reason the port was dropped; the result Is
// ErrDisconnected and still unwraps to cause.
func disconnected(cause error) error { return serialport.Disconnected(ErrDisconnected, cause) }

// DeviceError is an error about one device on the bus:
// "cash: bill validator: bill jammed".
type DeviceError struct {
	Device Device
	Err    error
}

func (e *DeviceError) Error() string {
	return "cash: " + e.Device.name() + ": " + strings.TrimPrefix(e.Err.Error(), "cash: ")
}

func (e *DeviceError) Unwrap() error { return e.Err }

func deviceErr(d Device, err error) error { return &DeviceError{Device: d, Err: err} }
