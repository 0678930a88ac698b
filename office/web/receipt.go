package web

import (
	"context"
	"net/http"

	"bianmin"
	"bianmin/office"
)

// The page of a payment receipt (SPEC §2.6: the receipt's QR). The secret
// from the QR opens it; an unknown receipt, a malformed number and a wrong
// or missing secret all get the same 404 page. A receipt paid while the
// kiosk was offline is found once the kiosk has uploaded it, and the page
// says so rather than "no such receipt".

const receiptNotFound = "未找到该收据。缴费机离线时的收据，在缴费机联网上传后才能查到"

type receiptPage struct {
	Receipt  string
	Payee    string
	Account  string // masked
	Period   string
	Due      string
	Paid     string
	Credit   string // empty when nothing was overpaid
	Method   string
	Gateway  string
	Offline  bool
	At       string
	Received string
}

func (h *Handler) serveReceipt(w http.ResponseWriter, r *http.Request) {
	p, ok := bySecret(h, w, r, bianmin.ValidReceiptNumber, receiptNotFound, func(ctx context.Context, n string) (office.PaymentInfo, string, error) {
		p, err := h.residents.Payment(ctx, n)
		return p, p.Secret, err
	})
	if !ok {
		return
	}
	payee, _ := bianmin.PayeeName(p.Biller)
	page := receiptPage{Receipt: p.Receipt, Payee: payee, Account: bianmin.MaskAccount(p.Account), Period: p.Period,
		Due: bianmin.FormatYuan(p.DueFen) + " 元", Paid: bianmin.FormatYuan(p.PaidFen) + " 元", Method: bianmin.MethodLabel(p.Method),
		Gateway: p.Gateway, Offline: p.Offline, At: p.Created.In(h.loc).Format("2006-01-02 15:04:05"),
		Received: p.Received.In(h.loc).Format("2006-01-02 15:04")}
	if p.Biller == "tempid" {
		page.Account = ""
	}
	if p.Credit > 0 {
		page.Credit = bianmin.FormatYuan(p.Credit) + " 元"
	}
	h.render(w, r, http.StatusOK, receiptTmpl, page)
}
