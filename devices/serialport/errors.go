package serialport

import (
	"errors"
	"fmt"
	"strings"
)

// OpError is an error of one driver operation (open, status, read, print …)
// on a device's port. Every device package names it as its own OpError, so
// errors read alike: "printer: status: disconnected: …".
type OpError struct {
	Device string // "printer", "idcard", "cash", "scanner": the message's prefix
	Op     string
	Port   string
	Err    error
}

func (e *OpError) Error() string {
	return e.Device + ": " + e.Op + ": " + strings.TrimPrefix(e.Err.Error(), e.Device+": ")
}

func (e *OpError) Unwrap() error { return e.Err }

// Disconnected marks cause as the reason a driver dropped its port: the
// result Is sentinel (the device package's ErrDisconnected) and still unwraps
// to cause.
func Disconnected(sentinel, cause error) error {
	switch {
	case cause == nil:
		return sentinel
	case errors.Is(cause, sentinel):
		return cause
	}
	return fmt.Errorf("%w: %w", sentinel, cause)
}
