// Package idcard reads Chinese resident ID cards (and the three permit cards
// that share their reader) through a SAM on a serial port, GA 467 family
// protocol (shared/protocols/idcard-ga467.md).
//
// The layers stay apart as in devices/printer: frame.go and status.go are the
// wire codec (pure functions), text.go and card.go decode and encode the
// 256-byte text record and the card data, driver.go holds timeouts, the
// find → select → read sequence, polling and reconnection, and the port comes
// from devices/serialport.
//
// Personal data: Card prints and logs masked (String, LogValue); only its JSON
// form is complete, for the technician's tool and the kiosk's encrypted store.
// The card's photo crosses the wire but is never kept.
package idcard

import (
	"context"
	"time"
)

// Reader is the ID-card reader role the kiosk uses. The serial Driver
// implements it; devices/sim plays the reader on the other end of a pty.
type Reader interface {
	// Status asks the SAM whether it is ready: nil, or why not.
	Status(ctx context.Context) error
	// Read reads the card on the reader: ErrNoCard when there is none.
	Read(ctx context.Context) (Card, error)
	// WaitCard returns nil once a card lies on the reader, asking every
	// interval, or an error when ctx ends first.
	WaitCard(ctx context.Context, interval time.Duration) error
}

var _ Reader = (*Driver)(nil)
