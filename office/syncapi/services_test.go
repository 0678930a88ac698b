package syncapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/sandbox"
	"bianmin/office/syncapi"
	"bianmin/sync/wire"
)

// withPayments gives the fixture a second server whose handler has mobile
// payment through the sandbox gateway, and returns its URL.
func (f *fixture) withPayments(t *testing.T) (*syncapi.Handler, string) {
	t.Helper()
	pay := office.NewPayments(f.store, sandbox.New(f.store, f.clock.Now), slog.New(slog.NewTextHandler(f.logs, nil)), f.clock.Now)
	h, err := syncapi.New(syncapi.Config{Store: f.store, Now: f.clock.Now, Logger: slog.New(slog.NewTextHandler(f.logs, nil)), Payments: pay})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL
}

// noLeaks fails if the logs carry personal data or payment codes.
func noLeaks(t *testing.T, logs string, more ...string) {
	t.Helper()
	for _, s := range append([]string{officetest.SecretPhone, officetest.SecretIDNumber, officetest.SecretName}, more...) {
		if strings.Contains(logs, s) {
			t.Errorf("%q reached the log:\n%s", s, logs)
		}
	}
}

// TestPushAppliesAndPublishes: records pushed over HTTP are applied, and the
// statuses of tickets and applications come back through the change feed.
func TestPushAppliesAndPublishes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "services")
	recs := k.Records(14, 200)
	if _, resp, _ := k.Push(ctx, recs); resp.Status != http.StatusOK {
		t.Fatalf("push: %d %s", resp.Status, resp.Body)
	}
	c := f.counts(t)
	if c.Tickets != 2 || c.Applications != 2 || c.Payments != 2 || c.IncompletePayments != 2 || c.Ratings != 2 ||
		c.DeviceEvents != 2 || c.CashCollections != 2 {
		t.Errorf("counts after 2 of each kind: %+v", c)
	}
	ch, resp, err := k.Changes(ctx, 0, office.ClassTickets, 0)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("changes: %v %d", err, resp.Status)
	}
	numbers := map[string]bool{}
	for _, r := range recs {
		var d struct{ Number string }
		json.Unmarshal(r.Data, &d)
		if r.Kind == bianmin.KindTicket || r.Kind == bianmin.KindApplication {
			numbers[d.Number] = true
		}
	}
	for _, c := range ch.Changes {
		st, err := bianmin.ParseStatus(c.Data)
		if err != nil || !numbers[st.Number] || st.Number != c.Key || st.State != bianmin.StateSubmitted {
			t.Errorf("status %s: %+v, %v", c.Key, st, err)
		}
		delete(numbers, st.Number)
		noLeaks(t, string(c.Data))
	}
	if len(numbers) != 0 {
		t.Errorf("no status on the feed for %v", numbers)
	}
}

func TestInvalidRecordRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "careless")
	good := k.Records(3, 100)
	for _, tc := range k.BadRecords() {
		t.Run(tc.Name, func(t *testing.T) {
			before := f.counts(t)
			_, resp, err := k.Push(ctx, append(append(good[:2:2], tc.Record), good[2]))
			if err != nil {
				t.Fatal(err)
			}
			wantError(t, resp, http.StatusUnprocessableEntity, "invalid")
			if resp.Err != nil && (resp.Err.Record != tc.Record.ID || !strings.Contains(resp.Err.Message, tc.Mention)) {
				t.Errorf("refusal %+v, want it to name %s and mention %q", resp.Err, tc.Record.ID, tc.Mention)
			}
			noLeaks(t, string(resp.Body))
			if after := f.counts(t); after != before {
				t.Errorf("a refused batch changed counts %+v → %+v", before, after)
			}
		})
	}
	if _, resp, _ := k.Push(ctx, good); resp.Status != http.StatusOK {
		t.Errorf("the good records alone: %d %s", resp.Status, resp.Body)
	}
	// Another record carrying a number already held is a conflict.
	var tk bianmin.Ticket
	for _, r := range good {
		if r.Kind == bianmin.KindTicket {
			json.Unmarshal(r.Data, &tk)
		}
	}
	if tk.Number == "" {
		tk = *k.SampleData(bianmin.KindTicket, 1, 0).(*bianmin.Ticket)
		k.Push(ctx, []wire.Record{k.Record(bianmin.KindTicket, &tk)})
	}
	dup := k.Record(bianmin.KindTicket, &tk)
	_, resp, _ := k.Push(ctx, []wire.Record{dup})
	wantError(t, resp, http.StatusUnprocessableEntity, "conflict")
	if resp.Err == nil || resp.Err.Record != dup.ID {
		t.Errorf("conflict refusal %+v, want it to name %s", resp.Err, dup.ID)
	}
	if m := f.metrics(t); !strings.Contains(m, `officed_rejects_total{code="invalid"} 7`) {
		t.Errorf("metrics do not count the refusals:\n%s", m)
	}
}

func TestBillLookup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "bills")
	if err := f.store.ReplaceBills(ctx, "heating", []bianmin.Bill{
		{Biller: "heating", Account: "HR-1001", Holder: "欧阳娜娜", AmountFen: 245000, Period: "2026-2027采暖季"},
	}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := k.Signed(ctx, http.MethodGet, "/api/v1/bills?biller=heating&account=HR-1001", nil)
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("lookup: %v %d %s", err, resp.Status, resp.Body)
	}
	b, err := bianmin.ParseBill(resp.Body)
	if err != nil || b.Holder != "欧阳**" || b.AmountFen != 245000 || b.Account != "HR-1001" || b.Biller != "heating" ||
		!b.Updated.Equal(f.clock.Now()) || strings.Contains(string(resp.Body), "娜娜") {
		t.Errorf("bill %s: %+v, %v", resp.Body, b, err)
	}
	for _, tc := range []struct {
		name, path string
		status     int
		code       string
	}{
		{"no bill", "/api/v1/bills?biller=heating&account=HR-9999", 404, "no_bill"},
		{"another biller", "/api/v1/bills?biller=water&account=HR-1001", 404, "no_bill"},
		{"unknown biller", "/api/v1/bills?biller=bribes&account=HR-1001", 400, "invalid"},
		{"bad account", "/api/v1/bills?biller=heating&account=%27%20OR%201=1", 400, "invalid"},
		{"account twice", "/api/v1/bills?biller=heating&account=HR-1001&account=HR-1002", 400, "invalid"},
		{"unknown parameter", "/api/v1/bills?biller=heating&account=HR-1001&all=1", 400, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := k.Signed(ctx, http.MethodGet, tc.path, nil)
			wantError(t, resp, tc.status, tc.code)
		})
	}
	// Unsigned, or replayed: refused like every signed endpoint.
	resp, _ = officetest.NewKiosk(f.srv.URL).Send(mustRequest(t, http.MethodGet, f.srv.URL+"/api/v1/bills?biller=heating&account=HR-1001"))
	wantError(t, resp, http.StatusUnauthorized, "no_signature")
	req, _ := k.NewRequest(ctx, http.MethodGet, "/api/v1/bills?biller=heating&account=HR-1001", nil)
	k.Send(req)
	req2, _ := http.NewRequest(http.MethodGet, req.URL.String(), nil)
	req2.Header = req.Header.Clone()
	resp, _ = k.Send(req2)
	wantError(t, resp, http.StatusUnauthorized, "replay")
	if m := f.metrics(t); !strings.Contains(m, `officed_bill_lookups_total{result="found"} 2`) ||
		!strings.Contains(m, `officed_bill_lookups_total{result="not_found"} 2`) {
		t.Errorf("bill lookup metrics:\n%s", m)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pay sends a signed pay request and decodes the answer.
func pay(t *testing.T, k *officetest.Kiosk, method, path string, body any) (bianmin.PayResult, officetest.Response) {
	t.Helper()
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	resp, err := k.Signed(context.Background(), method, path, raw)
	if err != nil {
		t.Fatal(err)
	}
	var res bianmin.PayResult
	if resp.Status == http.StatusOK {
		if err := json.Unmarshal(resp.Body, &res); err != nil {
			t.Fatal(err)
		}
	}
	return res, resp
}

func TestPayOverHTTP(t *testing.T) {
	f := newFixture(t)
	h, url := f.withPayments(t)
	k := f.kiosk(t, "payer")
	k.Base = url
	order := func(n int) string { return k.Number('P', int64(1000+n)) }
	request := func(o, code string) bianmin.PayRequest {
		return bianmin.PayRequest{Order: o, Biller: "water", Account: "W-1001", AmountFen: 4250, Code: code}
	}
	const later, forever = "134567890123456786", "28765432109876548"

	// 6: paying, then paid on the 2nd query.
	res, resp := pay(t, k, http.MethodPost, "/api/v1/pay", request(order(1), later))
	if resp.Status != 200 || res.Status != bianmin.PayPaying || res.Order != order(1) || res.Method != bianmin.MethodWeChat || res.AmountFen != 4250 {
		t.Fatalf("pay: %d %s", resp.Status, resp.Body)
	}
	var got []string
	for range 3 {
		res, _ = pay(t, k, http.MethodGet, "/api/v1/pay/"+order(1), nil)
		got = append(got, res.Status)
	}
	if fmt.Sprint(got) != "[paying success success]" || res.GatewayRef == "" {
		t.Errorf("queries: %v, last %+v", got, res)
	}
	// The same order again is the same answer; with another amount, 409.
	if again, _ := pay(t, k, http.MethodPost, "/api/v1/pay", request(order(1), later)); again != res {
		t.Errorf("pay again: %+v, want %+v", again, res)
	}
	changed := request(order(1), later)
	changed.AmountFen = 1
	_, resp = pay(t, k, http.MethodPost, "/api/v1/pay", changed)
	wantError(t, resp, http.StatusConflict, "conflict")

	// 8: paying forever; the kiosk times out and cancels.
	pay(t, k, http.MethodPost, "/api/v1/pay", request(order(2), forever))
	pay(t, k, http.MethodGet, "/api/v1/pay/"+order(2), nil)
	res, resp = pay(t, k, http.MethodPost, "/api/v1/pay/"+order(2)+"/cancel", nil)
	if resp.Status != 200 || res.Status != bianmin.PayCancelled {
		t.Errorf("cancel: %d %s", resp.Status, resp.Body)
	}
	// A used code, another kiosk's order, an unknown one, bad requests.
	res, _ = pay(t, k, http.MethodPost, "/api/v1/pay", request(order(3), later))
	if res.Status != bianmin.PayDeclined || !strings.Contains(res.Message, "已使用") {
		t.Errorf("a used code: %+v", res)
	}
	other := f.kiosk(t, "other")
	other.Base = url
	_, resp = pay(t, other, http.MethodGet, "/api/v1/pay/"+order(1), nil)
	wantError(t, resp, http.StatusNotFound, "no_order")
	_, resp = pay(t, other, http.MethodPost, "/api/v1/pay/"+order(1)+"/cancel", nil)
	wantError(t, resp, http.StatusNotFound, "no_order")
	_, resp = pay(t, k, http.MethodGet, "/api/v1/pay/"+order(9), nil)
	wantError(t, resp, http.StatusNotFound, "no_order")
	_, resp = pay(t, k, http.MethodGet, "/api/v1/pay/nonsense", nil)
	wantError(t, resp, http.StatusNotFound, "no_order")
	_, resp = pay(t, k, http.MethodPost, "/api/v1/pay", map[string]any{"order": order(4), "code": later, "tip": 1})
	wantError(t, resp, http.StatusBadRequest, "malformed")
	bad := request(order(4), later)
	bad.Biller = "bribes"
	_, resp = pay(t, k, http.MethodPost, "/api/v1/pay", bad)
	wantError(t, resp, http.StatusBadRequest, "invalid")
	_, resp = pay(t, k, http.MethodGet, "/api/v1/pay", nil)
	wantError(t, resp, http.StatusMethodNotAllowed, "method_not_allowed")
	_, resp = pay(t, k, http.MethodPost, "/api/v1/pay/"+order(1), nil)
	wantError(t, resp, http.StatusMethodNotAllowed, "method_not_allowed")
	_, resp = pay(t, k, http.MethodPost, "/api/v1/pay/"+order(1)+"/refund", nil)
	wantError(t, resp, http.StatusNotFound, "not_found")

	// Unsigned requests never reach the gateway.
	resp, _ = officetest.NewKiosk(url).Send(mustRequest(t, http.MethodGet, url+"/api/v1/pay/"+order(1)))
	wantError(t, resp, http.StatusUnauthorized, "no_signature")

	var m strings.Builder
	h.Metrics().WriteTo(context.Background(), &m)
	for _, want := range []string{
		`officed_pay_results_total{status="success"} 3`, `officed_pay_results_total{status="cancelled"} 1`,
		`officed_pay_results_total{status="declined"} 1`, `officed_request_duration_seconds_count{endpoint="pay_query"} `,
	} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
	if strings.Contains(m.String(), order(1)) {
		t.Error("an order id became a metric label")
	}
	noLeaks(t, f.logs.String(), later, forever)
	if !strings.Contains(f.logs.String(), "6786") {
		t.Errorf("the log does not show the codes' last digits:\n%s", f.logs)
	}
}

func TestPaymentsDisabled(t *testing.T) {
	f := newFixture(t)
	k := f.kiosk(t, "no payments")
	_, resp := pay(t, k, http.MethodPost, "/api/v1/pay", bianmin.PayRequest{})
	wantError(t, resp, http.StatusNotFound, "payments_disabled")
	_, resp = pay(t, k, http.MethodGet, "/api/v1/pay/P20261125-483920-0001", nil)
	wantError(t, resp, http.StatusNotFound, "payments_disabled")
}
