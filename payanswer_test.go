package bianmin

import (
	"strings"
	"testing"
)

func TestParsePayResult(t *testing.T) {
	ok := `{"order":"P20261125-483920-0001","status":"success","message":"支付成功","gateway_ref":"SBX1","method":"wechat","amount_fen":1000}`
	if r, err := ParsePayResult([]byte(ok)); err != nil || r.Status != PaySuccess || r.AmountFen != 1000 {
		t.Fatalf("valid answer: %+v %v", r, err)
	}
	for name, body := range map[string]string{
		"unknown key":      strings.Replace(ok, `"message"`, `"paid":true,"message"`, 1),
		"unknown status":   strings.Replace(ok, `"success"`, `"ok"`, 1),
		"success, no way":  strings.Replace(ok, `"method":"wechat",`, ``, 1),
		"bad order":        strings.Replace(ok, `P20261125-483920-0001`, `T20261125-483920-0001`, 1),
		"negative amount":  strings.Replace(ok, `1000`, `-1`, 1),
		"trailing":         ok + `{}`,
		"not json":         `<html>`,
		"unknown provider": strings.Replace(ok, `wechat`, `paypal`, 1),
	} {
		if _, err := ParsePayResult([]byte(body)); err == nil || ErrorCode(err) != EINVALID {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

func TestParseHousehold(t *testing.T) {
	bill := `{"biller":"heating","account":"1200345678","holder":"王*","amount_fen":245000,"period":"2026-2027采暖季","updated":"2026-11-01T00:00:00Z"}`
	bills, err := ParseHousehold([]byte(`{"bills":[` + bill + `]}`))
	if err != nil || len(bills) != 1 || bills[0].AmountFen != 245000 {
		t.Fatalf("%+v %v", bills, err)
	}
	if bills, err := ParseHousehold([]byte(`{"bills":[]}`)); err != nil || len(bills) != 0 {
		t.Fatalf("empty household: %v %v", bills, err)
	}
	for name, body := range map[string]string{
		"twice":      `{"bills":[` + bill + `,` + bill + `]}`,
		"bad bill":   `{"bills":[` + strings.Replace(bill, `245000`, `0`, 1) + `]}`,
		"extra key":  `{"bills":[],"more":1}`,
		"not object": `[]`,
		"too many":   `{"bills":[` + strings.Repeat(bill+",", MaxHousehold) + bill + `]}`,
	} {
		if _, err := ParseHousehold([]byte(body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, q := range []HouseholdQuery{{Biller: "heat", Holder: "王五"}, {Biller: "heating", Holder: " "}, {Biller: "heating", Holder: "王\n五"}} {
		if err := q.Validate(); err == nil {
			t.Errorf("query %+v accepted", q)
		}
	}
	if err := (&HouseholdQuery{Biller: "heating", Holder: "王五"}).Validate(); err != nil {
		t.Error(err)
	}
}

func FuzzParsePayResult(f *testing.F) {
	f.Add([]byte(`{"order":"P20261125-483920-0001","status":"paying","message":"请在手机上确认支付","amount_fen":1000}`))
	f.Add([]byte(`{"order":"P20261125-483920-0001","status":"success","method":"alipay","amount_fen":1}`))
	f.Add([]byte(`{"order":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParsePayResult(data)
		if err != nil {
			return
		}
		if !ValidReceiptNumber(r.Order) || (r.Status == PaySuccess && r.Method == "") {
			t.Fatalf("accepted %+v", r)
		}
	})
}

func FuzzParseHousehold(f *testing.F) {
	f.Add([]byte(`{"bills":[{"biller":"water","account":"W-0042","holder":"李*","amount_fen":2550,"period":"2026年10月","updated":"2026-11-01T00:00:00Z"}]}`))
	f.Add([]byte(`{"bills":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		bills, err := ParseHousehold(data)
		if err != nil {
			return
		}
		for i := range bills {
			if bills[i].Validate() != nil {
				t.Fatalf("accepted an invalid bill %+v", bills[i])
			}
		}
	})
}
