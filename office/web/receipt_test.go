package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/office/web"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// TestReceiptPage: the QR on a payment receipt opens the receipt with the
// account masked; a wrong or missing secret, an unknown receipt and a
// malformed number all get the same not-found page.
func TestReceiptPage(t *testing.T) {
	r := startResidents(t, web.Config{})
	ctx := context.Background()
	k := enrolled(t, r.store)
	sk := &officetest.Kiosk{}
	p := sk.SampleData(bianmin.KindPayment, 2, 0).(*bianmin.Payment) // cash, with credit
	if _, err := r.store.Ingest(ctx, office.Nonce{KioskID: k.ID, Value: sign.NewNonce(), TS: time.Now()},
		[]wire.Record{sk.Record(bianmin.KindPayment, p)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	page := r.get(t, "/receipts/"+p.Receipt+"?s="+p.Secret, http.StatusOK)
	for _, want := range []string{p.Receipt, bianmin.MaskAccount(p.Account), "42.50 元", "50.00 元", "7.50 元", "现金"} {
		if !strings.Contains(page, want) {
			t.Errorf("receipt page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, ">"+p.Account+"<") {
		t.Errorf("receipt page shows the whole account")
	}
	want := r.get(t, "/receipts/P20261125-000000-9999?s="+p.Secret, http.StatusNotFound)
	if !strings.Contains(want, "联网上传后才能查到") {
		t.Errorf("not-found page:\n%s", want)
	}
	for _, path := range []string{
		"/receipts/" + p.Receipt,
		"/receipts/" + p.Receipt + "?s=",
		"/receipts/" + p.Receipt + "?s=zzzzzzzz",
		"/receipts/" + p.Receipt + "?s=" + p.Secret + "0",
		"/receipts/nonsense?s=" + p.Secret,
	} {
		if got := r.get(t, path, http.StatusNotFound); got != want {
			t.Errorf("GET %s differs from an unknown receipt's page", path)
		}
	}
}
