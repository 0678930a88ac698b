package idcard

import (
	"errors"
	"fmt"
	"strings"

	"bianmin/devices/serialport"
)

// Status is the SW3 byte of a reply.
type Status byte

// The statuses of the protocol.
const (
	StatusOK            Status = 0x90
	StatusCardFound     Status = 0x9F
	StatusNoContent     Status = 0x91
	StatusHostChecksum  Status = 0x10
	StatusHostLength    Status = 0x11
	StatusCommand       Status = 0x21
	StatusNotPermitted  Status = 0x23
	StatusUnrecognised  Status = 0x24
	StatusCardAuth      Status = 0x31
	StatusSAMAuth       Status = 0x32
	StatusVerify        Status = 0x33
	StatusCardType      Status = 0x40
	StatusReadFailed    Status = 0x41
	StatusRandom        Status = 0x47
	StatusSelfTest      Status = 0x60
	StatusNotAuthorised Status = 0x66
	StatusNoCard        Status = 0x80
	StatusSelectFailed  Status = 0x81
)

// Errors for the failure statuses, to match with errors.Is. A *StatusError Is
// the one of its SW3 (and ErrStatus); its message adds the byte:
// "idcard: read failed (SW3 41)".
var (
	ErrStatus        = errors.New("idcard: reader reports an error") // any failure status, known or not
	ErrNoContent     = errors.New("idcard: no content")
	ErrHostChecksum  = errors.New("idcard: checksum error in host data")
	ErrHostLength    = errors.New("idcard: length error in host data")
	ErrCommand       = errors.New("idcard: command error")
	ErrNotPermitted  = errors.New("idcard: operation not permitted")
	ErrUnrecognised  = errors.New("idcard: unrecognised error")
	ErrCardAuth      = errors.New("idcard: card failed to authenticate the SAM")
	ErrSAMAuth       = errors.New("idcard: SAM failed to authenticate the card")
	ErrVerify        = errors.New("idcard: information verification error")
	ErrCardType      = errors.New("idcard: unrecognised card type")
	ErrReadFailed    = errors.New("idcard: read failed")
	ErrRandom        = errors.New("idcard: get-random failed")
	ErrSelfTest      = errors.New("idcard: SAM self-test failed")
	ErrNotAuthorised = errors.New("idcard: SAM not authorised")
	ErrNoCard        = errors.New("idcard: no card")
	ErrSelectFailed  = errors.New("idcard: select card failed")
)

var statusErrs = map[Status]error{
	StatusNoContent: ErrNoContent, StatusHostChecksum: ErrHostChecksum, StatusHostLength: ErrHostLength,
	StatusCommand: ErrCommand, StatusNotPermitted: ErrNotPermitted, StatusUnrecognised: ErrUnrecognised,
	StatusCardAuth: ErrCardAuth, StatusSAMAuth: ErrSAMAuth, StatusVerify: ErrVerify,
	StatusCardType: ErrCardType, StatusReadFailed: ErrReadFailed, StatusRandom: ErrRandom,
	StatusSelfTest: ErrSelfTest, StatusNotAuthorised: ErrNotAuthorised, StatusNoCard: ErrNoCard,
	StatusSelectFailed: ErrSelectFailed,
}

// OK reports whether s means success: 90, or 9F (card found).
func (s Status) OK() bool { return s == StatusOK || s == StatusCardFound }

// String is the meaning of s in a few words: "success", "card found", "read
// failed", "unknown status".
func (s Status) String() string {
	switch s {
	case StatusOK:
		return "success"
	case StatusCardFound:
		return "card found"
	}
	if err, ok := statusErrs[s]; ok {
		return strings.TrimPrefix(err.Error(), "idcard: ")
	}
	return "unknown status"
}

// Err is nil for a success status, else a *StatusError.
func (s Status) Err() error {
	if s.OK() {
		return nil
	}
	return &StatusError{SW3: byte(s)}
}

// StatusError is a reply that reports a failure. SW1 and SW2 are zero in every
// reply the protocol documents; a reader that sets them is reported as such.
type StatusError struct {
	SW1, SW2, SW3 byte
}

func (e *StatusError) Error() string {
	if e.SW1 != 0 || e.SW2 != 0 {
		return fmt.Sprintf("idcard: reader error (SW1 SW2 SW3 %02X %02X %02X)", e.SW1, e.SW2, e.SW3)
	}
	return fmt.Sprintf("idcard: %s (SW3 %02X)", Status(e.SW3), e.SW3)
}

// Is matches ErrStatus and the sentinel of the SW3 byte.
func (e *StatusError) Is(target error) bool {
	if target == ErrStatus {
		return true
	}
	return e.SW1 == 0 && e.SW2 == 0 && statusErrs[Status(e.SW3)] == target && target != nil
}

// Errors of the link and the frames, to match with errors.Is. Driver methods
// wrap them with the operation: "idcard: read: bad checksum: 12, want 13".
var (
	ErrPreamble     = errors.New("idcard: no frame preamble")
	ErrTruncated    = errors.New("idcard: truncated frame")
	ErrLength       = errors.New("idcard: wrong frame length")
	ErrChecksum     = errors.New("idcard: bad checksum")
	ErrNoAnswer     = errors.New("idcard: no answer (is this an ID-card reader?)")
	ErrDisconnected = errors.New("idcard: disconnected")
	ErrRecord       = errors.New("idcard: bad card data")
)

// OpError is an error of one driver operation (open, status, read, wait).
type OpError = serialport.OpError

// disconnected marks cause as the reason the port was dropped; the result Is
// ErrDisconnected and still unwraps to cause.
func disconnected(cause error) error { return serialport.Disconnected(ErrDisconnected, cause) }
