package cctalk

import (
	"errors"
	"fmt"
)

// ErrBillID is a reply to request bill id (157) that is no bill id.
var ErrBillID = errors.New("cctalk: malformed bill id")

// BillID is the answer to request bill id (157), e.g. "CN0020A": a country
// code, the value in whole units of its currency, and an issue letter. A
// validator answers "......." for a bill type it has no bill for.
type BillID struct {
	Country string // "CN"
	Value   int    // 20 for "CN0020A": 20 元
	Issue   byte   // 'A'
}

// NoBill is the id of an unused bill type.
const NoBill = "......."

// ParseBillID reads a bill id. NoBill gives the zero BillID and no error.
func ParseBillID(s string) (BillID, error) {
	if s == NoBill {
		return BillID{}, nil
	}
	if len(s) != 7 || !upper(s[0]) || !upper(s[1]) {
		return BillID{}, fmt.Errorf("%w %q", ErrBillID, s)
	}
	v := 0
	for _, c := range []byte(s[2:6]) {
		if c < '0' || c > '9' {
			return BillID{}, fmt.Errorf("%w %q", ErrBillID, s)
		}
		v = 10*v + int(c-'0')
	}
	if s[6] <= ' ' || s[6] > '~' {
		return BillID{}, fmt.Errorf("%w %q", ErrBillID, s)
	}
	return BillID{Country: s[:2], Value: v, Issue: s[6]}, nil
}

func upper(c byte) bool { return c >= 'A' && c <= 'Z' }

// String is the 7-character id; NoBill for the zero BillID.
func (id BillID) String() string {
	if id.Country == "" {
		return NoBill
	}
	return fmt.Sprintf("%s%04d%c", id.Country, id.Value, id.Issue)
}
