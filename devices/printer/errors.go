package printer

import (
	"errors"
	"fmt"

	"bianmin/devices/serialport"
)

// Errors a caller tells apart with errors.Is. Driver methods wrap them with the
// operation: "printer: print: paper end".
var (
	ErrOffline       = errors.New("printer: offline")
	ErrCoverOpen     = errors.New("printer: cover open")
	ErrPaperEnd      = errors.New("printer: paper end")
	ErrCutter        = errors.New("printer: autocutter error")
	ErrUnrecoverable = errors.New("printer: unrecoverable error")
	ErrMechanical    = errors.New("printer: mechanical error (paper jam?)")
	ErrFault         = errors.New("printer: error")
	ErrNoAnswer      = errors.New("printer: no answer to status request (is this a printer?)")
	ErrGarbage       = errors.New("printer: unexpected status byte")
	ErrDisconnected  = errors.New("printer: disconnected")
)

func garbage(b byte) error { return fmt.Errorf("%w 0x%02X", ErrGarbage, b) }

// OpError is an error of one driver operation (open, status, ready, print).
type OpError = serialport.OpError

// disconnected marks cause as the reason the port was dropped; the result Is
// ErrDisconnected and still unwraps to cause.
func disconnected(cause error) error { return serialport.Disconnected(ErrDisconnected, cause) }
