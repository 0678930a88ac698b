package bianmin

import (
	"fmt"
	"strings"
)

// Sample returns valid record data of kind for record seq, shaped like what
// the kiosk's services queue: the synthetic load of `kioskctl loadgen` and of
// the test kiosks. number gives the public number with a prefix (T, A or P);
// lastTicket is the record id a rating links to ("" rates a guide instead).
// The personal data in it is fake but valid (SampleIDNumber, SamplePhone).
// dataBytes pads the kinds that have room toward that size of JSON.
func Sample(kind string, seq int64, number func(prefix byte) string, lastTicket string, dataBytes int) RecordData {
	switch kind {
	case KindTicket:
		cat := ReportCategories[int(seq)%len(ReportCategories)]
		t := &Ticket{Number: number('T'), Secret: NewSecret(), Category: cat,
			Community: "huayuan", Building: "3", Unit: "2单元", Room: "501",
			Phrases: []string{ReportPhrases[cat][0]}, Phone: SamplePhone, Channel: "kiosk"}
		for left := dataBytes - 300; left > 0 && len(t.Phrases) < 10; left -= 120 {
			t.Phrases = append(t.Phrases, strings.Repeat("补", 40))
		}
		return t
	case KindApplication:
		return &Application{Number: number('A'), Secret: NewSecret(), IDNumber: SampleIDNumber,
			Name: SampleName, Source: "card", Reason: ApplicationReasons[int(seq)%len(ApplicationReasons)],
			Phone: SamplePhone, FeeFen: TempIDFeeFen, Payment: number('P')}
	case KindPayment:
		p := &Payment{Receipt: number('P'), Biller: Billers[int(seq)%len(Billers)].ID,
			Account: fmt.Sprintf("%08d", seq), Period: "2026年11月", DueFen: 4250, Secret: NewSecret()}
		if seq%2 == 0 {
			p.Method, p.PaidFen, p.Credit, p.Notes = "cash", 5000, 750, []int64{2000, 2000, 1000}
		} else {
			p.Method, p.PaidFen, p.Gateway = "wechat", 4250, "sandbox"
		}
		return p
	case KindPaymentIncomplete:
		return &PaymentIncomplete{Receipt: number('P'), Biller: "heating", Account: fmt.Sprintf("%08d", seq),
			PaidFen: 2000, Method: "cash", Reason: "断电，业务未完成"}
	case KindRating:
		r := &Rating{Record: lastTicket, Service: KindTicket, Level: 1 + int(seq)%5, Reasons: []string{"办理快"}}
		if r.Record == "" {
			r.Record, r.Service = "dibao-apply", "guide"
		}
		return r
	case KindDeviceEvent:
		return &DeviceEvent{Device: "printer", Event: "paper_near_end",
			Detail: strings.Repeat("纸", min(200, max(0, dataBytes-80)/3))}
	case KindCashCollected:
		return &CashCollected{Notes: 12, Coins: 3, TotalFen: 62300, ByValue: map[string]int{"5000": 12, "100": 3}, Staff: "收款员"}
	}
	return nil
}

// Fake personal data in Sample's records: a log that contains any of them
// leaked record data.
const (
	SamplePhone = "13912345678"
	SampleName  = "欧阳娜娜"
)

// SampleIDNumber is a valid ID number (GB 11643 check digit included).
var SampleIDNumber = func() string {
	const first17 = "23010219800101123"
	c, _ := IDCheckChar(first17)
	return first17 + string(c)
}()
