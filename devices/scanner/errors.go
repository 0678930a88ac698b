package scanner

import (
	"errors"

	"bianmin/devices/serialport"
)

// Errors a caller tells apart with errors.Is. The first three are about one line
// (the UI says "could not read, try again"); the reader carries on after them.
// Their messages never quote the line: it may be part of a payment code.
var (
	ErrGarbage      = errors.New("scanner: unreadable bytes in line")
	ErrTooLong      = errors.New("scanner: line too long")
	ErrPartial      = errors.New("scanner: line cut off before its end")
	ErrDisconnected = errors.New("scanner: disconnected")
	ErrClosed       = errors.New("scanner: closed")
	ErrConfig       = errors.New("scanner: invalid config")
)

// OpError is an error of one driver operation (open, status).
type OpError = serialport.OpError

// disconnected marks cause as the reason the port was dropped; the result Is
// ErrDisconnected and still unwraps to cause.
func disconnected(cause error) error { return serialport.Disconnected(ErrDisconnected, cause) }
