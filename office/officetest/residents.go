package officetest

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/sync/wire"
)

// The contract of what ingest applies (office.ResidentService), bills
// (office.BillService), payment orders (office.OrderStore) and the sandbox
// ledger (office.SandboxLedger).

var residentContract = []struct {
	name string
	run  func(t *testing.T, s office.Store)
}{
	{"ingest applies every kind", testApplyEveryKind},
	{"ratings link and ask for call-backs", testRatings},
	{"ingest refuses invalid record data", testApplyRefusals},
	{"ingest refuses a number another record holds", testApplyConflicts},
	{"re-push applies nothing twice", testApplyIdempotent},
	{"advance changes state and publishes", testAdvance},
	{"mobile tickets", testMobileTickets},
	{"bills replace and publish", testBills},
	{"bill refusals change nothing", testBillRefusals},
	{"orders", testOrders},
	{"sandbox ledger", testSandboxLedger},
}

// sim is a simulated kiosk making records with the contract's clock.
func sim() *Kiosk { return &Kiosk{Now: func() time.Time { return T0 }} }

// ingest pushes recs as kiosk k and fails the test on an error.
func ingest(t *testing.T, s office.Store, k office.Kiosk, recs ...wire.Record) office.IngestResult {
	t.Helper()
	res, err := s.Ingest(context.Background(), nonce(k, T0), recs, T0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return res
}

// feedStatus returns the status document of number on the feed.
func feedStatus(t *testing.T, s office.Store, number string) (bianmin.Status, string) {
	t.Helper()
	all, _ := pullAll(t, s, 0, office.ClassTickets, 100)
	for _, c := range all {
		if c.Key == number && c.Op == "put" {
			st, err := bianmin.ParseStatus(c.Data)
			if err != nil {
				t.Fatalf("status of %s on the feed does not parse: %v\n%s", number, err, c.Data)
			}
			return st, string(c.Data)
		}
	}
	t.Fatalf("no status of %s on the feed (%v)", number, keys(all))
	return bianmin.Status{}, ""
}

// noPersonalData fails if text carries the sample records' personal data.
func noPersonalData(t *testing.T, what, text string) {
	t.Helper()
	for _, secret := range []string{SecretPhone, SecretIDNumber, SecretName} {
		if strings.Contains(text, secret) {
			t.Errorf("%s carries personal data %q:\n%s", what, secret, text)
		}
	}
}

func testApplyEveryKind(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "all kinds")
	sk := sim()
	var recs []wire.Record
	data := map[string]bianmin.RecordData{}
	for _, kind := range []string{bianmin.KindTicket, bianmin.KindApplication, bianmin.KindPayment,
		bianmin.KindPaymentIncomplete, bianmin.KindRating, bianmin.KindDeviceEvent, bianmin.KindCashCollected} {
		d := sk.SampleData(kind, sk.seq+1, 400)
		data[kind] = d
		recs = append(recs, sk.Record(kind, d))
	}
	res := ingest(t, s, k, recs...)
	if len(res.Acked) != 7 || res.Duplicates != 0 {
		t.Fatalf("ingest: %+v", res)
	}
	c := counts(t, s)
	if c.Tickets != 1 || c.Applications != 1 || c.Payments != 1 || c.IncompletePayments != 1 || c.Ratings != 1 ||
		c.DeviceEvents != 1 || c.CashCollections != 1 || c.Records != 7 {
		t.Errorf("counts after one of each kind: %+v", c)
	}

	tk := data[bianmin.KindTicket].(*bianmin.Ticket)
	ti, err := s.Ticket(ctx, tk.Number)
	if err != nil {
		t.Fatal(err)
	}
	if ti.KioskID != k.ID || ti.RecordID != recs[0].ID || !ti.Created.Equal(recs[0].Created) || !ti.Received.Equal(T0.Add(time.Minute)) ||
		ti.State != bianmin.StateSubmitted || ti.Phone != SecretPhone || ti.Secret != tk.Secret || ti.Channel != "kiosk" ||
		!slices.Equal(ti.Phrases, tk.Phrases) || ti.Category != tk.Category || ti.Room != tk.Room {
		t.Errorf("Ticket = %+v, want %+v from %s", ti, tk, k.ID)
	}
	// The rating named this ticket's record: level 1 + seq%5 decides the call-back.
	rt := data[bianmin.KindRating].(*bianmin.Rating)
	if ti.CallBack != (rt.Level <= office.CallBackLevel) {
		t.Errorf("ticket call-back %v after a rating of level %d", ti.CallBack, rt.Level)
	}

	ap := data[bianmin.KindApplication].(*bianmin.Application)
	ai, err := s.Application(ctx, ap.Number)
	if err != nil {
		t.Fatal(err)
	}
	if ai.IDNumber != SecretIDNumber || ai.Name != SecretName || ai.State != bianmin.StateSubmitted || ai.Payment != ap.Payment ||
		ai.FeeFen != bianmin.TempIDFeeFen || ai.RecordID != recs[1].ID {
		t.Errorf("Application = %+v", ai)
	}

	pay := data[bianmin.KindPayment].(*bianmin.Payment)
	pi, err := s.Payment(ctx, pay.Receipt)
	if err != nil {
		t.Fatal(err)
	}
	if pi.Biller != pay.Biller || pi.PaidFen != pay.PaidFen || pi.Credit != pay.Credit || pi.Method != pay.Method ||
		!slices.Equal(pi.Notes, pay.Notes) || pi.KioskID != k.ID || pi.Secret == "" || pi.Secret != pay.Secret {
		t.Errorf("Payment = %+v, want %+v", pi, pay)
	}
	if _, err := s.Payment(ctx, "P20261125-000000-0001"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Payment(unknown) = %v", err)
	}

	inc, err := s.IncompletePayments(ctx, office.ListFilter{KioskID: k.ID})
	want := data[bianmin.KindPaymentIncomplete].(*bianmin.PaymentIncomplete)
	if err != nil || len(inc) != 1 || inc[0].PaymentIncomplete != *want || inc[0].RecordID != recs[3].ID {
		t.Errorf("IncompletePayments = %+v, %v", inc, err)
	}
	ratings, err := s.Ratings(ctx, office.ListFilter{})
	if err != nil || len(ratings) != 1 || ratings[0].Subject != tk.Number || ratings[0].Level != rt.Level ||
		ratings[0].Record != recs[0].ID || !slices.Equal(ratings[0].Reasons, rt.Reasons) {
		t.Errorf("Ratings = %+v, %v", ratings, err)
	}
	ev, err := s.DeviceEvents(ctx, office.ListFilter{KioskID: k.ID, Limit: 10})
	if err != nil || len(ev) != 1 || ev[0].DeviceEvent != *data[bianmin.KindDeviceEvent].(*bianmin.DeviceEvent) {
		t.Errorf("DeviceEvents = %+v, %v", ev, err)
	}
	cash, err := s.CashCollections(ctx, office.ListFilter{})
	cc := data[bianmin.KindCashCollected].(*bianmin.CashCollected)
	if err != nil || len(cash) != 1 || cash[0].TotalFen != cc.TotalFen || cash[0].ByValue["5000"] != 12 || cash[0].Staff != cc.Staff {
		t.Errorf("CashCollections = %+v, %v", cash, err)
	}
	if other, _ := s.DeviceEvents(ctx, office.ListFilter{KioskID: "Kother"}); len(other) != 0 {
		t.Errorf("DeviceEvents of another kiosk = %+v", other)
	}

	// Statuses of the ticket and the application are on the feed, without
	// personal data, and match Progress.
	for _, number := range []string{tk.Number, ap.Number} {
		st, raw := feedStatus(t, s, number)
		noPersonalData(t, "the status feed", raw)
		if strings.Contains(raw, "secret") || strings.Contains(raw, tk.Secret) {
			t.Errorf("the status of %s carries the secret: %s", number, raw)
		}
		p, err := s.Progress(ctx, number)
		if err != nil {
			t.Fatal(err)
		}
		if st.State != bianmin.StateSubmitted || st.Timeline[0].State != bianmin.StateSubmitted ||
			!st.Timeline[0].At.Equal(recs[0].Created) || st.Timeline[0].Note == "" {
			t.Errorf("status of %s on the feed = %+v", number, st)
		}
		if p.Number != st.Number || p.Kind != st.Kind || p.State != st.State || len(p.Timeline) != len(st.Timeline) {
			t.Errorf("Progress(%s) = %+v, feed says %+v", number, p, st)
		}
	}
	if p, _ := s.Progress(ctx, ap.Number); p.Kind != bianmin.KindApplication || p.Secret != ap.Secret {
		t.Errorf("Progress(application) = %+v", p)
	}
	for _, n := range []string{"T20261125-000000-0001", "A20261125-000000-0001", "nonsense", ""} {
		if _, err := s.Progress(ctx, n); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
			t.Errorf("Progress(%q) = %v, want %s", n, err, bianmin.ENOTFOUND)
		}
	}
	if _, err := s.Ticket(ctx, "T20261125-000000-0001"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Ticket(unknown) = %v", err)
	}
	if _, err := s.Application(ctx, "A20261125-000000-0001"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Application(unknown) = %v", err)
	}
}

func testRatings(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "rater")
	sk := sim()
	ticket := func() (*bianmin.Ticket, wire.Record) {
		d := sk.SampleData(bianmin.KindTicket, sk.seq+1, 0).(*bianmin.Ticket)
		return d, sk.Record(bianmin.KindTicket, d)
	}
	low, lowRec := ticket()
	high, highRec := ticket()
	byNumber, byNumberRec := ticket()
	_, cursor := pullAll(t, s, 0, "", 1000)
	ingest(t, s, k, lowRec, highRec, byNumberRec,
		sk.Record(bianmin.KindRating, &bianmin.Rating{Record: lowRec.ID, Service: bianmin.KindTicket, Level: 2, Reasons: []string{"办理慢"}}),
		sk.Record(bianmin.KindRating, &bianmin.Rating{Record: highRec.ID, Service: bianmin.KindTicket, Level: 3}),
		sk.Record(bianmin.KindRating, &bianmin.Rating{Record: byNumber.Number, Service: bianmin.KindTicket, Level: 1}),
		sk.Record(bianmin.KindRating, &bianmin.Rating{Record: "0190a1b2-0000-7000-8000-000000000000", Service: bianmin.KindTicket, Level: 1}),
	)
	for _, tc := range []struct {
		number   string
		callBack bool
		note     string
	}{
		{low.Number, true, "评价：不满意（办理慢），工作人员将回访"},
		{high.Number, false, "评价：基本满意"},
		{byNumber.Number, true, "评价：非常不满意，工作人员将回访"},
	} {
		ti, err := s.Ticket(ctx, tc.number)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := s.Progress(ctx, tc.number)
		st, _ := feedStatus(t, s, tc.number)
		last := st.Timeline[len(st.Timeline)-1]
		if ti.CallBack != tc.callBack || p.CallBack != tc.callBack || len(st.Timeline) != 2 || last.State != bianmin.StateRated ||
			last.Note != tc.note || st.State != bianmin.StateSubmitted {
			t.Errorf("%s: call-back %v/%v, status %+v; want call-back %v and a rated entry %q", tc.number, ti.CallBack, p.CallBack, st, tc.callBack, tc.note)
		}
	}
	ratings, _ := s.Ratings(ctx, office.ListFilter{KioskID: k.ID})
	subjects := []string{}
	for _, r := range ratings {
		subjects = append(subjects, r.Subject)
	}
	if !slices.Equal(subjects, []string{low.Number, high.Number, byNumber.Number, ""}) {
		t.Errorf("rating subjects = %q", subjects)
	}
	// A rating from another kiosk naming this kiosk's record id does not
	// reach the ticket: record ids are per kiosk.
	other := enroll(t, s, "other")
	ingest(t, s, other, sim().Record(bianmin.KindRating, &bianmin.Rating{Record: highRec.ID, Service: bianmin.KindTicket, Level: 1}))
	if ti, _ := s.Ticket(ctx, high.Number); ti.CallBack {
		t.Error("another kiosk's rating with the same record id asked for a call-back")
	}
	// Each status change moved the ticket's feed entry to the end.
	since, _ := pullAll(t, s, cursor, office.ClassTickets, 100)
	if len(since) != 3 {
		t.Errorf("feed after the ratings: %v", keys(since))
	}
}

// BadRecord is a record officed must refuse, with a word its refusal
// mentions.
type BadRecord struct {
	Name, Mention string
	Record        wire.Record
}

// BadRecords returns records of this kiosk each of which officed must
// refuse: a 10-digit phone, a wrong ID check digit, cash notes that do not
// add up to what was paid, and more.
func (sk *Kiosk) BadRecords() []BadRecord {
	tk := sk.SampleData(bianmin.KindTicket, 900, 0).(*bianmin.Ticket)
	tk.Phone = "1391234567" // 10 digits
	ap := sk.SampleData(bianmin.KindApplication, 901, 0).(*bianmin.Application)
	ap.IDNumber = SecretIDNumber[:17] + wrongCheck(SecretIDNumber)
	pay := sk.SampleData(bianmin.KindPayment, 902, 0).(*bianmin.Payment) // cash
	pay.Notes = []int64{2000, 2000}
	mobile := sk.SampleData(bianmin.KindTicket, 903, 0).(*bianmin.Ticket)
	mobile.Channel, mobile.Text = "mobile", "家里停水了"
	rating := &bianmin.Rating{Record: "x", Service: bianmin.KindTicket, Level: 6}
	return []BadRecord{
		{"10-digit phone", "phone", sk.Record(bianmin.KindTicket, tk)},
		{"wrong ID check digit", "check digit", sk.Record(bianmin.KindApplication, ap)},
		{"cash notes not adding up", "notes", sk.Record(bianmin.KindPayment, pay)},
		{"kiosk ticket claiming the mobile channel", "channel", sk.Record(bianmin.KindTicket, mobile)},
		{"rating level 6", "level", sk.Record(bianmin.KindRating, rating)},
		{"unknown field", "unknown field", sk.Record(bianmin.KindDeviceEvent, map[string]any{"device": "printer", "event": "x", "colour": "red"})},
		{"wrong type", "", sk.Record(bianmin.KindCashCollected, map[string]any{"notes": "twelve"})},
	}
}

// wrongCheck returns a check character other than id's.
func wrongCheck(id string) string {
	if id[17] == '0' {
		return "1"
	}
	return "0"
}

func testApplyRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "careless")
	sk := sim()
	good := sk.Record(bianmin.KindTicket, sk.SampleData(bianmin.KindTicket, 1, 0))
	for _, tc := range sk.BadRecords() {
		t.Run(tc.Name, func(t *testing.T) {
			before := counts(t, s)
			after := sk.Record(bianmin.KindDeviceEvent, sk.SampleData(bianmin.KindDeviceEvent, 0, 0))
			_, err := s.Ingest(ctx, nonce(k, T0), []wire.Record{good, tc.Record, after}, T0)
			var re *office.RecordError
			if !errors.As(err, &re) || re.Record != tc.Record.ID || bianmin.ErrorCode(err) != bianmin.EINVALID ||
				!strings.Contains(err.Error(), tc.Mention) {
				t.Errorf("Ingest = %v, want a *RecordError naming %s (%s) that mentions %q", err, tc.Record.ID, bianmin.EINVALID, tc.Mention)
			}
			if err != nil {
				noPersonalData(t, "the refusal", err.Error())
			}
			if c := counts(t, s); c != before {
				t.Errorf("a refused batch changed counts %+v → %+v", before, c)
			}
		})
	}
	// The good record still goes through on its own.
	if res := ingest(t, s, k, good); res.New[bianmin.KindTicket] != 1 {
		t.Errorf("the good record alone: %+v", res)
	}
}

func testApplyConflicts(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	sk := sim()
	tk := sk.SampleData(bianmin.KindTicket, 1, 0).(*bianmin.Ticket)
	pay := sk.SampleData(bianmin.KindPayment, 2, 0).(*bianmin.Payment)
	ap := sk.SampleData(bianmin.KindApplication, 3, 0).(*bianmin.Application)
	ingest(t, s, k, sk.Record(bianmin.KindTicket, tk), sk.Record(bianmin.KindPayment, pay), sk.Record(bianmin.KindApplication, ap))
	before := counts(t, s)
	for _, tc := range []struct {
		name string
		rec  wire.Record
	}{
		{"ticket number", sk.Record(bianmin.KindTicket, tk)},
		{"receipt number", sk.Record(bianmin.KindPayment, pay)},
		{"application number", sk.Record(bianmin.KindApplication, ap)},
	} {
		// Another record (new id) with a number already held.
		_, err := s.Ingest(ctx, nonce(k, T0), []wire.Record{tc.rec}, T0)
		var re *office.RecordError
		if !errors.As(err, &re) || re.Record != tc.rec.ID || bianmin.ErrorCode(err) != bianmin.ECONFLICT {
			t.Errorf("%s reused: %v, want a *RecordError (%s) naming %s", tc.name, err, bianmin.ECONFLICT, tc.rec.ID)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("refused batches changed counts %+v → %+v", before, c)
	}
}

func testApplyIdempotent(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "retry")
	sk := sim()
	recs := sk.Records(21, 200) // three of each kind, ratings linked to tickets
	ingest(t, s, k, recs...)
	before := counts(t, s)
	_, cursor := pullAll(t, s, 0, "", 1000)
	var numbers []string
	for _, r := range recs {
		if r.Kind == bianmin.KindTicket {
			var tk bianmin.Ticket
			json.Unmarshal(r.Data, &tk)
			numbers = append(numbers, tk.Number)
		}
	}
	progress := func() string {
		var b strings.Builder
		for _, n := range numbers {
			p, err := s.Progress(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%+v\n", p)
		}
		return b.String()
	}
	was := progress()
	// The whole backlog again, then shuffled halves, as retries after lost
	// answers send them.
	res := ingest(t, s, k, recs...)
	if res.Duplicates != 21 || len(res.New) != 0 {
		t.Errorf("second push: %+v", res)
	}
	ingest(t, s, k, recs[10:]...)
	ingest(t, s, k, recs[:11]...)
	if c := counts(t, s); c != withNonces(before, before.Nonces+3) {
		t.Errorf("re-pushes changed counts %+v → %+v", before, c)
	}
	if now := progress(); now != was {
		t.Errorf("re-pushes changed statuses:\n%s\nwas\n%s", now, was)
	}
	if since, _ := pullAll(t, s, cursor, "", 1000); len(since) != 0 {
		t.Errorf("re-pushes published %v", keys(since))
	}
}

// withNonces is c with n nonces: what counts should be after requests that
// store nothing but their nonce.
func withNonces(c office.Counts, n int) office.Counts {
	c.Nonces = n
	return c
}

func testAdvance(t *testing.T, s office.Store) {
	ctx := context.Background()
	k := enroll(t, s, "k")
	sk := sim()
	tk := sk.SampleData(bianmin.KindTicket, 1, 0).(*bianmin.Ticket)
	tr := sk.Record(bianmin.KindTicket, tk)
	ap := sk.SampleData(bianmin.KindApplication, 2, 0).(*bianmin.Application)
	ingest(t, s, k, tr, sk.Record(bianmin.KindApplication, ap),
		sk.Record(bianmin.KindRating, &bianmin.Rating{Record: tr.ID, Service: bianmin.KindTicket, Level: 1}))
	_, cursor := pullAll(t, s, 0, "", 1000)

	PublishUnits(t, s)
	_, cursor = pullAll(t, s, 0, "", 1000)
	at := T0.Add(2 * time.Hour)
	if _, err := s.Advance(ctx, office.Transition{Number: tk.Number, State: bianmin.StateAccepted, At: at.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	st, err := s.Advance(ctx, office.Transition{Number: tk.Number, State: bianmin.StateDispatched, Note: "已派至南岗区供水公司，限3日内办结",
		At: at, Unit: "water", Deadline: at.Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{bianmin.StateSubmitted, bianmin.StateRated, bianmin.StateAccepted, bianmin.StateDispatched}
	var got []string
	for _, e := range st.Timeline {
		got = append(got, e.State)
	}
	if st.State != bianmin.StateDispatched || !slices.Equal(got, want) || !st.Timeline[3].At.Equal(at) ||
		st.Timeline[3].Note != "已派至南岗区供水公司，限3日内办结" {
		t.Errorf("Advance = %+v, timeline %v", st, got)
	}
	feed, _ := feedStatus(t, s, tk.Number)
	if fmt.Sprint(feed) != fmt.Sprint(st) {
		t.Errorf("feed holds %+v, Advance returned %+v", feed, st)
	}
	if since, _ := pullAll(t, s, cursor, "", 100); len(since) != 1 || since[0].Key != tk.Number {
		t.Errorf("Advance published %v", keys(since))
	}
	if ti, _ := s.Ticket(ctx, tk.Number); ti.State != bianmin.StateDispatched || !ti.CallBack || ti.UnitID != "water" ||
		!ti.Deadline.Equal(at.Add(72*time.Hour)) {
		t.Errorf("after Advance: state %s call-back %v unit %q deadline %v", ti.State, ti.CallBack, ti.UnitID, ti.Deadline)
	}
	if _, err := s.Advance(ctx, office.Transition{Number: tk.Number, State: bianmin.StateResolved, Note: "办理结果：已修复",
		Result: "已修复", At: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Advance(ctx, office.Transition{Number: tk.Number, State: bianmin.StateCalledBack, At: at, Rating: 4}); err != nil {
		t.Fatal(err)
	}
	if ti, _ := s.Ticket(ctx, tk.Number); ti.CallBack || ti.CallBackLevel != 4 || ti.Result != "已修复" || !ti.ResolvedAt.Equal(at) {
		t.Errorf("after the call-back: %+v", ti)
	}
	if _, err := s.Advance(ctx, office.Transition{Number: ap.Number, State: bianmin.StateAccepted, At: at}); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Advance(ctx, office.Transition{Number: ap.Number, State: bianmin.StateIssued, Note: "请到花园街道便民服务中心领取", At: at}); err != nil || st.State != bianmin.StateIssued {
		t.Errorf("Advance(application) = %+v, %v", st, err)
	}

	before := counts(t, s)
	for _, tc := range []struct {
		name string
		tr   office.Transition
		code string
	}{
		{"unknown number", office.Transition{Number: "T20261125-000000-0001", State: bianmin.StateAccepted, At: at}, bianmin.ENOTFOUND},
		{"not a number", office.Transition{Number: "x", State: bianmin.StateAccepted, At: at}, bianmin.ENOTFOUND},
		{"application state on a ticket", office.Transition{Number: tk.Number, State: bianmin.StateIssued, At: at}, bianmin.EINVALID},
		{"ticket state on an application", office.Transition{Number: ap.Number, State: bianmin.StateDispatched, At: at}, bianmin.EINVALID},
		{"rated is no state", office.Transition{Number: tk.Number, State: bianmin.StateRated, At: at}, bianmin.EINVALID},
		{"note too long", office.Transition{Number: tk.Number, State: bianmin.StateAccepted, Note: strings.Repeat("长", 201), At: at}, bianmin.EINVALID},
		{"no time", office.Transition{Number: tk.Number, State: bianmin.StateAccepted}, bianmin.EINVALID},
		{"accept a called-back ticket", office.Transition{Number: tk.Number, State: bianmin.StateAccepted, At: at}, bianmin.ECONFLICT},
		{"issue twice", office.Transition{Number: ap.Number, State: bianmin.StateIssued, At: at}, bianmin.ECONFLICT},
	} {
		if _, err := s.Advance(ctx, tc.tr); bianmin.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("refused transitions changed counts %+v → %+v", before, c)
	}
}

var mobileNumber = regexp.MustCompile(`^T20261125-WEB-000[12]$`)

func testMobileTickets(t *testing.T, s office.Store) {
	ctx := context.Background()
	at := T0.In(time.FixedZone("CST", 8*3600))
	var made []bianmin.Ticket
	for i := 0; i < 2; i++ {
		tk := bianmin.Ticket{Category: "排水", Community: "huayuan", Phrases: []string{"下水道堵塞"}, Text: "<script>alert(1)</script>", Phone: SecretPhone}
		if err := s.CreateMobileTicket(ctx, &tk, at); err != nil {
			t.Fatal(err)
		}
		made = append(made, tk)
	}
	if made[0].Number == made[1].Number || !mobileNumber.MatchString(made[0].Number) || !mobileNumber.MatchString(made[1].Number) {
		t.Errorf("mobile numbers %s, %s", made[0].Number, made[1].Number)
	}
	ti, err := s.Ticket(ctx, made[1].Number)
	if err != nil {
		t.Fatal(err)
	}
	if ti.Channel != "mobile" || ti.KioskID != office.MobileKiosk || ti.Secret != made[1].Secret || !bianmin.ValidSecret(ti.Secret) ||
		ti.Text != "<script>alert(1)</script>" || ti.State != bianmin.StateSubmitted {
		t.Errorf("mobile ticket = %+v", ti)
	}
	recs, _ := s.Records(ctx, office.RecordFilter{KioskID: office.MobileKiosk})
	if len(recs) != 2 || recs[1].Record.ID != ti.RecordID || recs[1].Record.Seq != 2 {
		t.Errorf("records of %s = %+v", office.MobileKiosk, recs)
	} else if d, err := bianmin.DecodeRecord(recs[1].Record.Kind, recs[1].Record.Data); err != nil || d.(*bianmin.Ticket).Number != made[1].Number {
		t.Errorf("the mobile ticket's record does not decode to it: %v", err)
	}
	st, _ := feedStatus(t, s, made[0].Number)
	if st.Timeline[0].Note != office.SubmittedNote("mobile") {
		t.Errorf("mobile status = %+v", st)
	}

	before := counts(t, s)
	for _, bad := range []bianmin.Ticket{
		{Category: "排水", Community: "huayuan", Phrases: []string{"下水道堵塞"}, Phone: "1391234567"},
		{Category: "没有", Community: "huayuan", Phrases: []string{"下水道堵塞"}, Phone: SecretPhone},
		{Category: "排水", Community: "huayuan", Phone: SecretPhone},
		{Category: "排水", Community: "huayuan", Text: strings.Repeat("长", 501), Phone: SecretPhone},
	} {
		if err := s.CreateMobileTicket(ctx, &bad, at); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("CreateMobileTicket(%+v) = %v, want %s", bad, err, bianmin.EINVALID)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("refused mobile tickets changed counts %+v → %+v", before, c)
	}
	// A refused ticket did not use up a number.
	next := bianmin.Ticket{Category: "排水", Community: "huayuan", Phrases: []string{"下水道堵塞"}, Phone: SecretPhone}
	if err := s.CreateMobileTicket(ctx, &next, at); err != nil || !strings.HasSuffix(next.Number, "-WEB-0003") {
		t.Errorf("next mobile ticket %q, %v; want number 0003", next.Number, err)
	}
}

func bill(biller, account, holder string, fen int64) bianmin.Bill {
	return bianmin.Bill{Biller: biller, Account: account, Holder: holder, AmountFen: fen, Period: "2026-2027采暖季"}
}

// billFeed returns the bills class as key → masked bill.
func billFeed(t *testing.T, s office.Store) map[string]bianmin.Bill {
	t.Helper()
	all, _ := pullAll(t, s, 0, office.ClassBills, 1000)
	out := map[string]bianmin.Bill{}
	for _, c := range all {
		if c.Op != "put" {
			continue
		}
		b, err := bianmin.ParseBill(c.Data)
		if err != nil {
			t.Fatalf("bill %s on the feed: %v", c.Key, err)
		}
		out[c.Key] = b
	}
	return out
}

func testBills(t *testing.T, s office.Store) {
	ctx := context.Background()
	if err := s.ReplaceBills(ctx, "heating", []bianmin.Bill{bill("heating", "HR-1001", "王小明", 245000), bill("heating", "HR-1002", "欧阳娜娜", 198050)}, T0); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceBills(ctx, "water", []bianmin.Bill{bill("water", "W-1001", "李四", 4250)}, T0); err != nil {
		t.Fatal(err)
	}
	b, err := s.Bill(ctx, "heating", "HR-1002")
	if err != nil || b.Holder != "欧阳娜娜" || b.AmountFen != 198050 || !b.Updated.Equal(T0) || b.Period != "2026-2027采暖季" {
		t.Errorf("Bill = %+v, %v", b, err)
	}
	if _, err := s.Bill(ctx, "water", "HR-1002"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("a heating account's water bill: %v", err)
	}
	if hs, err := s.HouseholdBills(ctx, "heating", "欧阳娜娜", 5); err != nil || len(hs) != 1 || hs[0].Account != "HR-1002" || hs[0].AmountFen != 198050 || !hs[0].Updated.Equal(T0) {
		t.Errorf("HouseholdBills(欧阳娜娜) = %+v, %v", hs, err)
	}
	if hs, err := s.HouseholdBills(ctx, "water", "欧阳娜娜", 5); err != nil || hs == nil || len(hs) != 0 {
		t.Errorf("another biller's household: %+v, %v", hs, err)
	}
	if hs, err := s.HouseholdBills(ctx, "heating", "欧阳", 5); err != nil || len(hs) != 0 {
		t.Errorf("a name is matched whole, not by prefix: %+v, %v", hs, err)
	}
	if err := s.ReplaceBills(ctx, "gas", []bianmin.Bill{bill("gas", "G-0002", "李四", 1), bill("gas", "G-0001", "李四", 2), bill("gas", "G-0003", "李四", 3)}, T0); err != nil {
		t.Fatal(err)
	}
	if hs, err := s.HouseholdBills(ctx, "gas", "李四", 2); err != nil || len(hs) != 2 || hs[0].Account != "G-0001" || hs[1].Account != "G-0002" {
		t.Errorf("HouseholdBills with limit 2 = %+v, %v", hs, err)
	}
	if err := s.ReplaceBills(ctx, "gas", nil, T0); err != nil {
		t.Fatal(err)
	}
	feed := billFeed(t, s)
	if len(feed) != 3 || feed["heating/HR-1002"].Holder != "欧阳**" || feed["heating/HR-1001"].Holder != "王**" ||
		feed["water/W-1001"].AmountFen != 4250 || !feed["water/W-1001"].Updated.Equal(T0) {
		t.Errorf("bills feed = %+v", feed)
	}
	_, cursor := pullAll(t, s, 0, "", 1000)

	// A new heating file: 1001 paid up (gone), 1002 changed, 1003 new.
	at := T0.Add(24 * time.Hour)
	if err := s.ReplaceBills(ctx, "heating", []bianmin.Bill{bill("heating", "HR-1002", "欧阳娜娜", 1000), bill("heating", "HR-1003", "赵六", 300000)}, at); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Bill(ctx, "heating", "HR-1001"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("replaced bill still there: %v", err)
	}
	if b, _ := s.Bill(ctx, "heating", "HR-1002"); b.AmountFen != 1000 || !b.Updated.Equal(at) {
		t.Errorf("changed bill = %+v", b)
	}
	if b, err := s.Bill(ctx, "water", "W-1001"); err != nil || !b.Updated.Equal(T0) {
		t.Errorf("another biller's bill after a replace: %+v, %v", b, err)
	}
	since, _ := pullAll(t, s, cursor, "", 1000)
	if got := keys(since); len(got) != 3 || !slices.Contains(got, "bills/heating/HR-1001:delete") {
		t.Errorf("published after the replace: %v", got)
	}
	if feed := billFeed(t, s); len(feed) != 3 || feed["heating/HR-1003"].Holder != "赵*" {
		t.Errorf("bills feed after the replace = %+v", feed)
	}
	if c := counts(t, s); c.Bills != 3 {
		t.Errorf("%d bills stored, want 3", c.Bills)
	}
}

func testBillRefusals(t *testing.T, s office.Store) {
	ctx := context.Background()
	if err := s.ReplaceBills(ctx, "gas", []bianmin.Bill{bill("gas", "G-0001", "张三", 100)}, T0); err != nil {
		t.Fatal(err)
	}
	before := counts(t, s)
	for _, tc := range []struct {
		name   string
		biller string
		bills  []bianmin.Bill
	}{
		{"unknown biller", "bribes", []bianmin.Bill{bill("bribes", "X-0001", "张三", 100)}},
		{"another biller's bill", "gas", []bianmin.Bill{bill("water", "X-0001", "张三", 100)}},
		{"account twice", "gas", []bianmin.Bill{bill("gas", "X-0001", "张三", 100), bill("gas", "X-0001", "李四", 100)}},
		{"zero amount", "gas", []bianmin.Bill{bill("gas", "X-0001", "张三", 0)}},
		{"bad account", "gas", []bianmin.Bill{bill("gas", "X 1", "张三", 100)}},
		{"no holder", "gas", []bianmin.Bill{bill("gas", "X-0001", " ", 100)}},
	} {
		if err := s.ReplaceBills(ctx, tc.biller, tc.bills, T0); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("%s: %v, want %s", tc.name, err, bianmin.EINVALID)
		}
	}
	if c := counts(t, s); c != before {
		t.Errorf("refused bills changed counts %+v → %+v", before, c)
	}
	if b, err := s.Bill(ctx, "gas", "G-0001"); err != nil || b.Holder != "张三" {
		t.Errorf("the gas bill after refusals: %+v, %v", b, err)
	}
}

func testOrders(t *testing.T, s office.Store) {
	ctx := context.Background()
	code := sha256.Sum256([]byte("134567890123456780"))
	o := office.StoredOrder{ID: "P20261125-483920-0001", KioskID: "K1", Biller: "heating", Account: "HR-1001", AmountFen: 245000,
		Method: bianmin.MethodWeChat, CodeHash: code, CodeTail: "6780", Status: office.OrderPending, Created: T0, Updated: T0}
	got, created, err := s.CreateOrder(ctx, o)
	if err != nil || !created || got.ID != o.ID || got.Status != office.OrderPending {
		t.Fatalf("CreateOrder = %+v, %v, %v", got, created, err)
	}
	again := o
	again.AmountFen, again.CodeHash = 1, [32]byte{}
	got, created, err = s.CreateOrder(ctx, again)
	if err != nil || created || got.AmountFen != 245000 || got.CodeHash != code || got.KioskID != "K1" || !got.Created.Equal(T0) {
		t.Errorf("CreateOrder of an existing id = %+v, %v, %v; want the stored order", got, created, err)
	}
	reuse := o
	reuse.ID = "P20261125-483920-0002"
	if _, _, err := s.CreateOrder(ctx, reuse); !errors.Is(err, office.ErrCodeReused) {
		t.Errorf("a used code: %v, want ErrCodeReused", err)
	}
	// Orders without a code (invalid or refused) do not clash.
	for _, id := range []string{"P20261125-483920-0003", "P20261125-483920-0004"} {
		none := o
		none.ID, none.CodeHash, none.Status, none.Message = id, [32]byte{}, bianmin.PayDeclined, "付款码无效"
		if _, created, err := s.CreateOrder(ctx, none); err != nil || !created {
			t.Errorf("order %s without a code: %v, %v", id, created, err)
		}
	}
	if err := s.UpdateOrder(ctx, o.ID, bianmin.PaySuccess, "支付成功", "SBX-1", T0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateOrder(ctx, o.ID, bianmin.PayCancelled, "已撤销", "", T0.Add(2*time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err = s.Order(ctx, o.ID)
	if err != nil || got.Status != bianmin.PayCancelled || got.Ref != "SBX-1" || !got.Updated.Equal(T0.Add(2*time.Second)) || got.CodeTail != "6780" {
		t.Errorf("Order after updates = %+v, %v (an empty ref keeps the old one)", got, err)
	}
	if _, err := s.Order(ctx, "P20261125-483920-0009"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("Order(unknown) = %v", err)
	}
	if err := s.UpdateOrder(ctx, "P20261125-483920-0009", bianmin.PaySuccess, "", "", T0); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("UpdateOrder(unknown) = %v", err)
	}
	if c := counts(t, s); c.Orders != 3 {
		t.Errorf("%d orders, want 3", c.Orders)
	}
}

func testSandboxLedger(t *testing.T, s office.Store) {
	ctx := context.Background()
	if _, err := s.SandboxCharge(ctx, "P1"); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("SandboxCharge(unknown) = %v", err)
	}
	c := office.SandboxCharge{Order: "P1", AmountFen: 100, Outcome: 6, State: bianmin.PayPaying, Ref: "SBX-P1", Created: T0}
	if err := s.PutSandboxCharge(ctx, c); err != nil {
		t.Fatal(err)
	}
	c.Queries, c.State = 2, bianmin.PaySuccess
	if err := s.PutSandboxCharge(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.SandboxCharge(ctx, "P1")
	if err != nil || got != c {
		t.Errorf("SandboxCharge = %+v, %v; want %+v", got, err, c)
	}
	if n := counts(t, s).SandboxCharges; n != 1 {
		t.Errorf("%d charges, want 1", n)
	}
}
