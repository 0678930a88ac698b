package bianmin

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateIDNumber(t *testing.T) {
	today := time.Date(2025, 6, 30, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		name string
		id   string
		rule string // "" when valid; else the start of the message
	}{
		{"example with X", "11010519491231002X", ""},
		{"example", "360426199101010071", ""},
		{"lower-case x", "11010519491231002x", ""},
		{"surrounding blanks", " 360426199101010071\n", ""},
		{"Harbin", "230103198503121239", ""},
		{"Hong Kong permit", "810000199001011230", ""},
		{"Macao permit", "820000197505050025", ""},
		{"Taiwan permit", "830000198808080017", ""},
		{"foreigner 2023, Beijing", "911840198001010013", ""},
		{"foreigner 2023, Shanghai", "931840198001010017", ""},
		{"foreigner 2023, no such province", "971840198001010014", "ID number region"},
		{"example, wrong check digit", "360426199101010072", "ID number check digit"},
		{"X where a digit belongs", "36042619910101007X", "ID number check digit"},
		{"swapped digits", "360426199101010701", "ID number check digit"},
		{"17 characters", "36042619910101007", "ID number length: want 18 characters, got 17"},
		{"19 characters", "3604261991010100711", "ID number length: want 18 characters, got 19"},
		{"15-digit old number", "110105491231002", "ID number length"},
		{"empty", "", "ID number length: want 18 characters, got 0"},
		{"letter inside", "3604261991O1010071", "ID number characters"},
		{"X inside", "36042619910101X071", "ID number characters: X is allowed only as the last"},
		{"full-width digits", "３６０４２６１９９１０１０１００７１", "ID number characters"},
		{"other last letter", "11010519491231002Y", "ID number characters"},
		{"region 00", "000426199101010071", "ID number region: 00"},
		{"region 16", "160426199101010071", "ID number region: 16"},
		{"region 99", "990426199101010071", "ID number region"},
		{"region 72", "720426199101010071", "ID number region"},
		{"month 13", "360426199113010071", "ID number birth date: 19911301 is not a real date"},
		{"29 February, no leap year", "360426199102290071", "ID number birth date: 19910229 is not a real date"},
		{"day 00", "360426199101000071", "ID number birth date"},
		{"before 1900", "360426189912310071", "ID number birth date: 18991231 is before 1900"},
		{"tomorrow", "360426202507010071", "ID number birth date: 20250701 is in the future"},
		{"far future", "230103202601010013", "ID number birth date: 20260101 is in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateIDNumber(tc.id, today)
			if tc.rule == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID {
				t.Fatalf("err = %#v, want *Error with code %s", err, EINVALID)
			}
			if !strings.HasPrefix(e.Message, tc.rule) {
				t.Errorf("message %q, want it to start %q", e.Message, tc.rule)
			}
			if n := NormalizeIDNumber(tc.id); len(n) >= 6 && strings.Contains(e.Message, n) {
				t.Errorf("message %q repeats the number", e.Message)
			}
		})
	}
}

// Today's and leap-day dates: the limits of the birth-date rule.
func TestValidateIDNumberDates(t *testing.T) {
	with := func(birth string) string {
		first := "360426" + birth + "007"
		c, ok := IDCheckChar(first)
		if !ok {
			t.Fatalf("IDCheckChar(%q) not ok", first)
		}
		return first + string(c)
	}
	today := time.Date(2024, 2, 29, 23, 59, 0, 0, time.Local)
	for _, tc := range []struct {
		name, birth string
		ok          bool
	}{
		{"born today", "20240229", true},
		{"leap day", "20000229", true},
		{"1900-01-01", "19000101", true},
		{"1899-12-31", "18991231", false},
		{"tomorrow", "20240301", false},
		{"1900 was no leap year", "19000229", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateIDNumber(with(tc.birth), today)
			if (err == nil) != tc.ok {
				t.Errorf("err = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestValidateIDNumberUsesTheClock(t *testing.T) {
	if err := ValidateIDNumber("11010519491231002X"); err != nil {
		t.Errorf("ValidateIDNumber: %v", err)
	}
	if err := ValidateIDNumber("230103299912311232"); err == nil {
		t.Error("born in 2999 accepted")
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"11010519491231002x", "11010519491231002X"},
		{"  360426199101010071 ", "360426199101010071"},
		{"", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := NormalizeIDNumber(tc.in); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIDCheckChar(t *testing.T) {
	for _, tc := range []struct {
		first17 string
		want    byte
		ok      bool
	}{
		{"11010519491231002", 'X', true},
		{"36042619910101007", '1', true},
		{"00000000000000000", '1', true},
		{"1101051949123100", 0, false},
		{"1101051949123100a", 0, false},
	} {
		t.Run(tc.first17, func(t *testing.T) {
			c, ok := IDCheckChar(tc.first17)
			if c != tc.want || ok != tc.ok {
				t.Errorf("got %q %v, want %q %v", c, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzValidateIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "360426199101010071", "360426199101010072", "11010519491231002x",
		"", "X", "990426199101010071", "360426199113010071", "３６０４２６１９９１０１０１００７１"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := ValidateIDNumber(id)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || e.Message == "" {
				t.Fatalf("%q: error %#v is not an EINVALID *Error", id, err)
			}
			return
		}
		n := NormalizeIDNumber(id)
		if len(n) != 18 {
			t.Fatalf("%q accepted with length %d", id, len(n))
		}
		want, ok := IDCheckChar(n[:17])
		if !ok || n[17] != want {
			t.Fatalf("%q accepted with check character %c, want %c", id, n[17], want)
		}
		if !provinces[n[:2]] {
			t.Fatalf("%q accepted with region %s", id, n[:2])
		}
		if _, err := time.Parse("20060102", n[6:14]); err != nil {
			t.Fatalf("%q accepted with birth %s", id, n[6:14])
		}
	})
}
