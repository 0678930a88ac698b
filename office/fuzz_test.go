package office_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

// FuzzParseBillsCSV: whatever the file, the parser either reports bad lines
// (with line numbers within the file) or returns only valid, distinct bills.
func FuzzParseBillsCSV(f *testing.F) {
	for _, seed := range []string{
		"account,holder,amount_fen,period\nHR-1001,王小明,245000,2026-2027采暖季\n",
		"\ufeffaccount,holder,amount_fen,period\r\nHR-1001,\"李,四\",1,p\r\n\r\n",
		"account,holder,amount_fen,period\nHR-1001,a,1,p\nHR-1001,b,2,q\nx,,0,\n",
		"account,holder,amount_fen,period\nG-0001,\"张三,100,2026\n",
		"account,holder,amount_fen,period\nG-0001,\xd5\xc5,100,2026\n",
		"", "\n\n\n", "a,b\n\"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bills, err := office.ParseBillsCSV(bytes.NewReader(data), "heating")
		var rows office.RowErrors
		if err != nil {
			if !errors.As(err, &rows) || len(rows) == 0 || bills != nil {
				t.Fatalf("error %v (%T) with %d bills", err, err, len(bills))
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			for _, r := range rows {
				if r.Line < 1 || r.Line > lines+1 || r.Message == "" {
					t.Fatalf("row error %+v in a file of %d lines", r, lines)
				}
			}
			return
		}
		if err := office.ValidateBills("heating", bills); err != nil || len(bills) == 0 {
			t.Fatalf("accepted %d bills that do not validate: %v", len(bills), err)
		}
	})
}

// FuzzDecodeRecord: record data from the network never panics the decoder,
// and what it accepts survives a round trip and is valid.
func FuzzDecodeRecord(f *testing.F) {
	k := &officetest.Kiosk{Now: func() time.Time { return officetest.T0 }}
	for i, kind := range officetest.Kinds() {
		r := k.Record(kind, k.SampleData(kind, int64(i+1), 100))
		f.Add(kind, []byte(r.Data))
	}
	for _, b := range k.BadRecords() {
		f.Add(b.Record.Kind, []byte(b.Record.Data))
	}
	f.Add("ticket", []byte(`{"number":"T20261125-483920-0001","secret":"abcdefgh","category":"供水","community":"c","phrases":["\u0000"],"phone":"13800000000","channel":"kiosk"}`))
	f.Fuzz(func(t *testing.T, kind string, data []byte) {
		d, err := office.DecodeRecord(wire.Record{ID: "0190a1b2-0000-7000-8000-000000000000", Kind: kind, Data: data})
		if err != nil {
			var re *office.RecordError
			if !errors.As(err, &re) || bianmin.ErrorCode(err) != bianmin.EINVALID {
				t.Fatalf("error %v is no EINVALID *RecordError", err)
			}
			return
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := office.DecodeRecord(wire.Record{Kind: kind, Data: again}); err != nil {
			t.Fatalf("accepted data does not decode again: %v\n%s", err, again)
		}
	})
}
