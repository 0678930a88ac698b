package kiosk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bianmin"
	"bianmin/kiosk/store"
)

// Order is what a resident is about to pay at the checkout: a bill of one
// biller's account, or a fee (biller "tempid").
type Order struct {
	Biller  string // a bianmin.Billers id, or "tempid"
	Account string // the biller's account number; a fee's own reference
	Period  string // the bill's period, empty for a fee
	DueFen  int64
	// Offline is set when the amount due came from the kiosk's cached bills
	// (the "bills" feed) rather than from officed just now; it travels in
	// Payment.Offline.
	Offline bool
	// Finish, if set, runs inside the transaction that completes the
	// payment, after the payment record is queued: what it writes (a
	// temporary-ID application, say) commits together with the payment, so
	// a crash leaves either both or neither. An error from Finish leaves the
	// payment open, as if Complete had not been called.
	Finish func(ctx context.Context, tx *store.Tx, p bianmin.Payment) error
}

// Validate checks the order before any money is asked for.
func (o Order) Validate() error {
	if _, ok := bianmin.BillerName(o.Biller); !ok && o.Biller != "tempid" {
		return bianmin.Errorf(bianmin.EINVALID, "order: unknown biller %q", o.Biller)
	}
	if !bianmin.ValidAccount(o.Account) {
		return bianmin.Errorf(bianmin.EINVALID, "order: the account must be 4–32 letters, digits or '-'")
	}
	if o.DueFen <= 0 || o.DueFen > bianmin.MaxBillFen {
		return bianmin.Errorf(bianmin.EINVALID, "order: the amount due must be 1 fen to 100 000 yuan")
	}
	return nil
}

// Paid is a completed payment: its record is queued in the outbox.
type Paid struct {
	Payment bianmin.Payment
	Record  string    // id of the payment record
	At      time.Time // when it completed, as printed on the receipt
}

// CashUpdate tells a cash payment's screen what changed: the total credited
// so far (journaled, so safe to show), or a fault of the acceptor (nil when
// it cleared).
type CashUpdate struct {
	PaidFen int64
	Fault   error
}

// PayFailed is a mobile payment attempt that ended without money taken:
// declined, failed at the gateway, or cancelled by the kiosk after the
// resident did not confirm in time (TimedOut). A new attempt needs a new
// order, which PayMobile makes by itself.
type PayFailed struct {
	Result   bianmin.PayResult
	TimedOut bool
}

func (e *PayFailed) Error() string {
	if e.TimedOut {
		return fmt.Sprintf("payment %s: not confirmed in time, cancelled", e.Result.Order)
	}
	return fmt.Sprintf("payment %s: %s: %s", e.Result.Order, e.Result.Status, e.Result.Message)
}

// Errors of the payment service.
var (
	// ErrNeedsNetwork means mobile payment or an online bill lookup cannot
	// reach officed (or the kiosk is not enrolled).
	ErrNeedsNetwork = errors.New("payments: officed cannot be reached")
	// ErrPaymentOpen means another payment is in progress on this kiosk.
	ErrPaymentOpen = bianmin.Errorf(bianmin.ECONFLICT, "payments: another payment is in progress")
	// ErrUnpaid means Complete was called before the credited cash covers
	// what is due.
	ErrUnpaid = bianmin.Errorf(bianmin.EINVALID, "payments: the cash credited does not cover the amount due")
)

// Incomplete is a payment closed before it covered what was due, or whose
// service did not complete: with PaidFen > 0 its payment.incomplete record
// is queued and a voucher (已收款 X 元，业务未完成，请到窗口处理) printed —
// now if Printed, else as soon as the printer is ready.
type Incomplete struct {
	Receipt string
	PaidFen int64
	Printed bool
}
