package ui

import (
	"errors"

	"bianmin/devices/printer"
	"bianmin/kiosk"
)

// reason puts a device error in a resident's words; the cause goes to the log.
func reason(err error) string {
	switch {
	case errors.Is(err, kiosk.ErrNoPrinter):
		return tr("reason.not_configured")
	case errors.Is(err, printer.ErrPaperEnd):
		return tr("reason.paper_end")
	case errors.Is(err, printer.ErrCoverOpen):
		return tr("reason.cover_open")
	case errors.Is(err, printer.ErrOffline):
		return tr("reason.offline")
	case errors.Is(err, printer.ErrCutter):
		return tr("reason.cutter")
	case errors.Is(err, printer.ErrDisconnected):
		return tr("reason.disconnected")
	case errors.Is(err, printer.ErrNoAnswer), errors.Is(err, printer.ErrGarbage):
		return tr("reason.no_answer")
	}
	return tr("reason.fault")
}
