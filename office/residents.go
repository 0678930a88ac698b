package office

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// MobileKiosk is the kiosk code and kiosk id of the tickets officed takes
// from the mobile report form itself (channel "mobile"): their numbers read
// T20261125-WEB-0042, and their records are stored under kiosk id "WEB".
// Kiosk codes are digits, so the two never meet.
const MobileKiosk = "WEB"

// RecordError is a record of a pushed batch that cannot be applied. The
// batch is refused (HTTP 422 naming the record) and nothing of it is stored.
// Its message names fields and rules, never the personal data in them,
// because kiosks log it.
type RecordError struct {
	Record string // the record's id
	// Err is a *bianmin.Error: EINVALID when the data does not decode or
	// validate, ECONFLICT when its number is already another record's.
	Err error
}

func (e *RecordError) Error() string { return "record " + e.Record + ": " + e.Err.Error() }

func (e *RecordError) Unwrap() error { return e.Err }

// DecodeRecord decodes a pushed record's data strictly and validates it
// (bianmin.DecodeRecord), and checks what only officed can: a kiosk's
// ticket comes through the kiosk channel (channel "mobile" is officed's own
// form). Errors are *RecordError.
func DecodeRecord(r wire.Record) (bianmin.RecordData, error) {
	d, err := bianmin.DecodeRecord(r.Kind, r.Data)
	if err != nil {
		return nil, &RecordError{Record: r.ID, Err: err}
	}
	if t, ok := d.(*bianmin.Ticket); ok && t.Channel != "kiosk" {
		return nil, &RecordError{Record: r.ID, Err: bianmin.Errorf(bianmin.EINVALID, "ticket: channel must be kiosk for a kiosk's record")}
	}
	return d, nil
}

// Origin is where an applied record came from.
type Origin struct {
	KioskID  string // MobileKiosk for the mobile form
	RecordID string
	Created  time.Time // when the kiosk created the record (the resident acted)
	Received time.Time // when officed stored it
}

// TicketInfo is a ticket as officed holds it.
type TicketInfo struct {
	Origin
	bianmin.Ticket
	State string
	// CallBack is set by a rating of level 2 or less (不满意, 非常不满意):
	// staff call the resident back (回访, SPEC §2.7). The back office clears
	// it with Advance.
	CallBack bool

	// Set by the back office's changes (Transition): the member unit it was
	// last dispatched to and by when, the unit's result, the rating the
	// resident gave in the call-back (0 before one), the ticket it repeats.
	UnitID        string
	Deadline      time.Time // zero before dispatch
	Result        string
	CallBackLevel int
	DuplicateOf   string
	ResolvedAt    time.Time // the last 办结; zero before one
	Updated       time.Time
}

// Overdue reports whether the ticket is dispatched (or reopened) and its
// deadline has passed at now.
func (t TicketInfo) Overdue(now time.Time) bool {
	return (t.State == bianmin.StateDispatched || t.State == bianmin.StateReopened) &&
		!t.Deadline.IsZero() && t.Deadline.Before(now)
}

// ApplicationInfo is a temporary-ID application as officed holds it.
type ApplicationInfo struct {
	Origin
	bianmin.Application
	State string
	// RejectReason is why staff rejected it; RefundDueFen the fee to refund
	// since (0 unless rejected).
	RejectReason string
	RefundDueFen int64
	Updated      time.Time
}

// PaymentInfo is a completed payment.
type PaymentInfo struct {
	Origin
	bianmin.Payment
}

// IncompletePaymentInfo is money taken for a service that did not complete.
type IncompletePaymentInfo struct {
	Origin
	bianmin.PaymentIncomplete
}

// RatingInfo is a rating with the ticket or application it was linked to.
type RatingInfo struct {
	Origin
	bianmin.Rating
	// Subject is the number of the ticket or application whose record the
	// rating names, "" when officed holds no such record.
	Subject string
}

// DeviceEventInfo is a device fault or recovery reported by a kiosk.
type DeviceEventInfo struct {
	Origin
	bianmin.DeviceEvent
}

// CashCollectionInfo is an emptying of a kiosk's cash box.
type CashCollectionInfo struct {
	Origin
	bianmin.CashCollected
}

// ListFilter selects applied records, oldest first by creation (ties by
// kiosk, then the kiosk's sequence).
type ListFilter struct {
	KioskID string // "" for every kiosk
	Limit   int    // 0: no limit
}

// Progress is a ticket's or application's status with what opens its page.
type Progress struct {
	bianmin.Status
	// Secret opens the public status page; compare with SecretMatches.
	Secret   string
	CallBack bool // tickets only, see TicketInfo.CallBack
}

// Transition is a state change made by staff (issue 6's back office). Only
// the changes CheckTransition allows are made.
type Transition struct {
	Number string
	State  string // bianmin.TicketStates or bianmin.ApplicationStates
	Note   string // shown to the resident: at most 200 characters, no personal data
	At     time.Time
	// ClearCallBack clears a ticket's call-back flag (the call was made).
	// A change to called_back always clears it.
	ClearCallBack bool

	// What particular target states need (see CheckTransition).
	Unit        string    // dispatched: the member unit (bianmin.Unit ID, published) it goes to
	Deadline    time.Time // dispatched: when the unit must have resolved it
	Result      string    // resolved: what the unit did, kept for staff
	Rating      int       // called_back: the resident's rating in the call, 1–5
	DuplicateOf string    // duplicate: the number of the ticket it repeats
	Reason      string    // rejected (applications): why; the fee becomes due for refund

	// Scope, when set, is the member unit acting (unit staff): a ticket not
	// dispatched to it is ENOTFOUND, as if it did not exist.
	Scope string
	// Audit, when set, is written to the audit log in the same transaction,
	// its Subject set to Number and Before/After to the record's state and
	// assignment before and after the change.
	Audit *AuditEntry
}

// ResidentService holds what residents' records became: tickets with their
// timelines, applications, payments and the rest, filled by
// RecordService.Ingest and by the mobile report form.
type ResidentService interface {
	// Progress returns the status of the ticket or application number and
	// its secret. ENOTFOUND for an unknown number.
	Progress(ctx context.Context, number string) (Progress, error)
	// Advance moves a ticket or application to tr.State, appends the change
	// to its timeline and publishes the new status on the feed, in one
	// transaction, and returns the status. Every state change goes through
	// it, so kiosks always hold the newest status. ENOTFOUND for an unknown
	// number; EINVALID for a state the kind does not have or a bad note.
	Advance(ctx context.Context, tr Transition) (bianmin.Status, error)
	// CreateMobileTicket takes a ticket from the mobile report form: it sets
	// t's Number (kiosk code MobileKiosk, numbered by officed), Secret and
	// Channel ("mobile"), validates it, and stores it as a record of kiosk
	// MobileKiosk, applied and published as a kiosk's ticket is, in one
	// transaction. EINVALID stores nothing.
	CreateMobileTicket(ctx context.Context, t *bianmin.Ticket, at time.Time) error
	// Ticket and Application return ENOTFOUND for an unknown number.
	Ticket(ctx context.Context, number string) (TicketInfo, error)
	Application(ctx context.Context, number string) (ApplicationInfo, error)
	// Payment returns ENOTFOUND for an unknown receipt number.
	Payment(ctx context.Context, receipt string) (PaymentInfo, error)
	IncompletePayments(ctx context.Context, f ListFilter) ([]IncompletePaymentInfo, error)
	Ratings(ctx context.Context, f ListFilter) ([]RatingInfo, error)
	DeviceEvents(ctx context.Context, f ListFilter) ([]DeviceEventInfo, error)
	CashCollections(ctx context.Context, f ListFilter) ([]CashCollectionInfo, error)
}

// CallBackLevel is the highest rating level that asks for a call-back.
const CallBackLevel = 2

// RatingNote is the timeline note of a rating: its level in words and its
// reasons, and that staff will call back when they will.
func RatingNote(r *bianmin.Rating, callBack bool) string {
	note := "评价：" + bianmin.RatingLevels[5-r.Level]
	if len(r.Reasons) > 0 {
		note += "（"
		for i, s := range r.Reasons {
			if i > 0 {
				note += "、"
			}
			note += s
		}
		note += "）"
	}
	if callBack {
		note += "，工作人员将回访"
	}
	return note
}

// SubmittedNote is the first timeline entry's note of a ticket or
// application that came through channel ("kiosk" or "mobile").
func SubmittedNote(channel string) string {
	if channel == "mobile" {
		return "已通过手机提交"
	}
	return "已通过自助服务机提交"
}

// ValidateTransition checks tr for a record of kind before a store writes it.
func ValidateTransition(kind string, tr Transition) error {
	if !bianmin.ValidState(kind, tr.State) {
		return bianmin.Errorf(bianmin.EINVALID, "%s %s: %q is not a %s state", kind, tr.Number, tr.State, kind)
	}
	if !validNote(tr.Note) {
		return bianmin.Errorf(bianmin.EINVALID, "%s %s: the note must be at most 200 characters of text", kind, tr.Number)
	}
	if tr.At.IsZero() {
		return bianmin.Errorf(bianmin.EINVALID, "%s %s: the change needs a time", kind, tr.Number)
	}
	return nil
}

func validNote(s string) bool {
	if len(s) > 800 {
		return false
	}
	n := 0
	for _, r := range s {
		if r == 0xFFFD || r < 0x20 && r != '\n' || r == 0x7f {
			return false
		}
		n++
	}
	return n <= 200
}

// StatusItem is the feed entry of class ClassTickets for st: keyed by the
// number, the status document as data. Stores publish it on every change.
func StatusItem(st bianmin.Status) (Item, error) {
	if err := st.Validate(); err != nil {
		return Item{}, err
	}
	data, err := json.Marshal(st)
	if err != nil {
		return Item{}, err
	}
	return Item{Key: st.Number, Data: data}, nil
}

// SecretMatches reports whether got is the status page secret want, in time
// that does not depend on where they differ. An empty want never matches.
func SecretMatches(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}
