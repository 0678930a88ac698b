package kiosk

import (
	"context"
	"errors"
	"time"

	"bianmin"
	"bianmin/sync/client"
)

// Errors of the bill lookup, for the screen to tell apart.
var (
	// ErrUnknownAccount means officed holds no bill for the account (or,
	// offline, neither does the kiosk's cache of officed's bills).
	ErrUnknownAccount = bianmin.Errorf(bianmin.ENOTFOUND, "bills: no bill is due for this account")
	// ErrTooManyHouseholds means more households share the card's name than
	// a resident could pick from: the account must be typed.
	ErrTooManyHouseholds = bianmin.Errorf(bianmin.ECONFLICT, "bills: too many households share this name")
	// ErrBillsOffline means officed cannot be reached and the kiosk's cache
	// has no bill for the account: the amount due cannot be known now.
	ErrBillsOffline = bianmin.Errorf(bianmin.ENOTFOUND, "bills: officed cannot be reached and no cached bill is known")
)

// billLookupWait bounds the online lookup before the cached bills answer.
const billLookupWait = 5 * time.Second

// FoundBill is the bill of an account, and whether it came from the kiosk's
// cache of the "bills" feed (officed could not be asked).
type FoundBill struct {
	Bill    bianmin.Bill // holder masked
	Offline bool
}

// LookupBill finds what account owes biller: from officed when it answers,
// else from the bills the kiosk pulled (marked Offline). A malformed biller
// or account is EINVALID and nothing is asked.
func (r *Runtime) LookupBill(ctx context.Context, biller, account string) (FoundBill, error) {
	if _, ok := bianmin.BillerName(biller); !ok {
		return FoundBill{}, bianmin.Errorf(bianmin.EINVALID, "bills: unknown biller %q", biller)
	}
	if !bianmin.ValidAccount(account) {
		return FoundBill{}, bianmin.Errorf(bianmin.EINVALID, "bills: an account is 4–32 letters, digits or '-'")
	}
	if cl, err := r.officeClient(ctx); err == nil {
		lctx, cancel := context.WithTimeout(ctx, billLookupWait)
		b, err := cl.Bill(lctx, biller, account)
		cancel()
		var se *client.StatusError
		switch {
		case err == nil:
			return FoundBill{Bill: b.Masked()}, nil
		case errors.Is(err, client.ErrNoBill):
			return FoundBill{}, ErrUnknownAccount
		case errors.As(err, &se) && !se.Temporary():
			return FoundBill{}, err
		}
		r.Log.Info("bill lookup offline: using the cached bills", "biller", biller, "err", err)
	}
	raw, ok, err := r.DB.Content(ctx, "bills", bianmin.BillKey(biller, account))
	if err != nil {
		return FoundBill{}, err
	}
	if !ok {
		return FoundBill{}, ErrBillsOffline
	}
	b, err := bianmin.ParseBill(raw)
	if err != nil || b.Biller != biller || b.Account != account {
		r.Log.Error("cached bill unreadable", "biller", biller, "err", err)
		return FoundBill{}, ErrBillsOffline
	}
	return FoundBill{Bill: b.Masked(), Offline: true}, nil
}

// HouseholdBills asks officed for biller's bills held in the name read from
// an ID card; holders come masked. It needs officed: the cached bills carry
// masked names only, which cannot tell two 王* apart.
func (r *Runtime) HouseholdBills(ctx context.Context, biller, holder string) ([]bianmin.Bill, error) {
	q := bianmin.HouseholdQuery{Biller: biller, Holder: holder}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	cl, err := r.officeClient(ctx)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, billLookupWait)
	defer cancel()
	bills, err := cl.HouseholdBills(lctx, biller, holder)
	var se *client.StatusError
	switch {
	case err == nil:
		return bills, nil
	case errors.As(err, &se) && se.Err.Code == "too_many":
		return nil, ErrTooManyHouseholds
	case errors.As(err, &se) && !se.Temporary():
		return nil, err
	}
	return nil, errors.Join(ErrNeedsNetwork, err)
}
