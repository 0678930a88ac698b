package bianmin

import (
	"errors"
	"fmt"
)

// Error codes shared by every package. At the edges (HTTP, CLI, screens) an error
// without a code is an internal error: users see a plain message, logs the cause.
const (
	EINVALID  = "invalid"   // bad input; nothing was changed
	ENOTFOUND = "not_found" // the thing asked for does not exist
	ECONFLICT = "conflict"  // the request clashes with current state
	EINTERNAL = "internal"
)

// Error is an application error with a code and a message fit to show.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, or EINTERNAL for errors without one.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
