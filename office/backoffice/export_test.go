package backoffice_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

// download fetches path with b's session and returns the answer whole.
func (b *browser) download(path string) (*http.Response, []byte) {
	b.t.Helper()
	resp, err := b.http.Get(b.e.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("reading %s: %v", path, err)
	}
	return resp, body
}

// parseCSV checks the byte-order mark and returns the header and rows.
func parseCSV(t *testing.T, body []byte) ([]string, [][]string) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("no UTF-8 byte-order mark: % x", body[:min(8, len(body))])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("CSV does not parse: %v\n%s", err, body)
	}
	return recs[0], recs[1:]
}

func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

func TestExportTickets(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	numbers := e.tickets(t, 2)
	e.bring(t, numbers[0], bianmin.StateResolved, "")
	mobile := &bianmin.Ticket{Category: "排水", Community: "huayuan", Building: "3", Unit: "2单元", Room: "501",
		Text: `=HYPERLINK("http://evil","点我")`, Phone: officetest.SecretPhone}
	if err := e.store.CreateMobileTicket(ctx, mobile, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	b := e.login(t, "clerk")
	if status, _, body := b.get("/staff/export"); status != http.StatusOK || !strings.Contains(body, "/staff/export/tickets.csv") {
		t.Fatalf("export page: %d", status)
	}
	resp, body := b.download("/staff/export/tickets.csv?from=2026-11-25&to=2026-11-25")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="tickets_2026-11-25_2026-11-25.csv"` {
		t.Fatalf("export: %d %v", resp.StatusCode, resp.Header)
	}
	header, rows := parseCSV(t, body)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3:\n%s", len(rows), body)
	}
	num, phone, state, unit, result, desc := column(t, header, "工单编号"), column(t, header, "联系电话（已遮蔽）"),
		column(t, header, "状态"), column(t, header, "承办单位"), column(t, header, "办理结果"), column(t, header, "问题描述")
	byNumber := map[string][]string{}
	for _, r := range rows {
		byNumber[r[num]] = r
	}
	r := byNumber[numbers[0]]
	if r == nil || r[state] != "已办结" || r[unit] != "哈尔滨供水集团南岗分公司" || r[result] != "已修复" ||
		r[column(t, header, "楼栋")] != "3号楼" || r[column(t, header, "社区")] != "花园社区" || r[column(t, header, "渠道")] != "自助机" ||
		r[column(t, header, "自助机")] != "花园街道服务大厅 1号机" || r[column(t, header, "派单时间")] == "" {
		t.Errorf("resolved ticket row: %v", r)
	}
	if r[phone] != bianmin.MaskPhone(officetest.SecretPhone) || bytes.Contains(body, []byte(officetest.SecretPhone)) {
		t.Errorf("the phone is not masked: %q", r[phone])
	}
	// A formula typed into the mobile form stays text in a spreadsheet.
	if m := byNumber[mobile.Number]; m == nil || m[desc] != `'=HYPERLINK("http://evil","点我")` || m[column(t, header, "渠道")] != "手机" {
		t.Errorf("mobile ticket row: %v", m)
	}
	if bytes.Contains(body, []byte(mobile.Secret)) {
		t.Error("the export carries a status page secret")
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "export.tickets"})
	if len(log) != 1 || log[0].Actor != "clerk" || log[0].Subject != "2026-11-25~2026-11-25" {
		t.Errorf("audit = %+v", log)
	}
	// Another range has only the header.
	_, body = b.download("/staff/export/tickets.csv?from=2026-10-01&to=2026-10-31")
	if header, rows := parseCSV(t, body); len(rows) != 0 || header[0] != "工单编号" {
		t.Errorf("empty export: %v %v", header, rows)
	}
	// Too long a range is refused with the form, not a file.
	resp, body = b.download("/staff/export/tickets.csv?from=2025-01-01&to=2026-11-25")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "366 天") ||
		resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("a long range: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestExportPayments(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	e.payments(t)
	b := e.login(t, "admin")
	resp, body := b.download("/staff/export/payments.csv?from=2026-11-25&to=2026-11-25")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export: %d\n%s", resp.StatusCode, body)
	}
	header, rows := parseCSV(t, body)
	if len(rows) != 3 {
		t.Fatalf("%d rows", len(rows))
	}
	due, dueY, paid, paidY, credit, creditY := column(t, header, "应缴（分）"), column(t, header, "应缴（元）"),
		column(t, header, "实收（分）"), column(t, header, "实收（元）"), column(t, header, "溢缴余额（分）"), column(t, header, "溢缴余额（元）")
	cash := rows[0]
	if cash[due] != "4250" || cash[dueY] != "42.50" || cash[paid] != "5000" || cash[paidY] != "50.00" || cash[credit] != "750" ||
		cash[creditY] != "7.50" || cash[column(t, header, "支付方式")] != "现金" || cash[column(t, header, "缴费项目")] != "供热费" ||
		cash[column(t, header, "现金明细（分）")] != "5000" || cash[column(t, header, "户号")] != "12345678" ||
		cash[column(t, header, "缴费时间")] != "2026-11-25 17:00:00" {
		t.Errorf("cash row: %v", cash)
	}
	// Filters as the ledger's.
	_, body = b.download("/staff/export/payments.csv?from=2026-11-25&to=2026-11-25&method=alipay")
	if _, rows := parseCSV(t, body); len(rows) != 1 || rows[0][paidY] != "9.99" {
		t.Errorf("alipay only: %v", rows)
	}
}

// A large export streams: the rows go out as they are read (no
// Content-Length, chunked), and all of them arrive.
func TestExportStreams(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	const n = 1500
	var recs []wire.Record
	for range n {
		recs = append(recs, e.record(bianmin.KindPayment, e.mobilePayment("water", bianmin.MethodWeChat, 100)))
		if len(recs) == 500 {
			e.push(t, recs...)
			recs = nil
		}
	}
	b := e.login(t, "clerk")
	resp, body := b.download("/staff/export/payments.csv?from=2026-11-25&to=2026-11-25")
	if resp.ContentLength != -1 || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
		t.Errorf("not streamed: length %d, transfer encoding %v", resp.ContentLength, resp.TransferEncoding)
	}
	if _, rows := parseCSV(t, body); len(rows) != n {
		t.Errorf("%d rows, want %d", len(rows), n)
	}
}

// failingStore breaks off the payment walk after some rows, as a database
// that fails mid-export would.
type failingStore struct {
	office.Store
	after int
}

func (s failingStore) EachPayment(ctx context.Context, q office.LedgerQuery, fn func(office.PaymentInfo) error) error {
	n := 0
	err := s.Store.EachPayment(ctx, q, func(p office.PaymentInfo) error {
		if n == s.after {
			return errors.New("disk I/O error")
		}
		n++
		return fn(p)
	})
	return err
}

// An export that breaks off after rows went out aborts the download, so
// nobody takes a short file for a whole one; one that fails before any
// row is an ordinary error page.
func TestExportBreaksOff(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after int
	}{{"before any row", 0}, {"mid-file", 600}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newOffice(t, backoffice.Config{})
			var recs []wire.Record
			for range 1000 {
				recs = append(recs, e.record(bianmin.KindPayment, e.mobilePayment("water", bianmin.MethodWeChat, 100)))
			}
			e.push(t, recs[:500]...)
			e.push(t, recs[500:]...)
			h, err := backoffice.New(backoffice.Config{Store: failingStore{Store: e.store, after: tc.after}, Now: e.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			// The same store behind a handler that reads it through the failing wrapper.
			f := *e
			f.srv = httptest.NewServer(h)
			t.Cleanup(f.srv.Close)
			b := f.login(t, "clerk")
			resp, err := b.http.Get(f.srv.URL + "/staff/export/payments.csv?" + url.Values{"from": {"2026-11-25"}, "to": {"2026-11-25"}}.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			_, err = io.ReadAll(resp.Body)
			if tc.after == 0 {
				if resp.StatusCode != http.StatusInternalServerError || err != nil {
					t.Errorf("failure before any row: %d, %v", resp.StatusCode, err)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || err == nil {
				t.Errorf("failure mid-file: %d, read error %v; want the download to fail", resp.StatusCode, err)
			}
		})
	}
}
