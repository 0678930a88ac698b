package office_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
)

var codePattern = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`)

func TestEnrollCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		c := office.NewEnrollCode()
		if !codePattern.MatchString(c) || seen[c] {
			t.Fatalf("code %q (repeat: %v)", c, seen[c])
		}
		seen[c] = true
		if _, ok := office.HashEnrollCode(c); !ok {
			t.Fatalf("HashEnrollCode refuses %q", c)
		}
	}
	want, _ := office.HashEnrollCode("7KQ4-M2XD-01TB")
	for _, typed := range []string{"7kq4-m2xd-01tb", "7KQ4M2XD01TB", " 7KQ4 M2XD OITB ", "7KQ4-M2XD-0LTB", "7kq4-m2xd-oltb"} {
		if got, ok := office.HashEnrollCode(typed); !ok || got != want {
			t.Errorf("%q does not hash like 7KQ4-M2XD-01TB", typed)
		}
	}
	for _, bad := range []string{"", "7KQ4-M2XD-01T", "7KQ4-M2XD-01TBX", "7KQ4-M2XD-01TU", "7KQ4-M2XD-01T!", "７KQ4-M2XD-01TB", "7KQ4_M2XD_01TB"} {
		if _, ok := office.HashEnrollCode(bad); ok {
			t.Errorf("HashEnrollCode accepts %q", bad)
		}
	}
}

func FuzzHashEnrollCode(f *testing.F) {
	for _, s := range []string{"7KQ4-M2XD-01TB", "", "OIL-oil-0000-00", "７KQ4", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sum, ok := office.HashEnrollCode(s)
		if !ok {
			return
		}
		// Whatever is accepted has a canonical form that hashes the same.
		var canon strings.Builder
		for _, r := range strings.ToUpper(s) {
			switch r {
			case '-', ' ':
				continue
			case 'O':
				r = '0'
			case 'I', 'L':
				r = '1'
			}
			canon.WriteRune(r)
		}
		if again, ok := office.HashEnrollCode(canon.String()); !ok || again != sum {
			t.Errorf("%q accepted but its canonical form %q hashes differently", s, canon.String())
		}
	})
}

func TestKioskIDs(t *testing.T) {
	pattern := regexp.MustCompile(`^K[0-9A-HJKMNP-TV-Z]{26}$`)
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	prev := ""
	for i := 0; i < 100; i++ {
		id := office.NewKioskID(t0.Add(time.Duration(i) * time.Millisecond))
		if !pattern.MatchString(id) {
			t.Fatalf("id %q", id)
		}
		if id <= prev {
			t.Fatalf("ids do not sort by time: %s after %s", id, prev)
		}
		prev = id
	}
	// The time prefix is the ULID encoding of the milliseconds.
	if id := office.NewKioskID(time.UnixMilli(0)); !strings.HasPrefix(id, "K0000000000") {
		t.Errorf("id at the epoch %q", id)
	}
	if a, b := office.NewKioskID(t0), office.NewKioskID(t0); a == b {
		t.Error("two ids in the same millisecond are equal")
	}
}

func TestValidKioskName(t *testing.T) {
	for _, ok := range []string{"花园街道服务大厅 1号机", "A", strings.Repeat("机", 64)} {
		if err := office.ValidKioskName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "   ", "a\tb", "a\nb", strings.Repeat("机", 65), "\xff"} {
		if err := office.ValidKioskName(bad); bianmin.ErrorCode(err) != bianmin.EINVALID {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
