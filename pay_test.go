package bianmin

import (
	"strings"
	"testing"
	"time"
)

func TestPaymentCodeMethod(t *testing.T) {
	for _, tc := range []struct {
		code, method string
	}{
		{"104567890123456789", MethodWeChat},
		{"154567890123456789", MethodWeChat},
		{"164567890123456789", ""},                 // 16 is no WeChat prefix; 18 digits is no Alipay either unless 25–30
		{"094567890123456789", ""},                 // 09
		{"13456789012345678", ""},                  // WeChat needs 18 digits
		{"1345678901234567890", ""},                // 19 digits starting 13
		{"2512345678901234", MethodAlipay},         // 16 digits
		{"301234567890123456789012", MethodAlipay}, // 24 digits
		{"3112345678901234", ""},                   // 31
		{"241234567890123456", ""},                 // 24
		{"3012345678901234567890123", ""},          // 25 digits
		{"251234567890123", ""},                    // 15 digits
		{"28123456789012345６", ""},                 // a full-width digit
		{"2812345678901234 ", ""},
		{"", ""},
		{"https://office/status/T1?s=abc", ""},
	} {
		m, ok := PaymentCodeMethod(tc.code)
		if m != tc.method || ok != (tc.method != "") {
			t.Errorf("PaymentCodeMethod(%q) = %q, %v; want %q", tc.code, m, ok, tc.method)
		}
	}
}

func TestMaskPaymentCode(t *testing.T) {
	for code, want := range map[string]string{
		"134567890123456786": "**************6786",
		"6786":               "****",
		"12":                 "**",
		"":                   "",
	} {
		if got := MaskPaymentCode(code); got != want {
			t.Errorf("MaskPaymentCode(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestPayRequestValidate(t *testing.T) {
	good := PayRequest{Order: "P20261125-483920-0001", Biller: "heating", Account: "HR-1001", AmountFen: 245000, Code: "134567890123456786"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*PayRequest){
		"ticket number as order": func(p *PayRequest) { p.Order = "T20261125-483920-0001" },
		"unknown biller":         func(p *PayRequest) { p.Biller = "rent" },
		"short account":          func(p *PayRequest) { p.Account = "1" },
		"zero amount":            func(p *PayRequest) { p.AmountFen = 0 },
		"over 100 000 yuan":      func(p *PayRequest) { p.AmountFen = MaxBillFen + 1 },
		"code with a newline":    func(p *PayRequest) { p.Code = "1345678901\n23456786" },
		"code of 65 characters":  func(p *PayRequest) { p.Code = strings.Repeat("1", 65) },
	} {
		p := good
		change(&p)
		if err := p.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	tempid := good
	tempid.Biller, tempid.Code = "tempid", "not a code" // a code that is no code is a decline, not a bad request
	if err := tempid.Validate(); err != nil {
		t.Errorf("tempid order with an invalid code: %v", err)
	}
}

func TestBillValidate(t *testing.T) {
	good := Bill{Biller: "water", Account: "W-1001", Holder: "王小明", AmountFen: 4250, Period: "2026年11月", Updated: time.Now()}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if m := good.Masked(); m.Holder != "王**" || good.Holder != "王小明" {
		t.Errorf("Masked = %+v (and the original %+v)", m, good)
	}
	for name, change := range map[string]func(*Bill){
		"biller":      func(b *Bill) { b.Biller = "tempid" },
		"account":     func(b *Bill) { b.Account = "W 1001" },
		"holder":      func(b *Bill) { b.Holder = "" },
		"holder line": func(b *Bill) { b.Holder = "王\n小明" },
		"long holder": func(b *Bill) { b.Holder = strings.Repeat("王", 31) },
		"amount":      func(b *Bill) { b.AmountFen = -1 },
		"period":      func(b *Bill) { b.Period = " " },
		"long period": func(b *Bill) { b.Period = strings.Repeat("期", 21) },
	} {
		b := good
		change(&b)
		err := b.Validate()
		if ErrorCode(err) != EINVALID || strings.Contains(err.Error(), "小明") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseBill([]byte(`{"biller":"water","account":"W-1001","holder":"王*","amount_fen":1,"period":"p","updated":"2026-11-25T09:00:00Z","extra":1}`)); err == nil {
		t.Error("ParseBill accepted an unknown field")
	}
	if b, err := ParseBill([]byte(`{"biller":"water","account":"W-1001","holder":"王*","amount_fen":1,"period":"p","updated":"2026-11-25T09:00:00Z"}`)); err != nil || b.Holder != "王*" {
		t.Errorf("ParseBill = %+v, %v", b, err)
	}
	if BillKey("water", "W-1") != "water/W-1" {
		t.Error("BillKey")
	}
}

func TestStatus(t *testing.T) {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	st := Status{Number: "T20261125-483920-0042", Kind: KindTicket, State: StateDispatched, Timeline: []StatusEntry{
		{State: StateSubmitted, At: at}, {State: StateRated, At: at, Note: "评价：满意"}, {State: StateDispatched, At: at, Note: "已派单"}}}
	if err := st.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*Status){
		"kind of the number":  func(s *Status) { s.Kind = KindApplication },
		"application state":   func(s *Status) { s.State = StateIssued },
		"rated is no state":   func(s *Status) { s.State = StateRated },
		"receipt number":      func(s *Status) { s.Number = "P20261125-483920-0042" },
		"empty timeline":      func(s *Status) { s.Timeline = nil },
		"entry without time":  func(s *Status) { s.Timeline = []StatusEntry{{State: StateSubmitted}} },
		"entry with a CR":     func(s *Status) { s.Timeline = []StatusEntry{{State: StateSubmitted, At: at, Note: "a\rb"}} },
		"entry state garbage": func(s *Status) { s.Timeline = []StatusEntry{{State: "<b>", At: at}} },
	} {
		s := st
		change(&s)
		if err := s.Validate(); ErrorCode(err) != EINVALID {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ParseStatus([]byte(`{"number":"A20261125-483920-0001","kind":"application","state":"issued","timeline":[{"state":"submitted","at":"2026-11-25T09:00:00Z"}]}`)); err != nil {
		t.Errorf("ParseStatus: %v", err)
	}
	if _, err := ParseStatus([]byte(`{"number":"A20261125-483920-0001","kind":"application","state":"issued","timeline":[],"phone":"13800000000"}`)); err == nil {
		t.Error("ParseStatus accepted an unknown field")
	}
	for state, label := range map[string]string{StateSubmitted: "已提交", StateIssued: "已制证，待领取", StateRated: "已评价", "weird": "weird"} {
		if got := StateLabel(state); got != label {
			t.Errorf("StateLabel(%s) = %s", state, got)
		}
	}
	for n, kind := range map[string]string{"T20261125-WEB-0001": KindTicket, "A20261125-483920-0001": KindApplication, "P20261125-483920-0001": "", "x": ""} {
		if got, ok := ServiceNumberKind(n); got != kind || ok != (kind != "") {
			t.Errorf("ServiceNumberKind(%s) = %s, %v", n, got, ok)
		}
	}
	if !ValidSecret(NewSecret()) || ValidSecret("ABCDEFGH") || ValidSecret("abc") {
		t.Error("ValidSecret")
	}
}
