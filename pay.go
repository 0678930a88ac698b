package bianmin

import (
	"log/slog"
	"strings"
)

// Mobile payment (付款码, SPEC §2.6): the kiosk reads the code the resident
// shows on the phone and asks officed to authorise it; officed asks the
// payment gateway. These are the bodies of the kiosk-facing API:
//
//	POST /api/v1/pay                 PayRequest → PayResult
//	GET  /api/v1/pay/{order}         → PayResult (queries the gateway while paying)
//	POST /api/v1/pay/{order}/cancel  → PayResult (never success afterwards)

// Payment methods of Payment.Method.
const (
	MethodCash   = "cash"
	MethodWeChat = "wechat"
	MethodAlipay = "alipay"
)

var methodLabels = map[string]string{MethodCash: "现金", MethodWeChat: "微信支付", MethodAlipay: "支付宝"}

// MethodLabel is the Chinese name of a payment method as slips and the
// receipt page print it; "" for an unknown one.
func MethodLabel(method string) string { return methodLabels[method] }

// PaymentCodeMethod tells which provider issued a payment code: WeChat Pay
// codes are 18 digits starting 10–15, Alipay codes 16–24 digits starting
// 25–30. ok is false for anything else (a slip's QR, scanner garbage).
func PaymentCodeMethod(code string) (method string, ok bool) {
	n := len(code)
	if n < 16 || n > 24 {
		return "", false
	}
	for i := 0; i < n; i++ {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	switch p := code[:2]; {
	case n == 18 && p >= "10" && p <= "15":
		return MethodWeChat, true
	case p >= "25" && p <= "30":
		return MethodAlipay, true
	}
	return "", false
}

// MaskPaymentCode keeps the last 4 characters of a payment code, the most a
// log or a screen may show: a whole code is money for about a minute.
func MaskPaymentCode(code string) string {
	return keepEnds(code, 0, 4)
}

// Statuses of PayResult.
const (
	PaySuccess   = "success"   // paid: the service may complete
	PayDeclined  = "declined"  // refused (balance, invalid or used code, resident cancelled); nothing paid
	PayPaying    = "paying"    // the resident must confirm on the phone: query again
	PayError     = "error"     // the gateway failed; nothing paid
	PayCancelled = "cancelled" // cancelled by the kiosk; nothing paid (a charge was reversed)
)

// PayRequest asks officed to authorise a payment code for one order.
type PayRequest struct {
	// Order is the kiosk's receipt number and the idempotency key: the same
	// order again returns its first result and never charges twice. An order
	// is one attempt; after a decline, an error or a cancel the kiosk tries
	// again with a new receipt number.
	Order     string `json:"order"`
	Biller    string `json:"biller"` // one of Billers' ids, or "tempid"
	Account   string `json:"account"`
	AmountFen int64  `json:"amount_fen"`
	Code      string `json:"code"` // the payment code as scanned
}

// Validate checks the order, not the code: a code that is not a payment code
// is a decline, not a malformed request.
func (p *PayRequest) Validate() error {
	switch {
	case !ValidReceiptNumber(p.Order):
		return bad("pay", "order", "%q is not a receipt number", p.Order)
	case p.Biller != "tempid" && !isBiller(p.Biller):
		return bad("pay", "biller", "%q is unknown", p.Biller)
	case !ValidAccount(p.Account):
		return bad("pay", "account", "is malformed")
	case p.AmountFen <= 0 || p.AmountFen > MaxBillFen:
		return bad("pay", "amount_fen", "must be 1 fen to 100 000 yuan")
	case len(p.Code) > 64 || strings.ContainsFunc(p.Code, func(r rune) bool { return r < 0x20 || r >= 0x7f }):
		return bad("pay", "code", "is not scanner text")
	}
	return nil
}

// LogValue implements slog.LogValuer: the order and amount, the code masked,
// no account.
func (p PayRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("order", p.Order), slog.String("biller", p.Biller),
		slog.Int64("amount_fen", p.AmountFen), slog.String("code", MaskPaymentCode(p.Code)))
}

// PayResult is where an order stands.
type PayResult struct {
	Order      string `json:"order"`
	Status     string `json:"status"`  // PaySuccess, PayDeclined, PayPaying, PayError or PayCancelled
	Message    string `json:"message"` // for the resident, in Chinese
	GatewayRef string `json:"gateway_ref,omitempty"`
	Method     string `json:"method,omitempty"` // MethodWeChat or MethodAlipay; empty for an invalid code
	AmountFen  int64  `json:"amount_fen"`
}

// Final reports whether the gateway has decided: every status but paying.
// Only a cancel changes a final result, turning success into cancelled.
func (r PayResult) Final() bool { return r.Status != PayPaying }

// ValidReceiptNumber reports whether s has the form of a receipt number
// (P…, NewNumber): what an order id must be.
func ValidReceiptNumber(s string) bool { return numberPattern.MatchString(s) && s[0] == 'P' }

// ParsePayResult decodes officed's answer about an order strictly and checks
// it: a known status, an order that is a receipt number, a method only of a
// payment code. What it says decides whether a service completes.
func ParsePayResult(data []byte) (PayResult, error) {
	var r PayResult
	if err := decodeStrict("pay result", data, &r); err != nil {
		return PayResult{}, err
	}
	switch {
	case !ValidReceiptNumber(r.Order):
		return PayResult{}, bad("pay result", "order", "is not a receipt number")
	case r.Status != PaySuccess && r.Status != PayDeclined && r.Status != PayPaying && r.Status != PayError && r.Status != PayCancelled:
		return PayResult{}, bad("pay result", "status", "%q is unknown", r.Status)
	case r.Method != "" && r.Method != MethodWeChat && r.Method != MethodAlipay:
		return PayResult{}, bad("pay result", "method", "%q is unknown", r.Method)
	case r.Status == PaySuccess && r.Method == "":
		return PayResult{}, bad("pay result", "method", "is missing from a success")
	case r.AmountFen < 0 || r.AmountFen > MaxBillFen:
		return PayResult{}, bad("pay result", "amount_fen", "out of range")
	case !textOK(r.Message, 200) || !textOK(r.GatewayRef, 64):
		return PayResult{}, bad("pay result", "message", "too long")
	}
	return r, nil
}
