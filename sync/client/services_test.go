package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin"
	"bianmin/kiosk/keyring"
	"bianmin/office"
	"bianmin/office/sandbox"
	"bianmin/office/sqlite"
	"bianmin/office/sqlite/sqlitetest"
	"bianmin/office/syncapi"
	"bianmin/sync/client"
)

// loseAnswer forwards requests and, for the paths it is armed for, throws
// the answer away once after officed has handled the request: a lost
// response after commit.
type loseAnswer struct {
	mu   sync.Mutex
	arm  map[string]int // path → answers still to lose
	base http.RoundTripper
}

func (l *loseAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil && l.arm[r.URL.Path] > 0 {
		l.arm[r.URL.Path]--
		resp.Body.Close()
		return nil, errInjected
	}
	return resp, err
}

// payOffice is a real officed with the sandbox gateway, and a client of an
// enrolled kiosk whose answers can be lost.
func payOffice(t *testing.T) (*client.Client, *sqlite.Store, *sandbox.Gateway, *loseAnswer) {
	t.Helper()
	ctx := context.Background()
	st := sqlitetest.Open(t)
	gw := sandbox.New(st, nil)
	h, err := syncapi.New(syncapi.Config{Store: st, Payments: office.NewPayments(st, gw, nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := &officeFixture{store: st, srv: srv}
	keys, err := keyring.Load(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Enroll(ctx, nil, srv.URL, o.code(t, "缴费测试机"), "缴费测试机", keys.Public())
	if err != nil {
		t.Fatal(err)
	}
	lose := &loseAnswer{arm: map[string]int{}, base: http.DefaultTransport}
	c := &client.Client{Server: srv.URL, KioskID: resp.KioskID, Key: keys.Sign, HTTP: &http.Client{Timeout: 5 * time.Second, Transport: lose}}
	return c, st, gw, lose
}

// TestPayAgainAfterLostAnswer: officed authorised a payment but the answer
// never reached the kiosk; sending the same order again returns the first
// result and the gateway charged once.
func TestPayAgainAfterLostAnswer(t *testing.T) {
	c, _, gw, lose := payOffice(t)
	ctx := context.Background()
	req := bianmin.PayRequest{Order: "P20261125-483920-0001", Biller: "heating", Account: "1200345678", AmountFen: 3750, Code: "134567890123456780"}
	lose.arm["/api/v1/pay"] = 1
	if _, err := c.Pay(ctx, req); !errors.Is(err, errInjected) {
		t.Fatalf("first pay: %v", err)
	}
	res, err := c.Pay(ctx, req)
	if err != nil || res.Status != bianmin.PaySuccess || res.Order != req.Order || res.Method != bianmin.MethodWeChat {
		t.Fatalf("pay again: %+v %v", res, err)
	}
	if n := gw.Authorizations(); n != 1 {
		t.Fatalf("the gateway charged %d times", n)
	}
	// The same order with another amount is not a retry: refused.
	other := req
	other.AmountFen = 1
	var se *client.StatusError
	if _, err := c.Pay(ctx, other); !errors.As(err, &se) || se.Status != http.StatusConflict {
		t.Fatalf("same order, other amount: %v", err)
	}
	// A query and a cancel of the order: cancel reverses the charge and
	// never answers success.
	if res, err := c.PayQuery(ctx, req.Order); err != nil || res.Status != bianmin.PaySuccess {
		t.Fatalf("query: %+v %v", res, err)
	}
	lose.arm["/api/v1/pay/"+req.Order+"/cancel"] = 1
	if _, err := c.PayCancel(ctx, req.Order); !errors.Is(err, errInjected) {
		t.Fatalf("first cancel: %v", err)
	}
	if res, err := c.PayCancel(ctx, req.Order); err != nil || res.Status != bianmin.PayCancelled {
		t.Fatalf("cancel again: %+v %v", res, err)
	}
	if res, _ := c.PayQuery(ctx, req.Order); res.Status != bianmin.PayCancelled {
		t.Errorf("after cancel the order is %s", res.Status)
	}
	if _, err := c.PayQuery(ctx, "P20261125-483920-0099"); !errors.As(err, &se) || se.Status != http.StatusNotFound {
		t.Errorf("unknown order: %v", err)
	}
	// A malformed request never leaves the kiosk.
	if _, err := c.Pay(ctx, bianmin.PayRequest{Order: "x"}); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("malformed request: %v", err)
	}
}

func TestBillLookups(t *testing.T) {
	c, st, _, _ := payOffice(t)
	ctx := context.Background()
	if err := st.ReplaceBills(ctx, "water", []bianmin.Bill{
		{Biller: "water", Account: "W-0042", Holder: "张秀英", AmountFen: 2550, Period: "2026年10月"},
		{Biller: "water", Account: "W-0043", Holder: "张秀英", AmountFen: 100, Period: "2026年10月"},
	}, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, err := c.Bill(ctx, "water", "W-0042")
	if err != nil || b.AmountFen != 2550 || b.Holder != "张**" {
		t.Fatalf("bill: %+v %v", b, err)
	}
	if _, err := c.Bill(ctx, "water", "W-9999"); !errors.Is(err, client.ErrNoBill) {
		t.Errorf("unknown account: %v", err)
	}
	homes, err := c.HouseholdBills(ctx, "water", "张秀英")
	if err != nil || len(homes) != 2 || strings.Contains(homes[0].Holder, "秀英") {
		t.Fatalf("household: %+v %v", homes, err)
	}
	if homes, err := c.HouseholdBills(ctx, "gas", "张秀英"); err != nil || len(homes) != 0 {
		t.Errorf("no gas bills: %+v %v", homes, err)
	}
}

// TestServiceAnswersAreChecked: an answer that is not what was asked for
// (another order, garbage, a success without a provider) is an error, never
// a payment.
func TestServiceAnswersAreChecked(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	keys, _ := keyring.Load(t.TempDir())
	c := &client.Client{Server: srv.URL, KioskID: "k1", Key: keys.Sign}
	ctx := context.Background()
	for name, answer := range map[string]string{
		"another order": `{"order":"P20261125-483920-0002","status":"success","method":"wechat","amount_fen":3750}`,
		"no provider":   `{"order":"P20261125-483920-0001","status":"success","amount_fen":3750}`,
		"garbage":       `<html>ok</html>`,
		"extra field":   `{"order":"P20261125-483920-0001","status":"success","method":"wechat","amount_fen":3750,"paid":true}`,
	} {
		body = answer
		if res, err := c.PayQuery(ctx, "P20261125-483920-0001"); err == nil {
			t.Errorf("%s: taken as %+v", name, res)
		}
	}
	body = `{"order":"P20261125-483920-0001","status":"success","method":"wechat","amount_fen":3750}`
	if _, err := c.PayCancel(ctx, "P20261125-483920-0001"); err == nil {
		t.Error("a cancel answering success was taken")
	}
	body = `{"biller":"gas","account":"G-0001","holder":"张*","amount_fen":1,"period":"x","updated":"2026-11-01T00:00:00Z"}`
	if _, err := c.Bill(ctx, "water", "W-0042"); err == nil {
		t.Error("another account's bill was taken")
	}
}
