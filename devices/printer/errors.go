package printer

import (
	"errors"
	"fmt"
	"strings"
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
type OpError struct {
	Op   string
	Port string
	Err  error
}

func (e *OpError) Error() string {
	return "printer: " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), "printer: ")
}

func (e *OpError) Unwrap() error { return e.Err }

// disconnected marks cause as the reason the port was dropped; the result Is
// ErrDisconnected and still unwraps to cause.
func disconnected(cause error) error {
	if cause == nil || errors.Is(cause, ErrDisconnected) {
		if cause == nil {
			return ErrDisconnected
		}
		return cause
	}
	return fmt.Errorf("%w: %w", ErrDisconnected, cause)
}
