package syncapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office/officetest"
)

// TestHouseholdLookup: the bills of one biller held in a name read from an
// ID card come back with the holder masked, others' bills never; malformed
// queries are refused; a name shared by too many households is refused
// rather than listing strangers' accounts; the name is never logged.
func TestHouseholdLookup(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.kiosk(t, "household")
	bills := []bianmin.Bill{
		{Biller: "heating", Account: "HR-1001", Holder: "欧阳娜娜", AmountFen: 245000, Period: "2026-2027采暖季"},
		{Biller: "heating", Account: "HR-1002", Holder: "欧阳娜娜", AmountFen: 1000, Period: "2026-2027采暖季"},
		{Biller: "heating", Account: "HR-1003", Holder: "李四", AmountFen: 5000, Period: "2026-2027采暖季"},
	}
	for i := 0; i <= bianmin.MaxHousehold; i++ {
		bills = append(bills, bianmin.Bill{Biller: "heating", Account: fmt.Sprintf("HR-2%03d", i), Holder: "王伟", AmountFen: 100, Period: "2026-2027采暖季"})
	}
	if err := f.store.ReplaceBills(ctx, "heating", bills, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := k.Signed(ctx, http.MethodPost, "/api/v1/bills/household", []byte(`{"biller":"heating","holder":"欧阳娜娜"}`))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("household: %v %d %s", err, resp.Status, resp.Body)
	}
	got, err := bianmin.ParseHousehold(resp.Body)
	if err != nil || len(got) != 2 || got[0].Account != "HR-1001" || got[1].Account != "HR-1002" || got[0].Holder != "欧阳**" {
		t.Fatalf("household answer %s: %+v %v", resp.Body, got, err)
	}
	if strings.Contains(string(resp.Body), "娜娜") || strings.Contains(string(resp.Body), "HR-1003") {
		t.Errorf("the answer leaks a name or another household: %s", resp.Body)
	}
	resp, _ = k.Signed(ctx, http.MethodPost, "/api/v1/bills/household", []byte(`{"biller":"water","holder":"欧阳娜娜"}`))
	if got, err := bianmin.ParseHousehold(resp.Body); resp.Status != http.StatusOK || err != nil || len(got) != 0 {
		t.Errorf("no water bills: %d %s", resp.Status, resp.Body)
	}
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"too many", `{"biller":"heating","holder":"王伟"}`, 422, "too_many"},
		{"unknown biller", `{"biller":"bribes","holder":"李四"}`, 400, "invalid"},
		{"empty name", `{"biller":"heating","holder":" "}`, 400, "invalid"},
		{"extra key", `{"biller":"heating","holder":"李四","all":true}`, 400, "malformed"},
		{"not json", `holder=李四`, 400, "malformed"},
		{"too large", `{"biller":"heating","holder":"` + strings.Repeat("李", 2000) + `"}`, 413, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := k.Signed(ctx, http.MethodPost, "/api/v1/bills/household", []byte(tc.body))
			wantError(t, resp, tc.status, tc.code)
		})
	}
	resp, _ = k.Signed(ctx, http.MethodGet, "/api/v1/bills/household", nil)
	wantError(t, resp, http.StatusMethodNotAllowed, "method_not_allowed")
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/bills/household", strings.NewReader(`{"biller":"heating","holder":"李四"}`))
	resp, _ = officetest.NewKiosk(f.srv.URL).Send(req)
	wantError(t, resp, http.StatusUnauthorized, "no_signature")
	noLeaks(t, f.logs.String(), "欧阳娜娜", "李四")
}
