package officetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// The contract of the back office's ledger (office.LedgerService) and of
// loading published member units.

var ledgerContract = []struct {
	name string
	run  func(t *testing.T, s office.Store)
}{
	{"ledger per kiosk and day", testLedgerDays},
	{"ledger refusals", testLedgerRefusals},
	{"cash checks follow the kiosk's order", testCashChecks},
	{"open cash since the last collection", testOpenCash},
	{"incomplete payments settle once", testSettle},
	{"settle refusals store nothing", testSettleRefusals},
	{"ticket export", testEachTicket},
	{"enrollment codes", testEnrollCodes},
	{"units load as published", testLoadUnits},
}

// clockKiosk is a simulated kiosk whose clock the test sets.
func clockKiosk(at *time.Time) *Kiosk { return &Kiosk{Now: func() time.Time { return *at }} }

func cashPayment(sk *Kiosk, seq int64, biller string, due int64, notes ...int64) *bianmin.Payment {
	var paid int64
	for _, n := range notes {
		paid += n
	}
	return &bianmin.Payment{Receipt: sk.Number('P', seq), Biller: biller, Account: "12345678", DueFen: due,
		PaidFen: paid, Credit: paid - due, Method: bianmin.MethodCash, Notes: notes}
}

func mobilePayment(sk *Kiosk, seq int64, biller, method string, due int64) *bianmin.Payment {
	return &bianmin.Payment{Receipt: sk.Number('P', seq), Biller: biller, Account: "87654321", DueFen: due,
		PaidFen: due, Method: method, Gateway: "sandbox"}
}

func ledgerQuery(from, to time.Time) office.LedgerQuery {
	return office.LedgerQuery{ExportRange: office.ExportRange{From: from, To: to}, UTCOffset: 8 * 3600}
}

func testLedgerDays(t *testing.T, s office.Store) {
	ctx := context.Background()
	a, b := enroll(t, s, "甲"), enroll(t, s, "乙")
	clock := T0 // 17:00 in Harbin
	ska, skb := clockKiosk(&clock), clockKiosk(&clock)
	ingest(t, s, a,
		ska.Record(bianmin.KindPayment, cashPayment(ska, 1, "heating", 4250, 5000)),
		ska.Record(bianmin.KindPayment, mobilePayment(ska, 2, "water", bianmin.MethodWeChat, 1234)))
	ingest(t, s, b, skb.Record(bianmin.KindPayment, cashPayment(skb, 1, "tempid", 1000, 1000)))
	clock = T0.Add(8 * time.Hour) // 01:00 the next day in Harbin, still the 25th in UTC
	ingest(t, s, a, ska.Record(bianmin.KindPayment, mobilePayment(ska, 3, "water", bianmin.MethodAlipay, 999)))
	clock = T0.Add(-48 * time.Hour) // outside the range below
	ingest(t, s, b, skb.Record(bianmin.KindPayment, cashPayment(skb, 2, "gas", 100, 100)))

	q := ledgerQuery(T0.Add(-16*time.Hour), T0.Add(32*time.Hour)) // the 25th and 26th in Harbin
	days, err := s.LedgerDays(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	want := []office.LedgerDay{
		{KioskID: a.ID, KioskName: "甲", Day: "2026-11-25", Count: 2, DueFen: 5484, PaidFen: 6234, CreditFen: 750, CashFen: 5000, WeChatFen: 1234},
		{KioskID: b.ID, KioskName: "乙", Day: "2026-11-25", Count: 1, DueFen: 1000, PaidFen: 1000, CashFen: 1000},
		{KioskID: a.ID, KioskName: "甲", Day: "2026-11-26", Count: 1, DueFen: 999, PaidFen: 999, AlipayFen: 999},
	}
	if a.ID > b.ID {
		want[0], want[1] = want[1], want[0]
	}
	if !slices.Equal(days, want) {
		t.Errorf("LedgerDays =\n%+v\nwant\n%+v", days, want)
	}
	tot, err := s.LedgerTotals(ctx, q)
	if err != nil || tot != (office.LedgerTotals{Days: 3, Count: 4, DueFen: 7483, PaidFen: 8233, CreditFen: 750,
		CashFen: 6000, WeChatFen: 1234, AlipayFen: 999}) {
		t.Errorf("LedgerTotals = %+v, %v", tot, err)
	}
	// In UTC the three payments of kiosk a fall on one day.
	utc := q
	utc.UTCOffset, utc.KioskID = 0, a.ID
	if days, err := s.LedgerDays(ctx, utc); err != nil || len(days) != 1 || days[0].Count != 3 || days[0].Day != "2026-11-25" {
		t.Errorf("LedgerDays in UTC for kiosk a = %+v, %v", days, err)
	}
	// Filters by biller and method.
	for _, tc := range []struct {
		name           string
		biller, method string
		count          int
		paid           int64
	}{
		{"water", "water", "", 2, 2233},
		{"cash", "", bianmin.MethodCash, 2, 6000},
		{"water by alipay", "water", bianmin.MethodAlipay, 1, 999},
		{"tempid", "tempid", "", 1, 1000},
		{"gas (outside the range)", "gas", "", 0, 0},
	} {
		f := q
		f.Biller, f.Method = tc.biller, tc.method
		tot, err := s.LedgerTotals(ctx, f)
		if err != nil || tot.Count != tc.count || tot.PaidFen != tc.paid {
			t.Errorf("%s: totals %+v, %v; want %d payments, %d fen", tc.name, tot, err, tc.count, tc.paid)
		}
		var walked int64
		if err := s.EachPayment(ctx, f, func(p office.PaymentInfo) error {
			walked += p.PaidFen
			if tc.biller != "" && p.Biller != tc.biller || tc.method != "" && p.Method != tc.method {
				t.Errorf("%s: EachPayment gave %+v", tc.name, p)
			}
			return nil
		}); err != nil || walked != tc.paid {
			t.Errorf("%s: EachPayment walked %d fen, %v", tc.name, walked, err)
		}
	}
	// Paging: the payments oldest first, and pages that add up.
	all, err := s.LedgerPayments(ctx, q)
	if err != nil || len(all) != 4 {
		t.Fatalf("LedgerPayments = %d, %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Created.Before(all[i-1].Created) {
			t.Errorf("payments out of order: %v after %v", all[i].Created, all[i-1].Created)
		}
	}
	if all[0].Notes == nil && all[0].Method == bianmin.MethodCash {
		t.Errorf("cash payment lost its notes: %+v", all[0])
	}
	paged := q
	paged.Limit = 3
	p1, _ := s.LedgerPayments(ctx, paged)
	paged.Offset = 3
	p2, _ := s.LedgerPayments(ctx, paged)
	if len(p1) != 3 || len(p2) != 1 || p2[0].Receipt != all[3].Receipt {
		t.Errorf("pages of 3: %d and %d", len(p1), len(p2))
	}
	dpage := q
	dpage.Limit, dpage.Offset = 2, 2
	if d, _ := s.LedgerDays(ctx, dpage); len(d) != 1 || d[0].Day != "2026-11-26" {
		t.Errorf("second page of days = %+v", d)
	}
	// An error from fn stops the walk.
	stop := errors.New("client went away")
	n := 0
	if err := s.EachPayment(ctx, q, func(office.PaymentInfo) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("EachPayment after an error: %v after %d", err, n)
	}
}

func testLedgerRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	ok := ledgerQuery(T0, T0.Add(24*time.Hour))
	for _, tc := range []struct {
		name string
		edit func(q *office.LedgerQuery)
		want string
	}{
		{"no start", func(q *office.LedgerQuery) { q.From = time.Time{} }, "起止日期"},
		{"reversed", func(q *office.LedgerQuery) { q.From, q.To = q.To, q.From }, "早于"},
		{"too long", func(q *office.LedgerQuery) { q.To = q.From.Add(office.MaxLedgerRange + time.Hour) }, "366 天"},
		{"unknown biller", func(q *office.LedgerQuery) { q.Biller = "beer" }, "缴费项目"},
		{"unknown method", func(q *office.LedgerQuery) { q.Method = "card" }, "支付方式"},
		{"negative page", func(q *office.LedgerQuery) { q.Offset = -1 }, "分页"},
		{"offset beyond a day", func(q *office.LedgerQuery) { q.UTCOffset = 15 * 3600 }, "时区"},
	} {
		q := ok
		tc.edit(&q)
		_, err1 := s.LedgerDays(ctx, q)
		_, err2 := s.LedgerTotals(ctx, q)
		_, err3 := s.LedgerPayments(ctx, q)
		err4 := s.EachPayment(ctx, q, func(office.PaymentInfo) error { return nil })
		for _, err := range []error{err1, err2, err3, err4} {
			if bianmin.ErrorCode(err) != bianmin.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: %v, want %s mentioning %q", tc.name, err, bianmin.EINVALID, tc.want)
			}
		}
	}
	// A year and a day is allowed (a leap year in a zone).
	q := ok
	q.To = q.From.Add(366 * 24 * time.Hour)
	if _, err := s.LedgerDays(ctx, q); err != nil {
		t.Errorf("366 days: %v", err)
	}
	if err := s.EachTicket(ctx, office.ExportRange{From: T0, To: T0.Add(400 * 24 * time.Hour)}, func(office.TicketExport) error { return nil }); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("EachTicket over 400 days: %v", err)
	}
}

func testCashChecks(t *testing.T, s office.Store) {
	ctx := context.Background()
	k, other := enroll(t, s, "cash"), enroll(t, s, "other")
	clock := T0
	sk, so := clockKiosk(&clock), clockKiosk(&clock)
	collect := func(total int64) wire.Record {
		return sk.Record(bianmin.KindCashCollected, &bianmin.CashCollected{Notes: 1, TotalFen: total, Staff: "张收款"})
	}
	inc := &bianmin.PaymentIncomplete{Receipt: sk.Number('P', 3), Biller: "heating", Account: "12345678",
		PaidFen: 2000, Method: bianmin.MethodCash, Reason: "断电，业务未完成"}
	incMobile := &bianmin.PaymentIncomplete{Receipt: sk.Number('P', 4), Biller: "heating", Account: "12345678",
		PaidFen: 3000, Method: bianmin.MethodWeChat, Reason: "打印机故障"}
	ingest(t, s, k,
		sk.Record(bianmin.KindPayment, cashPayment(sk, 1, "heating", 4250, 5000)),     // seq 1
		sk.Record(bianmin.KindPayment, mobilePayment(sk, 2, "water", "wechat", 4250)), // 2: not cash
		sk.Record(bianmin.KindPaymentIncomplete, inc),                                 // 3: cash in the box
		sk.Record(bianmin.KindPaymentIncomplete, incMobile),                           // 4: not cash
		collect(7000)) // 5: 5000 + 2000 recorded
	first := clock
	// The kiosk's clock goes back (NTP fixed it): the next payment looks
	// older than the collection, but it came after it.
	clock = T0.Add(-time.Hour)
	ingest(t, s, k, sk.Record(bianmin.KindPayment, cashPayment(sk, 6, "gas", 1000, 1000)))
	clock = T0.Add(2 * time.Hour)
	ingest(t, s, k, collect(500)) // seq 7: 1000 recorded, 500 counted
	// Another kiosk's cash is its own.
	ingest(t, s, other, so.Record(bianmin.KindPayment, cashPayment(so, 1, "gas", 10000, 10000)))

	checks, err := s.CashChecks(ctx, office.CashQuery{KioskID: k.ID})
	if err != nil || len(checks) != 2 {
		t.Fatalf("CashChecks = %+v, %v", checks, err)
	}
	second, firstC := checks[0], checks[1] // newest first
	if firstC.Seq != 5 || !firstC.Previous.IsZero() || firstC.Payments != 1 || firstC.PaymentsFen != 5000 ||
		firstC.Incomplete != 1 || firstC.IncompleteFen != 2000 || firstC.ExpectedFen() != 7000 || firstC.DifferenceFen() != 0 ||
		firstC.KioskName != "cash" || firstC.Staff != "张收款" || firstC.TotalFen != 7000 {
		t.Errorf("first collection: %+v", firstC)
	}
	if second.Seq != 7 || !second.Previous.Equal(first) || second.Payments != 1 || second.PaymentsFen != 1000 ||
		second.Incomplete != 0 || second.DifferenceFen() != -500 {
		t.Errorf("second collection: %+v (previous %v, want %v)", second, second.Previous, first)
	}
	// Filters: by time of the collection, paging.
	if c, _ := s.CashChecks(ctx, office.CashQuery{From: T0.Add(time.Hour)}); len(c) != 1 || c[0].Seq != 7 {
		t.Errorf("collections from T0+1h: %+v", c)
	}
	if c, _ := s.CashChecks(ctx, office.CashQuery{To: T0.Add(time.Hour)}); len(c) != 1 || c[0].Seq != 5 {
		t.Errorf("collections before T0+1h: %+v", c)
	}
	if c, _ := s.CashChecks(ctx, office.CashQuery{Limit: 1, Offset: 1}); len(c) != 1 || c[0].Seq != 5 {
		t.Errorf("second page of one: %+v", c)
	}
	if c, _ := s.CashChecks(ctx, office.CashQuery{KioskID: other.ID}); len(c) != 0 {
		t.Errorf("collections of a kiosk that never collected: %+v", c)
	}
	if _, err := s.CashChecks(ctx, office.CashQuery{Limit: -1}); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("negative limit: %v", err)
	}
}

func testOpenCash(t *testing.T, s office.Store) {
	ctx := context.Background()
	k, quiet, gone := enroll(t, s, "box"), enroll(t, s, "quiet"), enroll(t, s, "gone")
	clock := T0
	sk := clockKiosk(&clock)
	ingest(t, s, k,
		sk.Record(bianmin.KindPayment, cashPayment(sk, 1, "heating", 4250, 5000)),
		sk.Record(bianmin.KindCashCollected, &bianmin.CashCollected{Notes: 1, TotalFen: 5000}),
		sk.Record(bianmin.KindPayment, cashPayment(sk, 3, "water", 2000, 2000)),
		sk.Record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: sk.Number('P', 4), Biller: "water",
			Account: "12345678", PaidFen: 1000, Method: bianmin.MethodCash, Reason: "断电"}))
	hb := wire.Heartbeat{AppVersion: "1.0", Devices: map[string]string{}, Cash: wire.CashBox{Notes: 2, TotalFen: 3000}}
	if err := s.Heartbeat(ctx, nonce(k, T0), hb, T0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, gone.ID, T0); err != nil {
		t.Fatal(err)
	}
	open, err := s.OpenCash(ctx)
	if err != nil || len(open) != 2 {
		t.Fatalf("OpenCash = %+v, %v (revoked kiosks left out)", open, err)
	}
	byID := map[string]office.OpenCash{}
	for _, o := range open {
		byID[o.KioskID] = o
	}
	if o := byID[k.ID]; !o.Since.Equal(T0) || o.Payments != 1 || o.PaymentsFen != 2000 || o.Incomplete != 1 ||
		o.IncompleteFen != 1000 || !o.Reported || o.Box.TotalFen != 3000 || !o.LastSeen.Equal(T0.Add(2*time.Minute)) || o.KioskName != "box" {
		t.Errorf("open cash of the kiosk: %+v", o)
	}
	if o := byID[quiet.ID]; !o.Since.IsZero() || o.Payments != 0 || o.Reported || o.KioskName != "quiet" {
		t.Errorf("open cash of a kiosk without records: %+v", o)
	}
}

// settleAudit is the audit entry of settling st.
func settleAudit(st office.Settlement) office.AuditEntry {
	return office.AuditEntry{At: st.At, Actor: st.Staff, Role: office.RoleClerk, Action: "payment.settle",
		Before: "open", After: st.Action + "：" + st.Reason, IP: "127.0.0.1"}
}

// settleAudits returns the audit log's settlement entries, newest first.
func settleAudits(t *testing.T, s office.Store) []office.AuditEntry {
	t.Helper()
	log, err := s.AuditLog(context.Background(), office.AuditFilter{Action: "payment.settle"})
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// incompletes ingests two incomplete payments and returns their records.
func incompletes(t *testing.T, s office.Store, k office.Kiosk) (wire.Record, wire.Record) {
	t.Helper()
	sk := sim()
	r1 := sk.Record(bianmin.KindPaymentIncomplete, sk.SampleData(bianmin.KindPaymentIncomplete, 1, 0))
	r2 := sk.Record(bianmin.KindPaymentIncomplete, &bianmin.PaymentIncomplete{Receipt: sk.Number('P', 2), Biller: "tempid",
		Account: "12345678", PaidFen: 1000, Method: bianmin.MethodWeChat, Reason: "打印机缺纸，未出凭条"})
	ingest(t, s, k, r1, r2)
	return r1, r2
}

func testSettle(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	r1, r2 := incompletes(t, s, k)
	open, err := s.IncompleteEntries(ctx, office.IncompleteQuery{State: office.IncompleteOpen})
	if err != nil || len(open) != 2 || open[0].Settlement != nil || open[0].KioskName != "k" {
		t.Fatalf("open incomplete payments: %+v, %v", open, err)
	}
	st := office.Settlement{KioskID: k.ID, RecordID: r1.ID, Action: office.SettleRefund, Reason: "已当面退还现金 20 元",
		Staff: "clerk1", At: T0.Add(time.Hour)}
	e, err := s.Settle(ctx, st, settleAudit(st))
	if err != nil {
		t.Fatal(err)
	}
	// Audited in the same transaction, under the receipt number.
	if log := settleAudits(t, s); len(log) != 1 || log[0].Subject != e.Receipt || log[0].Actor != "clerk1" ||
		log[0].After != "refund：已当面退还现金 20 元" || !log[0].At.Equal(st.At) {
		t.Errorf("audit log after settling: %+v", log)
	}
	if e.Settlement == nil || *e.Settlement != st || e.RecordID != r1.ID || e.PaidFen != 2000 || e.Method != "cash" {
		t.Errorf("Settle = %+v (settlement %+v)", e, e.Settlement)
	}
	got, err := s.IncompleteEntry(ctx, k.ID, r1.ID)
	if err != nil || got.Settlement == nil || *got.Settlement != st {
		t.Errorf("IncompleteEntry after settling = %+v, %v", got, err)
	}
	// Settled once: a second settlement, even another action, is refused.
	again := st
	again.Action, again.Staff = office.SettleComplete, "admin"
	if _, err := s.Settle(ctx, again, settleAudit(again)); bianmin.ErrorCode(err) != bianmin.ECONFLICT || !strings.Contains(err.Error(), "clerk1") {
		t.Errorf("second settlement: %v", err)
	}
	if log := settleAudits(t, s); len(log) != 1 {
		t.Errorf("a refused settlement was audited: %+v", log)
	}
	if got, _ := s.IncompleteEntry(ctx, k.ID, r1.ID); *got.Settlement != st {
		t.Errorf("a refused settlement changed the first: %+v", got.Settlement)
	}
	mobile := office.Settlement{KioskID: k.ID, RecordID: r2.ID, Action: office.SettleComplete, Reason: "窗口补办临时身份证受理",
		Staff: "clerk2", At: T0.Add(2 * time.Hour), Ref: "SBX-1"}
	if _, err := s.Settle(ctx, mobile, settleAudit(mobile)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		state string
		want  []string
	}{
		{office.IncompleteOpen, nil},
		{office.IncompleteSettled, []string{r2.ID, r1.ID}}, // newest first
		{"", []string{r2.ID, r1.ID}},
	} {
		list, err := s.IncompleteEntries(ctx, office.IncompleteQuery{State: tc.state, KioskID: k.ID})
		var ids []string
		for _, e := range list {
			ids = append(ids, e.RecordID)
		}
		if err != nil || !slices.Equal(ids, tc.want) {
			t.Errorf("IncompleteEntries(%q) = %v, %v; want %v", tc.state, ids, err, tc.want)
		}
	}
	// Open ones come first in the full list.
	k2 := enroll(t, s, "k2")
	r3, _ := incompletes(t, s, k2)
	if list, _ := s.IncompleteEntries(ctx, office.IncompleteQuery{}); len(list) != 4 || list[0].Settlement != nil || list[0].KioskID != k2.ID {
		t.Errorf("full list does not start with an open one: %+v", list)
	}
	if list, _ := s.IncompleteEntries(ctx, office.IncompleteQuery{Limit: 1, Offset: 3}); len(list) != 1 || list[0].Settlement == nil {
		t.Errorf("last page: %+v", list)
	}
	_ = r3
}

func testSettleRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	r1, _ := incompletes(t, s, k)
	good := office.Settlement{KioskID: k.ID, RecordID: r1.ID, Action: office.SettleRefund, Reason: "退款",
		Staff: "clerk", At: T0}
	for _, tc := range []struct {
		name string
		edit func(s *office.Settlement)
		code string
	}{
		{"unknown record", func(s *office.Settlement) { s.RecordID = "0190a1b2-0000-7000-8000-000000000000" }, bianmin.ENOTFOUND},
		{"another kiosk's id", func(s *office.Settlement) { s.KioskID = "Kother" }, bianmin.ENOTFOUND},
		{"unknown action", func(s *office.Settlement) { s.Action = "forget" }, bianmin.EINVALID},
		{"no reason", func(s *office.Settlement) { s.Reason = "" }, bianmin.EINVALID},
		{"blank reason", func(s *office.Settlement) { s.Reason = " \n　" }, bianmin.EINVALID},
		{"reason too long", func(s *office.Settlement) { s.Reason = strings.Repeat("退", 201) }, bianmin.EINVALID},
		{"control character", func(s *office.Settlement) { s.Reason = "退\x1b款" }, bianmin.EINVALID},
		{"no staff", func(s *office.Settlement) { s.Staff = "" }, bianmin.EINVALID},
		{"no time", func(s *office.Settlement) { s.At = time.Time{} }, bianmin.EINVALID},
	} {
		st := good
		tc.edit(&st)
		if _, err := s.Settle(ctx, st, settleAudit(st)); bianmin.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	bad := settleAudit(good)
	bad.Action = ""
	if _, err := s.Settle(ctx, good, bad); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("settlement with an audit entry without action: %v", err)
	}
	if log := settleAudits(t, s); len(log) != 0 {
		t.Errorf("refusals were audited: %+v", log)
	}
	if open, _ := s.IncompleteEntries(ctx, office.IncompleteQuery{State: office.IncompleteSettled}); len(open) != 0 {
		t.Errorf("refusals settled %+v", open)
	}
	if _, err := s.IncompleteEntries(ctx, office.IncompleteQuery{State: "lost"}); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("unknown state: %v", err)
	}
	if _, err := s.IncompleteEntry(ctx, k.ID, "nope"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("IncompleteEntry(unknown): %v", err)
	}
	if _, err := s.Settle(ctx, good, settleAudit(good)); err != nil {
		t.Errorf("the good settlement after the refusals: %v", err)
	}
}

func testEachTicket(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	clock := T0
	sk := clockKiosk(&clock)
	var numbers []string
	for i := range 3 {
		clock = T0.Add(time.Duration(i) * time.Hour)
		tk := sk.SampleData(bianmin.KindTicket, int64(i+1), 0).(*bianmin.Ticket)
		numbers = append(numbers, tk.Number)
		ingest(t, s, k, sk.Record(bianmin.KindTicket, tk))
	}
	// Free text comes from the mobile form; the export must carry it as it is.
	mobile := &bianmin.Ticket{Category: "供水", Community: "huayuan", Building: "3", Unit: "2单元", Room: "501",
		Text: `=HYPERLINK("x")`, Phone: SecretPhone}
	if err := s.CreateMobileTicket(ctx, mobile, T0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	units, _ := mustItems(t)
	if _, err := s.SeedContent(ctx, office.ClassUnits, units, T0); err != nil {
		t.Fatal(err)
	}
	at := T0.Add(3 * time.Hour)
	for _, tr := range []office.Transition{
		{State: bianmin.StateAccepted},
		{State: bianmin.StateDispatched, Unit: "water", Deadline: T0.Add(72 * time.Hour)},
		{State: bianmin.StateResolved, Result: "已更换水表阀门"},
	} {
		tr.Number, tr.At = numbers[1], at
		if _, err := s.Advance(ctx, tr); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Hour)
	}
	var got []office.TicketExport
	err := s.EachTicket(ctx, office.ExportRange{From: T0, To: T0.Add(2 * time.Hour)}, func(te office.TicketExport) error {
		got = append(got, te)
		return nil
	})
	if err != nil || len(got) != 3 || got[0].Number != numbers[0] || got[1].Number != mobile.Number || got[2].Number != numbers[1] {
		t.Fatalf("EachTicket over two hours: %d, %v", len(got), err)
	}
	te := got[2]
	if !te.Accepted.Equal(T0.Add(3*time.Hour)) || !te.Dispatched.Equal(T0.Add(4*time.Hour)) || !te.ResolvedAt.Equal(T0.Add(5*time.Hour)) ||
		!te.Closed.IsZero() || te.UnitID != "water" || !te.Deadline.Equal(T0.Add(72*time.Hour)) || te.Result != "已更换水表阀门" || te.State != bianmin.StateResolved || !te.Updated.Equal(T0.Add(5*time.Hour)) ||
		te.Phone != SecretPhone || len(te.Phrases) == 0 || te.KioskID != k.ID || te.Channel != "kiosk" {
		t.Errorf("exported ticket = %+v", te)
	}
	if m := got[1]; m.Text != `=HYPERLINK("x")` || m.Channel != "mobile" || m.KioskID != office.MobileKiosk {
		t.Errorf("exported mobile ticket = %+v", m)
	}
	for _, te := range got {
		if te.Secret != "" {
			t.Errorf("the export carries the status page secret of %s", te.Number)
		}
	}
	if !got[0].Accepted.IsZero() || got[0].State != bianmin.StateSubmitted {
		t.Errorf("untouched ticket = %+v", got[0])
	}
}

func testEnrollCodes(t *testing.T, s office.Store) {
	ctx := context.Background()
	addCode(t, s, "old", T0.Add(-48*time.Hour))
	open := addCode(t, s, "开放", T0)
	used := addCode(t, s, "已用", T0.Add(time.Minute))
	k, err := s.Enroll(ctx, office.Enrollment{CodeHash: used, PublicKey: newKey(t), At: T0.Add(2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	_ = open
	codes, err := s.EnrollCodes(ctx, T0.Add(-24*time.Hour))
	if err != nil || len(codes) != 2 {
		t.Fatalf("EnrollCodes = %+v, %v", codes, err)
	}
	if c := codes[0]; c.KioskName != "已用" || c.KioskID != k.ID || !c.Used.Equal(T0.Add(2*time.Minute)) || c.State(T0) != "used" {
		t.Errorf("used code = %+v", c)
	}
	if c := codes[1]; c.KioskName != "开放" || c.KioskID != "" || !c.Used.IsZero() || !c.Expires.Equal(T0.Add(office.EnrollCodeTTL)) ||
		c.State(T0) != "open" || c.State(T0.Add(office.EnrollCodeTTL)) != "expired" {
		t.Errorf("open code = %+v", c)
	}
}

func testLoadUnits(t *testing.T, s office.Store) {
	ctx := context.Background()
	if units, err := office.LoadUnits(ctx, s); err != nil || len(units) != 0 {
		t.Errorf("LoadUnits on an empty feed = %+v, %v", units, err)
	}
	units, _ := mustItems(t)
	if _, err := s.SeedContent(ctx, office.ClassUnits, units, T0); err != nil {
		t.Fatal(err)
	}
	edited := UnitFixtures()[0]
	edited.Responsibilities = append(edited.Responsibilities, "停水提前24小时公告")
	items, err := office.UnitItems([]bianmin.Unit{edited})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Publish(ctx, office.ClassUnits, items, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := office.Unpublish(ctx, s, office.ClassUnits, []string{"safety"}, T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := office.LoadUnits(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range got {
		ids = append(ids, u.ID)
		if u.ID == edited.ID && !slices.Equal(u.Responsibilities, edited.Responsibilities) {
			t.Errorf("edited unit loads as %+v", u)
		}
	}
	// Feed order: the edited unit moved to the end, the deleted one is gone.
	if want := []string{"drainage", "heating", "street", "water"}; !slices.Equal(ids, want) {
		t.Errorf("LoadUnits ids = %v, want %v", ids, want)
	}
}
