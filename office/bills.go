package office

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin"
)

// BillService holds the bills residents pay at kiosks (SPEC §2.6).
type BillService interface {
	// ReplaceBills makes bills the whole set of biller's bills, in one
	// transaction: each gets Updated = at, accounts not in bills are
	// removed, and every change is put on the feed (ClassBills, BillItem)
	// so kiosks hold the same set for offline lookups. Other billers' bills
	// are untouched. A bill that fails Validate, of another biller or with
	// an account given twice is EINVALID and changes nothing.
	ReplaceBills(ctx context.Context, biller string, bills []bianmin.Bill, at time.Time) error
	// Bill returns the current bill of an account, holder unmasked.
	// ENOTFOUND when there is none.
	Bill(ctx context.Context, biller, account string) (bianmin.Bill, error)
	// HouseholdBills returns biller's bills whose holder is exactly holder
	// (the name read from an ID card), holders unmasked, by account; at
	// most limit of them. None is an empty list, not an error.
	HouseholdBills(ctx context.Context, biller, holder string, limit int) ([]bianmin.Bill, error)
}

// ValidateBills checks bills for ReplaceBills; every store refuses the same.
func ValidateBills(biller string, bills []bianmin.Bill) error {
	if _, ok := bianmin.BillerName(biller); !ok {
		return bianmin.Errorf(bianmin.EINVALID, "bills: unknown biller %q", biller)
	}
	seen := make(map[string]bool, len(bills))
	for i := range bills {
		b := &bills[i]
		if b.Biller != biller {
			return bianmin.Errorf(bianmin.EINVALID, "bills[%d]: biller %q, want %q", i, b.Biller, biller)
		}
		if err := b.Validate(); err != nil {
			return bianmin.Errorf(bianmin.EINVALID, "bills[%d]: %v", i, err)
		}
		if seen[b.Account] {
			return bianmin.Errorf(bianmin.EINVALID, "bills[%d]: account %s given twice", i, b.Account)
		}
		seen[b.Account] = true
	}
	return nil
}

// BillItem is the feed entry of a bill: keyed "<biller>/<account>", the bill
// with the holder masked as data.
func BillItem(b bianmin.Bill) (Item, error) {
	data, err := json.Marshal(b.Masked())
	if err != nil {
		return Item{}, err
	}
	return Item{Key: bianmin.BillKey(b.Biller, b.Account), Data: data}, nil
}

// BillsHeader is the exact header line of a bills CSV file.
const BillsHeader = "account,holder,amount_fen,period"

// RowError is one bad line of an imported file.
type RowError struct {
	Line    int // 1-based, the header is line 1
	Message string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Message) }

// RowErrors are every bad line of a file, in line order.
type RowErrors []RowError

func (es RowErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// maxBillsFile bounds an imported file: a street office's biggest biller
// (heating) has tens of thousands of households, far below this.
const maxBillsFile = 64 << 20

// ParseBillsCSV reads a bills file of biller: UTF-8 (a leading byte-order
// mark, as Excel writes, is allowed), the header exactly BillsHeader, then
// one bill per line. It reads the whole file and reports every bad line as
// RowErrors; bills are returned only when there is none, so a caller can
// never import half a file. Messages quote no holder names.
func ParseBillsCSV(r io.Reader, biller string) ([]bianmin.Bill, error) {
	if _, ok := bianmin.BillerName(biller); !ok {
		return nil, bianmin.Errorf(bianmin.EINVALID, "unknown biller %q", biller)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxBillsFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBillsFile {
		return nil, bianmin.Errorf(bianmin.EINVALID, "file is larger than %d MiB", maxBillsFile>>20)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1 // counted per row below, so every row is reported
	cr.ReuseRecord = true
	var (
		bills   []bianmin.Bill
		errs    RowErrors
		header  = true
		byAcct  = map[string]int{}
		badLine = func(line int, format string, args ...any) {
			errs = append(errs, RowError{Line: line, Message: fmt.Sprintf(format, args...)})
		}
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader cannot resynchronise after a broken quote; report
			// it and what was found so far.
			badLine(pe.StartLine, "not valid CSV: %v", pe.Err)
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if header {
			header = false
			if strings.Join(rec, ",") != BillsHeader {
				badLine(line, "the header must be exactly %q", BillsHeader)
				break // without the right columns no row can be read
			}
			continue
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != 4 {
			badLine(line, "want 4 fields (account, holder, amount_fen, period), got %d", len(rec))
			continue
		}
		joined := strings.Join(rec, "")
		if !utf8.ValidString(joined) {
			badLine(line, "is not UTF-8 text (save the file as \"CSV UTF-8\")")
			continue
		}
		b := bianmin.Bill{Biller: biller, Account: strings.TrimSpace(rec[0]), Holder: strings.TrimSpace(rec[1]), Period: strings.TrimSpace(rec[3])}
		amount := strings.TrimSpace(rec[2])
		n, err := strconv.ParseInt(amount, 10, 64)
		if err != nil || strconv.FormatInt(n, 10) != amount {
			badLine(line, "amount_fen must be a whole number of fen (分), e.g. 245000 for 2450 元")
			continue
		}
		b.AmountFen = n
		if err := b.Validate(); err != nil {
			badLine(line, "%s", strings.TrimPrefix(err.Error(), "bill: "))
			continue
		}
		if first, dup := byAcct[b.Account]; dup {
			badLine(line, "account %s is already on line %d", b.Account, first)
			continue
		}
		byAcct[b.Account] = line
		bills = append(bills, b)
	}
	if header {
		badLine(1, "the file is empty; the first line must be %q", BillsHeader)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(bills) == 0 {
		return nil, RowErrors{{Line: 2, Message: "the file has no bills; importing it would remove every bill of the biller"}}
	}
	return bills, nil
}
