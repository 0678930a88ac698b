// Package printer drives ESC/POS receipt printers on a serial port.
//
// The package keeps the three layers apart: status.go decodes DLE EOT replies
// (pure functions), driver.go holds timeouts, retries, reconnection and state, and
// the port itself comes from devices/serialport. Receipts are built with
// devices/escpos; this package sends bytes and never looks inside them except to
// count accidental DLE EOT sequences.
package printer

import "context"

// Printer is the receipt printer role the kiosk uses. The serial Driver
// implements it.
type Printer interface {
	// Status asks the printer for its state. The error is about asking (no answer,
	// disconnected); what the printer said is in Status, see Status.Err.
	Status(ctx context.Context) (Status, error)
	// Ready is the check made before a resident pays: nil, or why not.
	Ready(ctx context.Context) error
	// Print sends one document and reports success only if the printer was ready
	// before and is still fine after.
	Print(ctx context.Context, data []byte) error
}

var _ Printer = (*Driver)(nil)
