package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"bianmin"
)

// The online services a kiosk calls besides sync (bianmin/pay.go, the
// syncapi routes): bill lookup and mobile payment. They are signed like
// every request; answers are decoded strictly and checked, since they decide
// what a resident pays.

// ErrNoBill means officed has no bill due for the account.
var ErrNoBill = bianmin.Errorf(bianmin.ENOTFOUND, "no bill is due for this account")

// Bill looks up the bill of account with biller; the holder comes masked.
// ErrNoBill when there is none.
func (c *Client) Bill(ctx context.Context, biller, account string) (bianmin.Bill, error) {
	q := url.Values{"biller": {biller}, "account": {account}}
	var raw json.RawMessage
	err := c.signed(ctx, http.MethodGet, "/api/v1/bills?"+q.Encode(), nil, &raw)
	if se := (*StatusError)(nil); errors.As(err, &se) && se.Status == http.StatusNotFound && se.Err.Code == "no_bill" {
		return bianmin.Bill{}, ErrNoBill
	}
	if err != nil {
		return bianmin.Bill{}, err
	}
	b, err := bianmin.ParseBill(raw)
	if err != nil {
		return bianmin.Bill{}, fmt.Errorf("sync: bill lookup: malformed answer: %w", err)
	}
	if b.Biller != biller || b.Account != account {
		return bianmin.Bill{}, fmt.Errorf("sync: bill lookup: answer is for %s/%s", b.Biller, b.Account)
	}
	return b, nil
}

// HouseholdBills returns biller's bills whose holder is holder, holders
// masked: the households a resident can pick after reading the ID card.
// An empty list when there are none.
func (c *Client) HouseholdBills(ctx context.Context, biller, holder string) ([]bianmin.Bill, error) {
	body, err := json.Marshal(bianmin.HouseholdQuery{Biller: biller, Holder: holder})
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := c.signed(ctx, http.MethodPost, "/api/v1/bills/household", body, &raw); err != nil {
		return nil, err
	}
	bills, err := bianmin.ParseHousehold(raw)
	if err != nil {
		return nil, fmt.Errorf("sync: household bills: malformed answer: %w", err)
	}
	for _, b := range bills {
		if b.Biller != biller {
			return nil, fmt.Errorf("sync: household bills: answer holds a %s bill", b.Biller)
		}
	}
	return bills, nil
}

// Pay asks officed to authorise a payment code for an order. The order id
// is the idempotency key: sending the same request again (after a lost
// answer) returns the order's result and never charges twice.
func (c *Client) Pay(ctx context.Context, req bianmin.PayRequest) (bianmin.PayResult, error) {
	if err := req.Validate(); err != nil {
		return bianmin.PayResult{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return bianmin.PayResult{}, err
	}
	return c.payCall(ctx, http.MethodPost, "/api/v1/pay", body, req.Order)
}

// PayQuery returns where an order stands; officed asks the gateway while it
// is paying.
func (c *Client) PayQuery(ctx context.Context, order string) (bianmin.PayResult, error) {
	return c.payCall(ctx, http.MethodGet, "/api/v1/pay/"+url.PathEscape(order), nil, order)
}

// PayCancel makes sure an order ends without money taken: an undecided one
// is closed, a paid one reversed. It never answers success.
func (c *Client) PayCancel(ctx context.Context, order string) (bianmin.PayResult, error) {
	res, err := c.payCall(ctx, http.MethodPost, "/api/v1/pay/"+url.PathEscape(order)+"/cancel", []byte("{}"), order)
	if err == nil && res.Status == bianmin.PaySuccess {
		return res, fmt.Errorf("sync: cancel of %s answered success", order)
	}
	return res, err
}

func (c *Client) payCall(ctx context.Context, method, path string, body []byte, order string) (bianmin.PayResult, error) {
	var raw json.RawMessage
	if err := c.signed(ctx, method, path, body, &raw); err != nil {
		return bianmin.PayResult{}, err
	}
	res, err := bianmin.ParsePayResult(raw)
	if err != nil {
		return bianmin.PayResult{}, fmt.Errorf("sync: %s %s: malformed answer: %w", method, path, err)
	}
	if res.Order != order {
		return bianmin.PayResult{}, fmt.Errorf("sync: %s %s: answer is for order %q", method, path, res.Order)
	}
	return res, nil
}
