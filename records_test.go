package bianmin

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func validTicket() Ticket {
	return Ticket{Number: "T20261125-K7Q-0042", Secret: "a1b2c3d4", Category: "供水", Community: "c1", Building: "b3",
		Unit: "2单元", Room: "501", Phrases: []string{"家中无水"}, Phone: "13812345678", Channel: "kiosk"}
}

func TestTicketValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Ticket)
		want string // "" = valid
	}{
		{"valid", func(*Ticket) {}, ""},
		{"mobile with text", func(x *Ticket) { x.Channel, x.Phrases, x.Text = "mobile", nil, "楼道灯坏了三天" }, ""},
		{"10-digit phone", func(x *Ticket) { x.Phone = "1381234567" }, "phone"},
		{"phone 12…", func(x *Ticket) { x.Phone = "12812345678" }, "phone"},
		{"unknown category", func(x *Ticket) { x.Category = "天气" }, "category"},
		{"no description", func(x *Ticket) { x.Phrases = nil }, "description"},
		{"free text on the kiosk", func(x *Ticket) { x.Text = "随便写" }, "text"},
		{"bad number", func(x *Ticket) { x.Number = "A20261125-K7Q-0042" }, "number"},
		{"bad secret", func(x *Ticket) { x.Secret = "AB" }, "secret"},
		{"no community", func(x *Ticket) { x.Community = "" }, "community"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := validTicket()
			tc.edit(&x)
			err := x.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || ErrorCode(err) != EINVALID {
				t.Fatalf("got %v, want an invalid %s", err, tc.want)
			}
		})
	}
}

func TestPaymentArithmetic(t *testing.T) {
	p := Payment{Receipt: "P20261125-K7Q-0001", Biller: "water", Account: "W00012345", DueFen: 4250, PaidFen: 5000,
		Credit: 750, Method: "cash", Notes: []int64{5000}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, edit := range map[string]func(*Payment){
		"underpaid":           func(p *Payment) { p.PaidFen, p.Notes, p.Credit = 4000, []int64{2000, 2000}, -250 },
		"credit wrong":        func(p *Payment) { p.Credit = 0 },
		"notes do not add up": func(p *Payment) { p.Notes = []int64{2000} },
		"mobile overpays":     func(p *Payment) { p.Method, p.Notes = "wechat", nil },
		"unknown biller":      func(p *Payment) { p.Biller = "casino" },
	} {
		q := p
		edit(&q)
		if err := q.Validate(); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestDecodeRecord(t *testing.T) {
	x := validTicket()
	data, _ := json.Marshal(x)
	v, err := DecodeRecord(KindTicket, data)
	if err != nil {
		t.Fatal(err)
	}
	if v.(*Ticket).Phone != x.Phone {
		t.Error("decoded ticket differs")
	}
	if _, err := DecodeRecord(KindTicket, []byte(`{"number":"T20261125-K7Q-0042","bogus":1}`)); err == nil {
		t.Error("unknown key accepted")
	}
	if _, err := DecodeRecord("bribe", data); err == nil {
		t.Error("unknown kind accepted")
	}
	app := Application{Number: "A20261125-K7Q-0001", Secret: "zz99yy88", IDNumber: "11010519491231002X", Name: "王小明",
		Source: "card", Reason: "lost", Phone: "13812345678", FeeFen: TempIDFeeFen, Payment: "P20261125-K7Q-0001"}
	data, _ = json.Marshal(app)
	if _, err := DecodeRecord(KindApplication, data); err != nil {
		t.Fatal(err)
	}
	app.IDNumber = "360426199101010072"
	data, _ = json.Marshal(app)
	if _, err := DecodeRecord(KindApplication, data); err == nil || !strings.Contains(err.Error(), "check digit") {
		t.Errorf("wrong check digit: %v", err)
	}
}

func TestNumbersAndSecrets(t *testing.T) {
	n := NewNumber('T', time.Date(2026, 11, 25, 0, 0, 0, 0, time.Local), "K7Q", 42)
	if n != "T20261125-K7Q-0042" || !numberPattern.MatchString(n) {
		t.Errorf("number %s", n)
	}
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		s := NewSecret()
		if !secretPattern.MatchString(s) || seen[s] {
			t.Fatalf("secret %q", s)
		}
		seen[s] = true
	}
}

func FuzzDecodeRecord(f *testing.F) {
	x := validTicket()
	data, _ := json.Marshal(x)
	f.Add(KindTicket, data)
	f.Add(KindPayment, []byte(`{"receipt":"P20261125-K7Q-0001","due_fen":1,"paid_fen":1}`))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		v, err := DecodeRecord(kind, data)
		if err == nil && v.Validate() != nil {
			t.Fatal("accepted data that fails Validate")
		}
	})
}

func TestEveryCategoryHasPhrases(t *testing.T) {
	for _, c := range ReportCategories {
		if len(ReportPhrases[c]) < 3 {
			t.Errorf("category %s has %d preset phrases", c, len(ReportPhrases[c]))
		}
	}
	if len(ReportPhrases) != len(ReportCategories) {
		t.Errorf("phrases for %d categories, %d categories", len(ReportPhrases), len(ReportCategories))
	}
}
