package office

import (
	"context"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// The back office's money and fleet views (SPEC §5.2, issue 6): the payment
// ledger per kiosk and day, cash collections against the cash the kiosks
// recorded, incomplete payments and their settlement, the streams the CSV
// exports read, and the enrollment codes issued. All money is integer 分.

// LedgerService is what the back office reads of payments, cash and kiosks
// beyond ResidentService and KioskService, and the settlement of incomplete
// payments.
type LedgerService interface {
	// LedgerDays totals the payments q selects per kiosk and calendar day
	// (days at q.UTCOffset), by day then kiosk, paged by q.Limit/q.Offset.
	LedgerDays(ctx context.Context, q LedgerQuery) ([]LedgerDay, error)
	// LedgerTotals totals every payment q selects, and counts the rows
	// LedgerDays would return unpaged (for paging).
	LedgerTotals(ctx context.Context, q LedgerQuery) (LedgerTotals, error)
	// LedgerPayments lists the payments q selects, oldest first, paged.
	LedgerPayments(ctx context.Context, q LedgerQuery) ([]PaymentInfo, error)
	// EachPayment calls fn for every payment q selects (paging ignored),
	// oldest first, while it reads them: an export streams without holding
	// the range in memory. An error from fn stops the walk and is returned.
	EachPayment(ctx context.Context, q LedgerQuery, fn func(PaymentInfo) error) error

	// CashChecks lists cash collections (cash.collected records), newest
	// first, each against the cash the kiosk recorded since its previous
	// collection (CashCheck).
	CashChecks(ctx context.Context, q CashQuery) ([]CashCheck, error)
	// OpenCash reports, for every kiosk not revoked, the cash recorded since
	// its last collection and what its last heartbeat said the box holds.
	OpenCash(ctx context.Context) ([]OpenCash, error)

	// IncompleteEntries lists incomplete payments (payment.incomplete
	// records) with their settlement, open ones first, then newest first.
	IncompleteEntries(ctx context.Context, q IncompleteQuery) ([]IncompleteEntry, error)
	// IncompleteEntry returns one; ENOTFOUND for an unknown record.
	IncompleteEntry(ctx context.Context, kioskID, recordID string) (IncompleteEntry, error)
	// Settle records how an incomplete payment was settled. It is settled
	// once: a second settlement is ECONFLICT and changes nothing. ENOTFOUND
	// for an unknown record; EINVALID (ValidateSettlement, ValidateAudit)
	// stores nothing. audit is written to the audit log in the same
	// transaction, its Subject set to the receipt number, so no settlement
	// goes unaudited.
	Settle(ctx context.Context, s Settlement, audit AuditEntry) (IncompleteEntry, error)

	// EachTicket calls fn for every ticket created in [q.From, q.To),
	// oldest first, while it reads them (the ticket export).
	EachTicket(ctx context.Context, q ExportRange, fn func(TicketExport) error) error

	// EnrollCodes lists the enrollment codes created at or after since,
	// newest first, with whether and by which kiosk each was used.
	EnrollCodes(ctx context.Context, since time.Time) ([]EnrollCodeInfo, error)
}

// MaxLedgerRange bounds the range of a ledger query or an export: a year
// and a day (a leap year's 366 days, with room for a zone's day boundary).
const MaxLedgerRange = 367 * 24 * time.Hour

// ExportRange is a range of creation times [From, To).
type ExportRange struct {
	From, To time.Time
}

// Validate refuses an empty, reversed or too long range. Messages are
// Chinese, fit for the back office's pages, as are the others here.
func (r ExportRange) Validate() error {
	switch {
	case r.From.IsZero() || r.To.IsZero():
		return bianmin.Errorf(bianmin.EINVALID, "请选择起止日期")
	case !r.From.Before(r.To):
		return bianmin.Errorf(bianmin.EINVALID, "结束日期早于开始日期")
	case r.To.Sub(r.From) > MaxLedgerRange:
		return bianmin.Errorf(bianmin.EINVALID, "日期范围不能超过 366 天，请缩短范围")
	}
	return nil
}

// LedgerQuery selects payments by creation time (when the resident paid,
// by the kiosk's clock).
type LedgerQuery struct {
	ExportRange
	KioskID string // "" for every kiosk
	Biller  string // "" for every biller; else a bianmin.Billers id or "tempid"
	Method  string // "" for every method; else bianmin.MethodCash, MethodWeChat or MethodAlipay
	// UTCOffset is the offset east of UTC, in seconds, of the zone whose
	// calendar days LedgerDays groups by (Asia/Shanghai: 8 h, without
	// daylight saving, so one offset holds for any range).
	UTCOffset int
	Limit     int // 0: no limit
	Offset    int
}

// Validate checks the range, the filters and the paging.
func (q LedgerQuery) Validate() error {
	if err := q.ExportRange.Validate(); err != nil {
		return err
	}
	if q.Biller != "" && q.Biller != "tempid" {
		if _, ok := bianmin.BillerName(q.Biller); !ok {
			return bianmin.Errorf(bianmin.EINVALID, "未知的缴费项目 %q", q.Biller)
		}
	}
	switch q.Method {
	case "", bianmin.MethodCash, bianmin.MethodWeChat, bianmin.MethodAlipay:
	default:
		return bianmin.Errorf(bianmin.EINVALID, "未知的支付方式 %q", q.Method)
	}
	if q.UTCOffset < -14*3600 || q.UTCOffset > 14*3600 {
		return bianmin.Errorf(bianmin.EINVALID, "时区偏移超出范围")
	}
	if q.Limit < 0 || q.Offset < 0 {
		return bianmin.Errorf(bianmin.EINVALID, "分页参数不能为负")
	}
	return nil
}

// LedgerDay is one kiosk's payments of one day.
type LedgerDay struct {
	KioskID   string
	KioskName string // "" for a kiosk officed does not know
	Day       string // YYYY-MM-DD at the query's offset
	Count     int
	DueFen    int64
	PaidFen   int64
	CreditFen int64 // overpayment kept as credit (cash)
	// PaidFen by method.
	CashFen, WeChatFen, AlipayFen int64
}

// LedgerTotals are the totals over every payment a query selects.
type LedgerTotals struct {
	Days                          int // rows of LedgerDays
	Count                         int
	DueFen, PaidFen, CreditFen    int64
	CashFen, WeChatFen, AlipayFen int64
}

// CashQuery selects cash collections by their creation time; zero times
// leave that end open.
type CashQuery struct {
	KioskID  string // "" for every kiosk
	From, To time.Time
	Limit    int // 0: no limit
	Offset   int
}

// CashCheck is one emptying of a kiosk's cash box against what the kiosk
// recorded taking in since the previous one. Kiosk records are ordered by
// their per-kiosk sequence number, which the kiosk gives in the order it
// journaled them, so "since" does not depend on the kiosk's clock.
type CashCheck struct {
	CashCollectionInfo
	KioskName string
	Seq       int64     // the collection's record sequence number
	Previous  time.Time // the previous collection's creation; zero for the first
	// Completed cash payments since the previous collection.
	Payments    int
	PaymentsFen int64
	// Cash taken for services that did not complete (payment.incomplete
	// with method cash): the money is in the box all the same.
	Incomplete    int
	IncompleteFen int64
}

// ExpectedFen is the cash the records say the box held.
func (c CashCheck) ExpectedFen() int64 { return c.PaymentsFen + c.IncompleteFen }

// DifferenceFen is what the collection counted minus what was recorded:
// negative when cash is missing, positive when there is more than recorded.
func (c CashCheck) DifferenceFen() int64 { return c.TotalFen - c.ExpectedFen() }

// OpenCash is a kiosk's cash since its last collection.
type OpenCash struct {
	KioskID   string
	KioskName string
	Since     time.Time // the last collection's creation; zero for none
	// Recorded since the last collection, as CashCheck.
	Payments      int
	PaymentsFen   int64
	Incomplete    int
	IncompleteFen int64
	// What the kiosk's last heartbeat said its box holds; Reported is false
	// before the first heartbeat.
	Reported bool
	Box      wire.CashBox
	LastSeen time.Time
}

// ExpectedFen is the cash recorded since the last collection.
func (o OpenCash) ExpectedFen() int64 { return o.PaymentsFen + o.IncompleteFen }

// DifferenceFen is what the box reported minus what was recorded; records
// the kiosk has not pushed yet make it differ for a while.
func (o OpenCash) DifferenceFen() int64 { return o.Box.TotalFen - o.ExpectedFen() }

// Settlement actions: the money is given back, or the service it paid for
// is completed at the window.
const (
	SettleRefund   = "refund"
	SettleComplete = "complete"
)

// SettleLabel is the Chinese name of a settlement action.
func SettleLabel(action string) string {
	switch action {
	case SettleRefund:
		return "退款"
	case SettleComplete:
		return "补办完成"
	}
	return action
}

// Settlement is how staff settled an incomplete payment.
type Settlement struct {
	KioskID  string // the payment.incomplete record
	RecordID string
	Action   string // SettleRefund or SettleComplete
	Reason   string // why, 1–200 characters (shown to staff, audited)
	Staff    string // the staff account that settled it
	At       time.Time
	// Ref is the payment provider's reference when a mobile payment was
	// reversed through the gateway; "" otherwise.
	Ref string
}

// ValidateSettlement checks s before a store writes it.
func ValidateSettlement(s Settlement) error {
	switch {
	case s.KioskID == "" || s.RecordID == "":
		return bianmin.Errorf(bianmin.EINVALID, "未指明要处理的未完成缴费")
	case s.Action != SettleRefund && s.Action != SettleComplete:
		return bianmin.Errorf(bianmin.EINVALID, "处理方式须为退款（%s）或补办完成（%s）", SettleRefund, SettleComplete)
	case len([]rune(s.Reason)) == 0 || !validNote(s.Reason) || !hasText(s.Reason):
		return bianmin.Errorf(bianmin.EINVALID, "须填写处理原因（1–200 字）")
	case s.Staff == "":
		return bianmin.Errorf(bianmin.EINVALID, "缺少处理人")
	case s.At.IsZero():
		return bianmin.Errorf(bianmin.EINVALID, "缺少处理时间")
	case len(s.Ref) > 100:
		return bianmin.Errorf(bianmin.EINVALID, "支付平台参考号过长")
	}
	return nil
}

func hasText(s string) bool {
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\t' && r != '　' {
			return true
		}
	}
	return false
}

// IncompleteEntry is an incomplete payment and, once settled, its settlement.
type IncompleteEntry struct {
	IncompletePaymentInfo
	KioskName  string
	Settlement *Settlement // nil while open
}

// Incomplete payment states for IncompleteQuery.
const (
	IncompleteOpen    = "open"
	IncompleteSettled = "settled"
)

// IncompleteQuery selects incomplete payments.
type IncompleteQuery struct {
	State   string // "", IncompleteOpen or IncompleteSettled
	KioskID string
	Limit   int // 0: no limit
	Offset  int
}

// TicketExport is a ticket as exported: the ticket with what staff
// recorded on it (TicketInfo without its Secret), when it was first
// accepted and first dispatched, and when it was last closed (zero when it
// never was).
type TicketExport struct {
	TicketInfo
	Accepted   time.Time
	Dispatched time.Time
	Closed     time.Time
}

// EnrollCodeInfo is an issued enrollment code as stored: never the code.
type EnrollCodeInfo struct {
	KioskName string
	Created   time.Time
	Expires   time.Time
	Used      time.Time // zero while unused
	KioskID   string    // the kiosk it enrolled; "" while unused
}

// State is "used", "expired" or "open" at now.
func (c EnrollCodeInfo) State(now time.Time) string {
	switch {
	case !c.Used.IsZero():
		return "used"
	case !now.Before(c.Expires):
		return "expired"
	}
	return "open"
}
