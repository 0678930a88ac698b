package bianmin

import (
	"strings"
	"time"
)

// Bill is the amount a household owes one biller (SPEC §2.6), as imported by
// officed and served to kiosks: online by lookup, offline from the "bills"
// class of the change feed. Both carry the holder masked (MaskName); only
// officed's own store holds the full name.
type Bill struct {
	Biller    string    `json:"biller"` // one of Billers' ids
	Account   string    `json:"account"`
	Holder    string    `json:"holder"`
	AmountFen int64     `json:"amount_fen"` // amount due, 1 fen to 100 000 yuan
	Period    string    `json:"period"`     // e.g. "2026-2027采暖季", "2026年10月"
	Updated   time.Time `json:"updated"`    // when officed imported it
}

// MaxBillFen bounds a bill, as Payment.Validate bounds what is due.
const MaxBillFen = 10_000_000

// BillKey is the key of a bill in the "bills" feed class: "<biller>/<account>".
func BillKey(biller, account string) string { return biller + "/" + account }

// Masked returns the bill with the holder's given name hidden (王*).
func (b Bill) Masked() Bill {
	b.Holder = MaskName(b.Holder)
	return b
}

// ValidAccount reports whether s can be an account number: 4–32 letters,
// digits or '-'. Payments carry the same form.
func ValidAccount(s string) bool { return accountPattern.MatchString(s) }

// BillerName returns the Chinese name of the biller with id.
func BillerName(id string) (string, bool) {
	for _, b := range Billers {
		if b.ID == id {
			return b.Name, true
		}
	}
	return "", false
}

// PayeeName is the Chinese name of what a payment pays: a biller's name, or
// 临时身份证工本费 for the temporary ID card's fee (biller "tempid"). Slips,
// officed's pages and the gateway's order subject all name it so.
func PayeeName(biller string) (string, bool) {
	if biller == "tempid" {
		return "临时身份证工本费", true
	}
	return BillerName(biller)
}

// Validate checks a bill; the messages name the field, never the holder.
func (b *Bill) Validate() error {
	switch {
	case !isBiller(b.Biller):
		return bad("bill", "biller", "%q is unknown", b.Biller)
	case !ValidAccount(b.Account):
		return bad("bill", "account", "must be 4–32 letters, digits or '-'")
	case strings.TrimSpace(b.Holder) == "" || !textOK(b.Holder, 30) || strings.ContainsAny(b.Holder, "\n\t"):
		return bad("bill", "holder", "must be 1–30 characters on one line")
	case b.AmountFen <= 0 || b.AmountFen > MaxBillFen:
		return bad("bill", "amount_fen", "must be 1 fen to 100 000 yuan")
	case strings.TrimSpace(b.Period) == "" || !textOK(b.Period, 20) || strings.ContainsAny(b.Period, "\n\t"):
		return bad("bill", "period", "must be 1–20 characters on one line")
	}
	return nil
}

// ParseBill decodes a bill (a lookup answer or a feed entry) strictly and
// validates it.
func ParseBill(data []byte) (Bill, error) {
	var b Bill
	if err := decodeStrict("bill", data, &b); err != nil {
		return Bill{}, err
	}
	return b, b.Validate()
}

// HouseholdQuery asks officed for the bills of one biller whose holder is a
// name read from an ID card (POST /api/v1/bills/household): the household
// lookup of SPEC §2.6. The name travels in the signed body, never in a URL.
type HouseholdQuery struct {
	Biller string `json:"biller"`
	Holder string `json:"holder"`
}

// MaxHousehold bounds the bills a household lookup answers with: a name
// shared by more households than that is no way to find one's own.
const MaxHousehold = 20

// Validate checks the query; the messages never quote the name.
func (q *HouseholdQuery) Validate() error {
	switch {
	case !isBiller(q.Biller):
		return bad("household", "biller", "%q is unknown", q.Biller)
	case strings.TrimSpace(q.Holder) == "" || !textOK(q.Holder, 30) || strings.ContainsAny(q.Holder, "\n\t"):
		return bad("household", "holder", "must be 1–30 characters on one line")
	}
	return nil
}

// Household is the answer to a HouseholdQuery: the bills, holders masked.
type Household struct {
	Bills []Bill `json:"bills"`
}

// ParseHousehold decodes a household answer strictly: at most MaxHousehold
// valid bills, each account once.
func ParseHousehold(data []byte) ([]Bill, error) {
	var h Household
	if err := decodeStrict("household", data, &h); err != nil {
		return nil, err
	}
	if len(h.Bills) > MaxHousehold {
		return nil, bad("household", "bills", "more than %d", MaxHousehold)
	}
	seen := map[string]bool{}
	for i := range h.Bills {
		if err := h.Bills[i].Validate(); err != nil {
			return nil, err
		}
		k := BillKey(h.Bills[i].Biller, h.Bills[i].Account)
		if seen[k] {
			return nil, bad("household", "bills", "an account is listed twice")
		}
		seen[k] = true
	}
	return h.Bills, nil
}
