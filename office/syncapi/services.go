package syncapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// The online services kiosks call: bill lookup and mobile payment. Each is a
// signed request whose nonce is used before the work is done. Account
// numbers and payment codes are never logged; orders are (receipt numbers
// carry no personal data).

// parseBillQuery reads ?biller=B&account=A, each exactly once, nothing else.
func parseBillQuery(r *http.Request) (biller, account string, err error) {
	values := r.URL.Query()
	for k, vs := range values {
		if len(vs) != 1 {
			return "", "", fmt.Errorf("parameter %q given %d times", clip(k), len(vs))
		}
		switch k {
		case "biller":
			biller = vs[0]
		case "account":
			account = vs[0]
		default:
			return "", "", fmt.Errorf("unknown parameter %q", clip(k))
		}
	}
	if _, ok := bianmin.BillerName(biller); !ok {
		return "", "", fmt.Errorf("biller must be one of the billers' ids (heating, water, …), got %q", clip(biller))
	}
	if !bianmin.ValidAccount(account) {
		return "", "", errors.New("account must be 4–32 letters, digits or '-'")
	}
	return biller, account, nil
}

func (h *Handler) bills(w http.ResponseWriter, r *http.Request, e *entry) {
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	if len(req.body) > 0 {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "a bill lookup has no body"})
		return
	}
	biller, account, err := parseBillQuery(r)
	if err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
		return
	}
	if err := h.store.UseNonce(r.Context(), req.nonce); err != nil {
		h.storeFailed(w, e, err)
		return
	}
	e.attrs = append(e.attrs, slog.String("biller", biller))
	b, err := h.store.Bill(r.Context(), biller, account)
	if bianmin.ErrorCode(err) == bianmin.ENOTFOUND {
		h.m.billLookups.Inc("not_found")
		h.fail(w, e, http.StatusNotFound, &wire.Error{Code: "no_bill", Message: "no bill is due for this account"})
		return
	}
	if err != nil {
		h.internal(w, e, err)
		return
	}
	h.m.billLookups.Inc("found")
	h.reply(w, e, http.StatusOK, b.Masked())
	h.maybePrune(r.Context())
}

// maxHouseholdBytes bounds a household query: a biller id and a name.
const maxHouseholdBytes = 1 << 10

// household answers which of a biller's bills are held in a name read from
// an ID card. The name comes in the signed body and is never logged; the
// answer carries holders masked, so the kiosk shows nothing it did not
// read from the card itself.
func (h *Handler) household(w http.ResponseWriter, r *http.Request, e *entry) {
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	if len(req.body) > maxHouseholdBytes {
		h.fail(w, e, http.StatusRequestEntityTooLarge, &wire.Error{Code: "too_large", Message: fmt.Sprintf("body over %d bytes", maxHouseholdBytes)})
		return
	}
	var q bianmin.HouseholdQuery
	if err := decodeStrict(req.body, &q); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "household query is not valid JSON: " + err.Error()})
		return
	}
	if err := q.Validate(); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
		return
	}
	if err := h.store.UseNonce(r.Context(), req.nonce); err != nil {
		h.storeFailed(w, e, err)
		return
	}
	e.attrs = append(e.attrs, slog.String("biller", q.Biller))
	bills, err := h.store.HouseholdBills(r.Context(), q.Biller, q.Holder, bianmin.MaxHousehold+1)
	if err != nil {
		h.internal(w, e, err)
		return
	}
	if len(bills) > bianmin.MaxHousehold {
		h.fail(w, e, http.StatusUnprocessableEntity, &wire.Error{Code: "too_many",
			Message: fmt.Sprintf("more than %d households of this biller share the name; look the bill up by account", bianmin.MaxHousehold)})
		return
	}
	out := bianmin.Household{Bills: make([]bianmin.Bill, len(bills))}
	for i, b := range bills {
		out.Bills[i] = b.Masked()
	}
	e.attrs = append(e.attrs, slog.Int("found", len(bills)))
	h.reply(w, e, http.StatusOK, out)
	h.maybePrune(r.Context())
}

// paymentsOff answers when officed has no payment service.
func (h *Handler) paymentsOff(w http.ResponseWriter, e *entry) bool {
	if h.pay != nil {
		return false
	}
	h.fail(w, e, http.StatusNotFound, &wire.Error{Code: "payments_disabled", Message: "mobile payment is not configured on this officed"})
	return true
}

// payAuth authenticates a payment request and uses its nonce; false when it
// has answered already.
func (h *Handler) payAuth(w http.ResponseWriter, r *http.Request, e *entry) (signed, bool) {
	if h.paymentsOff(w, e) {
		return signed{}, false
	}
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return signed{}, false
	}
	if err := h.store.UseNonce(r.Context(), req.nonce); err != nil {
		h.storeFailed(w, e, err)
		return signed{}, false
	}
	return req, true
}

// payFailed maps the errors of office.Payments.
func (h *Handler) payFailed(w http.ResponseWriter, e *entry, err error) {
	switch {
	case errors.Is(err, office.ErrGatewayUnavailable):
		h.fail(w, e, http.StatusServiceUnavailable, &wire.Error{Code: "gateway_unavailable", Message: err.Error()})
	case bianmin.ErrorCode(err) == bianmin.EINVALID:
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
	case bianmin.ErrorCode(err) == bianmin.ECONFLICT:
		h.fail(w, e, http.StatusConflict, &wire.Error{Code: "conflict", Message: err.Error()})
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		h.fail(w, e, http.StatusNotFound, &wire.Error{Code: "no_order", Message: "no such order from this kiosk"})
	default:
		h.internal(w, e, err)
	}
}

func (h *Handler) payReply(w http.ResponseWriter, r *http.Request, e *entry, res bianmin.PayResult) {
	h.m.payResults.Inc(res.Status)
	e.attrs = append(e.attrs, slog.String("order", res.Order), slog.String("status", res.Status))
	h.reply(w, e, http.StatusOK, res)
	h.maybePrune(r.Context())
}

func (h *Handler) payStart(w http.ResponseWriter, r *http.Request, e *entry) {
	if h.paymentsOff(w, e) {
		return
	}
	req, ok := h.authenticate(w, r, e)
	if !ok {
		return
	}
	if len(req.body) > maxPayBytes {
		h.fail(w, e, http.StatusRequestEntityTooLarge, &wire.Error{Code: "too_large", Message: fmt.Sprintf("body over %d bytes", maxPayBytes)})
		return
	}
	var pr bianmin.PayRequest
	if err := decodeStrict(req.body, &pr); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "pay request is not valid JSON: " + err.Error()})
		return
	}
	if err := pr.Validate(); err != nil {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "invalid", Message: err.Error()})
		return
	}
	if err := h.store.UseNonce(r.Context(), req.nonce); err != nil {
		h.storeFailed(w, e, err)
		return
	}
	res, err := h.pay.Pay(r.Context(), req.kiosk.ID, pr)
	if err != nil {
		h.payFailed(w, e, err)
		return
	}
	h.payReply(w, r, e, res)
}

// orderPath checks the order id of a /pay/{order} path.
func (h *Handler) orderPath(w http.ResponseWriter, e *entry, order string, body []byte) bool {
	if !bianmin.ValidReceiptNumber(order) {
		h.fail(w, e, http.StatusNotFound, &wire.Error{Code: "no_order", Message: "the order must be a receipt number"})
		return false
	}
	if len(body) > 0 && string(body) != "{}" {
		h.fail(w, e, http.StatusBadRequest, &wire.Error{Code: "malformed", Message: "this request has no body"})
		return false
	}
	return true
}

func (h *Handler) payQuery(order string) func(http.ResponseWriter, *http.Request, *entry) {
	return func(w http.ResponseWriter, r *http.Request, e *entry) {
		req, ok := h.payAuth(w, r, e)
		if !ok || !h.orderPath(w, e, order, req.body) {
			return
		}
		res, err := h.pay.Query(r.Context(), req.kiosk.ID, order)
		if err != nil {
			h.payFailed(w, e, err)
			return
		}
		h.payReply(w, r, e, res)
	}
}

func (h *Handler) payCancel(order string) func(http.ResponseWriter, *http.Request, *entry) {
	return func(w http.ResponseWriter, r *http.Request, e *entry) {
		req, ok := h.payAuth(w, r, e)
		if !ok || !h.orderPath(w, e, order, req.body) {
			return
		}
		res, err := h.pay.Cancel(r.Context(), req.kiosk.ID, order)
		if err != nil {
			h.payFailed(w, e, err)
			return
		}
		h.payReply(w, r, e, res)
	}
}
