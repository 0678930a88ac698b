package office

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"bianmin"
)

// Mobile payment through a payment gateway (SPEC §2.6). Three layers:
//
//   - PaymentGateway is the provider (WeChat Pay, Alipay, a bank's aggregator,
//     or office/sandbox): it charges a code for an order and answers queries
//     and cancels by order id, idempotently, as real providers do.
//   - OrderStore is officed's own record of every order, written before the
//     provider is asked, so a restart mid-payment loses nothing.
//   - Payments puts them together with the rules kiosks rely on: an order id
//     is idempotent (the same order never charges twice), a code is used
//     once, an order never changes amount, and a cancelled order never ends
//     paid.

// GatewayOrder is what a provider is asked to charge.
type GatewayOrder struct {
	ID        string // the kiosk's receipt number: the provider's out_trade_no
	AmountFen int64
	Code      string // the payment code, whole: only the provider sees it
	Method    string // bianmin.MethodWeChat or bianmin.MethodAlipay
	Subject   string // what is paid, e.g. "供热费 12345678"
}

// GatewayResult is a provider's answer. Status is one of the bianmin.Pay*
// statuses; Message is for the resident, in Chinese.
type GatewayResult struct {
	Status  string
	Message string
	Ref     string // the provider's transaction id
}

// PaymentGateway is a payment provider. Every method is idempotent on the
// order id. An error means the provider could not be asked or did not
// answer: the order's outcome is unknown, and the caller asks again later.
type PaymentGateway interface {
	// Authorize charges o.Code for o. It answers success, declined, paying
	// (the resident must confirm on the phone; Query until it is decided) or
	// error (the provider failed; nothing was charged).
	Authorize(ctx context.Context, o GatewayOrder) (GatewayResult, error)
	// Query answers where an authorised order stands. An order the provider
	// never received is error ("order not found"): nothing was charged.
	Query(ctx context.Context, orderID string) (GatewayResult, error)
	// Cancel stops an order (撤销): a pending one is closed, a paid one is
	// reversed (refunded). Afterwards the order is never paid; cancelling an
	// order the provider never received succeeds.
	Cancel(ctx context.Context, orderID string) (GatewayResult, error)
}

// Order statuses of StoredOrder besides the bianmin.Pay* ones.
const (
	// OrderPending is an order written before the provider answered. If
	// officed stops there, the next query asks the provider what happened.
	OrderPending = "pending"
)

// StoredOrder is officed's record of a payment order. The payment code is
// never stored: only its SHA-256 (to refuse a used code) and last 4 digits.
type StoredOrder struct {
	ID        string
	KioskID   string
	Biller    string
	Account   string
	AmountFen int64
	Method    string   // "" for a code that is no payment code
	CodeHash  [32]byte // zero when the code was invalid or refused as used
	CodeTail  string   // the code's last 4 characters
	Status    string   // OrderPending or a bianmin.Pay* status
	Message   string
	Ref       string // the provider's transaction id
	Created   time.Time
	Updated   time.Time
}

// Result is the order as the kiosk sees it; a pending order is paying.
func (o StoredOrder) Result() bianmin.PayResult {
	r := bianmin.PayResult{Order: o.ID, Status: o.Status, Message: o.Message, GatewayRef: o.Ref, Method: o.Method, AmountFen: o.AmountFen}
	if o.Status == OrderPending {
		r.Status, r.Message = bianmin.PayPaying, msgChecking
	}
	return r
}

// ErrCodeReused is OrderStore.CreateOrder's answer for a payment code
// another order used.
var ErrCodeReused = bianmin.Errorf(bianmin.ECONFLICT, "payment code already used by another order")

// OrderStore keeps payment orders.
type OrderStore interface {
	// CreateOrder stores o unless an order with its id exists: then it
	// stores nothing and returns that order with created false. A non-zero
	// CodeHash another order holds is ErrCodeReused, and nothing is stored.
	CreateOrder(ctx context.Context, o StoredOrder) (stored StoredOrder, created bool, err error)
	// Order returns ENOTFOUND for an unknown id.
	Order(ctx context.Context, id string) (StoredOrder, error)
	// UpdateOrder sets the status, message, reference (kept when ref is
	// empty) and update time of an order. ENOTFOUND for an unknown id.
	UpdateOrder(ctx context.Context, id, status, message, ref string, at time.Time) error
}

// SandboxCharge is one order as the sandbox gateway (office/sandbox) keeps
// it, standing in for a provider's own records: it survives a restart of
// officed as a real provider's would.
type SandboxCharge struct {
	Order     string
	AmountFen int64
	Outcome   int    // the last digit of the code: the scripted outcome
	State     string // a bianmin.Pay* status
	Queries   int    // queries answered while paying
	Ref       string
	Created   time.Time
}

// SandboxLedger stores the sandbox gateway's charges.
type SandboxLedger interface {
	// SandboxCharge returns ENOTFOUND for an order the sandbox never saw.
	SandboxCharge(ctx context.Context, order string) (SandboxCharge, error)
	// PutSandboxCharge inserts or replaces the charge of c.Order.
	PutSandboxCharge(ctx context.Context, c SandboxCharge) error
}

// Messages residents see. Declines name what to do next.
const (
	msgInvalidCode = "付款码无效，请出示微信或支付宝付款码"
	msgCodeUsed    = "付款码已使用，请刷新付款码后重试"
	msgChecking    = "正在确认支付结果，请稍候"
)

// gatewayTimeout bounds one call to the provider. The call runs detached
// from the kiosk's request, so a kiosk that gives up waiting does not leave
// an order whose outcome officed never learnt.
const gatewayTimeout = 20 * time.Second

// Payments authorises kiosks' payment codes through a gateway. It is safe
// for concurrent use; calls on one order are serialised, so a retry racing
// the original never asks the provider twice.
type Payments struct {
	orders OrderStore
	gw     PaymentGateway
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	locks map[string]*orderLock
}

type orderLock struct {
	sync.Mutex
	users int
}

// NewPayments returns the payment service over orders and gw. A nil logger
// discards; a nil now is time.Now.
func NewPayments(orders OrderStore, gw PaymentGateway, log *slog.Logger, now func() time.Time) *Payments {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if now == nil {
		now = time.Now
	}
	return &Payments{orders: orders, gw: gw, log: log, now: now, locks: map[string]*orderLock{}}
}

// lock serialises work on one order and returns its unlock.
func (p *Payments) lock(id string) func() {
	p.mu.Lock()
	l := p.locks[id]
	if l == nil {
		l = &orderLock{}
		p.locks[id] = l
	}
	l.users++
	p.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		p.mu.Lock()
		if l.users--; l.users == 0 {
			delete(p.locks, id)
		}
		p.mu.Unlock()
	}
}

// Pay authorises req for kiosk. The rules:
//   - the same order again (a retry) returns the order's result, asking the
//     provider only while it is undecided, and never charges again; the code
//     of a retry is not looked at;
//   - the same order with another amount, biller or account, or of another
//     kiosk, is ECONFLICT;
//   - a code that is no WeChat or Alipay payment code is declined ("invalid
//     code") without asking the provider;
//   - a code any earlier order used is declined ("code already used").
//
// An order is stored before the provider is asked. If the provider cannot be
// reached the order stays undecided (paying) and a later Query asks again.
// EINVALID for a malformed request.
func (p *Payments) Pay(ctx context.Context, kiosk string, req bianmin.PayRequest) (bianmin.PayResult, error) {
	if err := req.Validate(); err != nil {
		return bianmin.PayResult{}, err
	}
	defer p.lock(req.Order)()
	o, err := p.orders.Order(ctx, req.Order)
	switch {
	case err == nil:
		if o.KioskID != kiosk || o.AmountFen != req.AmountFen || o.Biller != req.Biller || o.Account != req.Account {
			return bianmin.PayResult{}, bianmin.Errorf(bianmin.ECONFLICT,
				"order %s was placed with another amount, biller, account or kiosk; use a new receipt number", req.Order)
		}
		return p.settle(ctx, o)
	case bianmin.ErrorCode(err) != bianmin.ENOTFOUND:
		return bianmin.PayResult{}, err
	}
	now := p.now()
	o = StoredOrder{ID: req.Order, KioskID: kiosk, Biller: req.Biller, Account: req.Account, AmountFen: req.AmountFen,
		CodeTail: bianmin.MaskPaymentCode(req.Code), Created: now, Updated: now}
	method, ok := bianmin.PaymentCodeMethod(req.Code)
	if !ok {
		o.Status, o.Message = bianmin.PayDeclined, msgInvalidCode
		return p.create(ctx, o)
	}
	o.Method, o.CodeHash, o.Status = method, sha256.Sum256([]byte(req.Code)), OrderPending
	if _, _, err := p.orders.CreateOrder(ctx, o); errors.Is(err, ErrCodeReused) {
		o.CodeHash, o.Status, o.Message = [32]byte{}, bianmin.PayDeclined, msgCodeUsed
		return p.create(ctx, o)
	} else if err != nil {
		return bianmin.PayResult{}, err
	}
	name, _ := bianmin.PayeeName(req.Biller)
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), gatewayTimeout)
	defer cancel()
	res, err := p.gw.Authorize(gctx, GatewayOrder{ID: o.ID, AmountFen: o.AmountFen, Code: req.Code, Method: method, Subject: name + " " + o.Account})
	if err != nil {
		// The provider may or may not have charged: the order stays
		// pending and the next query asks it.
		p.log.Warn("payment gateway unreachable on authorize", "order", o.ID, "code", o.CodeTail, "err", err)
		return o.Result(), nil
	}
	p.log.Info("payment authorised", "order", o.ID, "code", o.CodeTail, "method", method, "status", res.Status)
	return p.record(gctx, o, res)
}

// create stores an order decided without the provider.
func (p *Payments) create(ctx context.Context, o StoredOrder) (bianmin.PayResult, error) {
	if _, _, err := p.orders.CreateOrder(ctx, o); err != nil {
		return bianmin.PayResult{}, err
	}
	p.log.Info("payment declined", "order", o.ID, "code", o.CodeTail, "reason", o.Message)
	return o.Result(), nil
}

// record stores the provider's answer for o. An answer outside the statuses
// a provider may give is treated as an error of the provider. Callers pass
// the detached context of the gateway call: once the provider has answered,
// the answer is stored even if the kiosk has hung up.
func (p *Payments) record(ctx context.Context, o StoredOrder, res GatewayResult) (bianmin.PayResult, error) {
	switch res.Status {
	case bianmin.PaySuccess, bianmin.PayDeclined, bianmin.PayPaying, bianmin.PayError, bianmin.PayCancelled:
	default:
		res = GatewayResult{Status: bianmin.PayError, Message: "支付网关返回异常"}
	}
	if res.Message == "" {
		res.Message = defaultMessage(res.Status)
	}
	o.Status, o.Message, o.Updated = res.Status, res.Message, p.now()
	if res.Ref != "" {
		o.Ref = res.Ref
	}
	if err := p.orders.UpdateOrder(ctx, o.ID, o.Status, o.Message, res.Ref, o.Updated); err != nil {
		return bianmin.PayResult{}, err
	}
	return o.Result(), nil
}

func defaultMessage(status string) string {
	switch status {
	case bianmin.PaySuccess:
		return "支付成功"
	case bianmin.PayDeclined:
		return "支付未成功"
	case bianmin.PayPaying:
		return "请在手机上确认支付"
	case bianmin.PayCancelled:
		return "支付已取消"
	}
	return "支付网关暂时不可用，未扣款"
}

// settle returns a decided order as it is and asks the provider about an
// undecided one. Called with the order's lock held.
func (p *Payments) settle(ctx context.Context, o StoredOrder) (bianmin.PayResult, error) {
	if o.Status != OrderPending && o.Status != bianmin.PayPaying {
		return o.Result(), nil
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), gatewayTimeout)
	defer cancel()
	res, err := p.gw.Query(gctx, o.ID)
	if err != nil {
		p.log.Warn("payment gateway unreachable on query", "order", o.ID, "err", err)
		return o.Result(), nil
	}
	if res.Status == o.Status && res.Status == bianmin.PayPaying {
		return o.Result(), nil
	}
	p.log.Info("payment queried", "order", o.ID, "status", res.Status)
	return p.record(gctx, o, res)
}

// Query returns where kiosk's order stands, asking the provider while it is
// undecided. ENOTFOUND for an order that is unknown or another kiosk's.
func (p *Payments) Query(ctx context.Context, kiosk, order string) (bianmin.PayResult, error) {
	defer p.lock(order)()
	o, err := p.own(ctx, kiosk, order)
	if err != nil {
		return bianmin.PayResult{}, err
	}
	return p.settle(ctx, o)
}

// Cancel makes sure kiosk's order ends without money taken (a kiosk that
// timed out waiting for the resident calls it): an undecided order is closed
// and a paid one reversed at the provider, and the order becomes cancelled;
// a declined, failed or cancelled order is returned as it is. Afterwards
// the order never reports success. If the provider cannot be reached the
// order is unchanged and the error says so: the kiosk cancels again.
// ENOTFOUND for an order that is unknown or another kiosk's.
func (p *Payments) Cancel(ctx context.Context, kiosk, order string) (bianmin.PayResult, error) {
	defer p.lock(order)()
	o, err := p.own(ctx, kiosk, order)
	if err != nil {
		return bianmin.PayResult{}, err
	}
	switch o.Status {
	case bianmin.PayDeclined, bianmin.PayError, bianmin.PayCancelled:
		return o.Result(), nil
	}
	gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), gatewayTimeout)
	defer cancel()
	res, err := p.gw.Cancel(gctx, o.ID)
	if err != nil {
		p.log.Warn("payment gateway unreachable on cancel", "order", o.ID, "err", err)
		return bianmin.PayResult{}, ErrGatewayUnavailable
	}
	msg := "支付已取消，未扣款"
	if o.Status == bianmin.PaySuccess {
		msg = "支付已撤销，款项将原路退回"
	}
	if res.Message != "" && res.Status == bianmin.PayCancelled {
		msg = res.Message
	}
	p.log.Info("payment cancelled", "order", o.ID, "was", o.Status)
	return p.record(gctx, o, GatewayResult{Status: bianmin.PayCancelled, Message: msg, Ref: res.Ref})
}

// ErrGatewayUnavailable means the payment provider could not be reached to
// cancel; nothing changed and the cancel may be repeated.
var ErrGatewayUnavailable = errors.New("payment gateway unavailable; try again")

// own returns kiosk's order; another kiosk's is not found, so order ids
// reveal nothing across kiosks.
func (p *Payments) own(ctx context.Context, kiosk, order string) (StoredOrder, error) {
	o, err := p.orders.Order(ctx, order)
	if err != nil {
		return StoredOrder{}, err
	}
	if o.KioskID != kiosk {
		return StoredOrder{}, bianmin.Errorf(bianmin.ENOTFOUND, "no order %s", order)
	}
	return o, nil
}
