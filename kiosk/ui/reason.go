package ui

import (
	"errors"

	"bianmin/devices/printer"
	"bianmin/kiosk"
)

// reason puts a device error in a resident's words; the cause goes to the log.
func reason(err error) string { return tr(reasonKey(err)) }

// reasonKey is the translation key of reason, for state kept across a language
// switch.
func reasonKey(err error) string {
	switch {
	case errors.Is(err, kiosk.ErrNoPrinter):
		return "reason.not_configured"
	case errors.Is(err, printer.ErrPaperEnd):
		return "reason.paper_end"
	case errors.Is(err, printer.ErrCoverOpen):
		return "reason.cover_open"
	case errors.Is(err, printer.ErrOffline):
		return "reason.offline"
	case errors.Is(err, printer.ErrCutter):
		return "reason.cutter"
	case errors.Is(err, printer.ErrDisconnected):
		return "reason.disconnected"
	case errors.Is(err, printer.ErrNoAnswer), errors.Is(err, printer.ErrGarbage):
		return "reason.no_answer"
	}
	return "reason.fault"
}
