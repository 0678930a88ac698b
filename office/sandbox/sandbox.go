// Package sandbox is officed's default payment gateway (office.PaymentGateway):
// a stand-in for WeChat Pay and Alipay that charges nothing and answers by a
// fixed script, so kiosks, tests and the demo can drive every path of a
// mobile payment (SPEC §2.6) with the code they scan.
//
// The outcome is chosen by the last digit of the payment code:
//
//	last digit  Authorize              Query                                 meaning
//	0–4         success                success                               paid at once
//	5           declined "余额不足"      declined                              insufficient balance
//	6           paying                 paying, then success on the 2nd query  resident confirms on the phone
//	7           paying                 paying, then declined on the 2nd query resident gives up on the phone
//	8           paying                 paying, forever                       the kiosk times out and must cancel
//	9           error                  error                                 the gateway fails; nothing charged
//
// A code whose 3rd and 4th digits are 99 (e.g. 139912345678901230) has
// expired, whatever its last digit: declined "付款码已过期" at once, as a real
// provider answers a code shown after its minute of validity.
//
// Codes must look real (officed's office.Payments checks before asking the
// gateway): WeChat Pay 18 digits starting 10–15, Alipay 16–24 digits
// starting 25–30. For example 134567890123456780 (WeChat) is paid at once,
// 134567890123456786 needs two queries, 28765432109876548 (Alipay) never
// completes. Anything else is declined as an invalid code, and a code used
// once is declined as used, by office.Payments before the sandbox is asked.
//
// Cancel (撤销) closes an undecided charge or reverses a paid one; afterwards
// every query answers cancelled. Like a real provider the sandbox is
// idempotent on the order id: authorising an order it knows returns the
// charge's current state and charges nothing more. Its charges live in an
// office.SandboxLedger (officed's database), so they survive a restart of
// officed as a real provider's records would.
package sandbox

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"bianmin"
	"bianmin/office"
)

// Scripted outcomes by the last digit of the code.
const (
	lastApproved    = 4 // 0–4
	outcomeDeclined = 5
	outcomeLater    = 6 // paying, then success
	outcomeGivesUp  = 7 // paying, then declined
	outcomeForever  = 8 // paying forever
	outcomeError    = 9
	outcomeExpired  = 99 // digits 3–4 are "99"

	// QueriesToDecide is how many queries an outcome 6 or 7 charge answers
	// before it is decided: the 2nd query gives the result.
	QueriesToDecide = 2
)

// Messages the sandbox answers with, as a provider's would read.
const (
	MsgPaid         = "支付成功"
	MsgInsufficient = "余额不足"
	MsgExpired      = "付款码已过期，请刷新付款码后重试"
	MsgPaying       = "请在手机上确认支付"
	MsgGaveUp       = "用户取消支付"
	MsgError        = "支付网关系统错误，未扣款"
	MsgUnknown      = "订单不存在，未扣款"
	MsgCancelled    = "订单已撤销"
)

var _ office.PaymentGateway = (*Gateway)(nil)

// Gateway is the sandbox provider. It is safe for concurrent use.
type Gateway struct {
	ledger office.SandboxLedger
	now    func() time.Time

	mu      sync.Mutex // one charge changes at a time: read, decide, write
	charges atomic.Int64
}

// New returns a sandbox over ledger; a nil now is time.Now.
func New(ledger office.SandboxLedger, now func() time.Time) *Gateway {
	if now == nil {
		now = time.Now
	}
	return &Gateway{ledger: ledger, now: now}
}

// Authorizations reports how many charges this Gateway value created (not
// counting repeated authorisations of an order it knew), for tests that
// check nothing is charged twice.
func (g *Gateway) Authorizations() int64 { return g.charges.Load() }

// Authorize implements office.PaymentGateway.
func (g *Gateway) Authorize(ctx context.Context, o office.GatewayOrder) (office.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, err := g.ledger.SandboxCharge(ctx, o.ID)
	switch {
	case err == nil:
		return result(c), nil
	case bianmin.ErrorCode(err) != bianmin.ENOTFOUND:
		return office.GatewayResult{}, err
	}
	if o.Code == "" || o.Code[len(o.Code)-1] < '0' || o.Code[len(o.Code)-1] > '9' {
		return office.GatewayResult{Status: bianmin.PayDeclined, Message: "付款码无效"}, nil
	}
	now := g.now()
	c = office.SandboxCharge{Order: o.ID, AmountFen: o.AmountFen, Outcome: int(o.Code[len(o.Code)-1] - '0'), Created: now,
		Ref: fmt.Sprintf("SBX%s-%s", now.UTC().Format("20060102"), o.ID)}
	if len(o.Code) >= 4 && o.Code[2:4] == "99" {
		c.Outcome = outcomeExpired
	}
	switch c.Outcome {
	case outcomeDeclined, outcomeExpired:
		c.State = bianmin.PayDeclined
	case outcomeLater, outcomeGivesUp, outcomeForever:
		c.State = bianmin.PayPaying
	case outcomeError:
		c.State = bianmin.PayError
	default:
		c.State = bianmin.PaySuccess
	}
	if err := g.ledger.PutSandboxCharge(ctx, c); err != nil {
		return office.GatewayResult{}, err
	}
	g.charges.Add(1)
	return result(c), nil
}

// Query implements office.PaymentGateway.
func (g *Gateway) Query(ctx context.Context, orderID string) (office.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, err := g.ledger.SandboxCharge(ctx, orderID)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		return office.GatewayResult{Status: bianmin.PayError, Message: MsgUnknown}, nil
	}
	if err != nil {
		return office.GatewayResult{}, err
	}
	if c.State != bianmin.PayPaying {
		return result(c), nil
	}
	c.Queries++
	if c.Queries >= QueriesToDecide {
		switch c.Outcome {
		case outcomeLater:
			c.State = bianmin.PaySuccess
		case outcomeGivesUp:
			c.State = bianmin.PayDeclined
		}
	}
	if err := g.ledger.PutSandboxCharge(ctx, c); err != nil {
		return office.GatewayResult{}, err
	}
	return result(c), nil
}

// Cancel implements office.PaymentGateway.
func (g *Gateway) Cancel(ctx context.Context, orderID string) (office.GatewayResult, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, err := g.ledger.SandboxCharge(ctx, orderID)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		// Never received: there is nothing to stop, and a late Authorize of
		// this order would not be the kiosk's (it moved on).
		return office.GatewayResult{Status: bianmin.PayCancelled, Message: MsgCancelled}, nil
	}
	if err != nil {
		return office.GatewayResult{}, err
	}
	switch c.State {
	case bianmin.PayPaying, bianmin.PaySuccess:
		c.State = bianmin.PayCancelled
		if err := g.ledger.PutSandboxCharge(ctx, c); err != nil {
			return office.GatewayResult{}, err
		}
	}
	return result(c), nil
}

func result(c office.SandboxCharge) office.GatewayResult {
	r := office.GatewayResult{Status: c.State, Ref: c.Ref}
	switch c.State {
	case bianmin.PaySuccess:
		r.Message = MsgPaid
	case bianmin.PayPaying:
		r.Message = MsgPaying
	case bianmin.PayError:
		r.Message = MsgError
	case bianmin.PayCancelled:
		r.Message = MsgCancelled
	case bianmin.PayDeclined:
		r.Message = MsgInsufficient
		switch c.Outcome {
		case outcomeGivesUp:
			r.Message = MsgGaveUp
		case outcomeExpired:
			r.Message = MsgExpired
		}
	}
	return r
}

// MemoryLedger is an office.SandboxLedger in memory, for tests of the
// sandbox alone; officed keeps its ledger in its database.
type MemoryLedger struct {
	mu sync.Mutex
	m  map[string]office.SandboxCharge
}

var _ office.SandboxLedger = (*MemoryLedger)(nil)

// SandboxCharge implements office.SandboxLedger.
func (l *MemoryLedger) SandboxCharge(_ context.Context, order string) (office.SandboxCharge, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.m[order]
	if !ok {
		return c, bianmin.Errorf(bianmin.ENOTFOUND, "sandbox: no charge for order %q", order)
	}
	return c, nil
}

// PutSandboxCharge implements office.SandboxLedger.
func (l *MemoryLedger) PutSandboxCharge(_ context.Context, c office.SandboxCharge) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]office.SandboxCharge{}
	}
	l.m[c.Order] = c
	return nil
}
