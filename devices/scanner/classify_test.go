package scanner_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"bianmin/devices/scanner"
)

const base = "https://bianmin.example.cn"

// num is n digits starting with prefix.
func num(prefix string, n int) string {
	s := prefix
	for i := 0; len(s) < n; i++ {
		s += string(rune('0' + (i*7+3)%10))
	}
	return s[:n]
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   string
		base   string
		want   scanner.Class
		number string
		secret string
	}{
		{name: "wechat 10", code: num("10", 18), want: scanner.ClassWeChat},
		{name: "wechat 13", code: wechat, want: scanner.ClassWeChat},
		{name: "wechat 15", code: num("15", 18), want: scanner.ClassWeChat},
		{name: "wechat 17 digits", code: num("13", 17), want: scanner.ClassOther},
		{name: "wechat 19 digits", code: num("13", 19), want: scanner.ClassOther},
		{name: "09 prefix", code: num("09", 18), want: scanner.ClassOther},
		{name: "16 prefix", code: num("16", 18), want: scanner.ClassOther},
		{name: "wechat with a letter", code: num("13", 17) + "x", want: scanner.ClassOther},
		{name: "wechat full-width digit", code: num("13", 17) + "９", want: scanner.ClassOther},
		{name: "wechat negative", code: "-" + num("13", 17), want: scanner.ClassOther},

		{name: "alipay 16 digits 25", code: num("25", 16), want: scanner.ClassAlipay},
		{name: "alipay 24 digits 30", code: num("30", 24), want: scanner.ClassAlipay},
		{name: "alipay 18 digits 28", code: num("28", 18), want: scanner.ClassAlipay},
		{name: "alipay 15 digits", code: num("25", 15), want: scanner.ClassOther},
		{name: "alipay 25 digits", code: num("30", 25), want: scanner.ClassOther},
		{name: "24 prefix", code: num("24", 18), want: scanner.ClassOther},
		{name: "31 prefix", code: num("31", 18), want: scanner.ClassOther},
		{name: "31 prefix 16 digits", code: num("31", 16), want: scanner.ClassOther},

		{name: "trailing spaces", code: wechat + "  ", want: scanner.ClassWeChat},
		{name: "leading space", code: " " + num("26", 20), want: scanner.ClassAlipay},
		{name: "space inside", code: num("13", 9) + " " + num("5", 9), want: scanner.ClassOther},
		{name: "empty", code: "", want: scanner.ClassOther},
		{name: "one digit", code: "1", want: scanner.ClassOther},
		{name: "text", code: "hello", want: scanner.ClassOther},

		{name: "slip", code: base + "/status/T20261125-0001?s=ab12", base: base,
			want: scanner.ClassSlip, number: "T20261125-0001", secret: "ab12"},
		{name: "slip with trailing spaces", code: base + "/status/T20261125-0001?s=ab12  ", base: base,
			want: scanner.ClassSlip, number: "T20261125-0001", secret: "ab12"},
		{name: "slip without secret", code: base + "/status/T20261125-0001", base: base, want: scanner.ClassOther},
		{name: "slip with empty secret", code: base + "/status/T20261125-0001?s=", base: base, want: scanner.ClassOther},
		{name: "slip with two secrets", code: base + "/status/T1?s=a&s=b", base: base, want: scanner.ClassOther},
		{name: "slip with odd secret", code: base + "/status/T1?s=a%2Fb", base: base, want: scanner.ClassOther},
		{name: "slip with other parameters", code: base + "/status/A7?lang=zh&s=Zz_9-", base: base,
			want: scanner.ClassSlip, number: "A7", secret: "Zz_9-"},
		{name: "slip without number", code: base + "/status/?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip with sub-path", code: base + "/status/T1/x?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip with trailing slash", code: base + "/status/T1/?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip escaped slash", code: base + "/status/..%2Fadmin?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip with fragment", code: base + "/status/T1?s=ab12#x", base: base, want: scanner.ClassOther},
		{name: "slip with user", code: "https://u@bianmin.example.cn/status/T1?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip host case", code: "https://BianMin.Example.CN/status/T1?s=ab12", base: base,
			want: scanner.ClassSlip, number: "T1", secret: "ab12"},
		{name: "slip default port", code: "https://bianmin.example.cn:443/status/T1?s=ab12", base: base,
			want: scanner.ClassSlip, number: "T1", secret: "ab12"},
		{name: "slip http for https base", code: "http://bianmin.example.cn/status/T1?s=ab12", base: base,
			want: scanner.ClassSlip, number: "T1", secret: "ab12"},
		{name: "slip other port", code: "https://bianmin.example.cn:8443/status/T1?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip wrong host", code: "https://evil.example.cn/status/T1?s=ab12", base: base, want: scanner.ClassOther},
		{name: "slip host suffix", code: "https://bianmin.example.cn.evil.cn/status/T1?s=ab12", base: base, want: scanner.ClassOther},
		{name: "same host other path", code: base + "/guides/dibao-apply", base: base, want: scanner.ClassOther},
		{name: "same host report form", code: base + "/report?s=ab12", base: base, want: scanner.ClassOther},
		{name: "other scheme", code: "ftp://bianmin.example.cn/status/T1?s=ab12", base: base, want: scanner.ClassOther},
		{name: "no slip base", code: base + "/status/T1?s=ab12", base: "", want: scanner.ClassOther},
		{name: "bad slip base", code: base + "/status/T1?s=ab12", base: "bianmin.example.cn", want: scanner.ClassOther},
		{name: "base with port", code: "http://127.0.0.1:8080/status/T20261125-0001?s=ab12", base: "http://127.0.0.1:8080",
			want: scanner.ClassSlip, number: "T20261125-0001", secret: "ab12"},
		{name: "base with path", code: "https://x.cn/office/status/T1?s=ab12", base: "https://x.cn/office/",
			want: scanner.ClassSlip, number: "T1", secret: "ab12"},
		{name: "base path missing", code: "https://x.cn/status/T1?s=ab12", base: "https://x.cn/office", want: scanner.ClassOther},
		{name: "digits win over base", code: wechat, base: base, want: scanner.ClassWeChat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scanner.Classify(tc.code, tc.base); got != tc.want {
				t.Errorf("Classify(%q, %q) = %v, want %v", tc.code, tc.base, got, tc.want)
			}
			number, secret, ok := scanner.ParseSlip(tc.code, tc.base)
			if ok != (tc.want == scanner.ClassSlip) || number != tc.number || secret != tc.secret {
				t.Errorf("ParseSlip = %q, %q, %v; want %q, %q", number, secret, ok, tc.number, tc.secret)
			}
		})
	}
}

func TestClassNames(t *testing.T) {
	for c, name := range map[scanner.Class]string{scanner.ClassWeChat: "wechat", scanner.ClassAlipay: "alipay",
		scanner.ClassSlip: "slip", scanner.ClassOther: "other"} {
		j, err := json.Marshal(c)
		if c.String() != name || err != nil || string(j) != `"`+name+`"` {
			t.Errorf("%d: String %q, JSON %s %v; want %q", int(c), c, j, err, name)
		}
		if c.Payment() != (c == scanner.ClassWeChat || c == scanner.ClassAlipay) {
			t.Errorf("%v.Payment() = %v", c, c.Payment())
		}
	}
	if _, err := json.Marshal(scanner.Class(9)); err == nil {
		t.Error("an unknown class marshalled")
	}
}

// A payment code must not be printable whole from a Scan, whichever way it is
// logged.
func TestScanMasksCodes(t *testing.T) {
	slipURL := base + "/status/T20261125-0001?s=ab12cd34"
	for _, tc := range []struct {
		name   string
		scan   scanner.Scan
		secret string // must not appear
		shown  string // must appear
	}{
		{"wechat", scanner.Scan{Code: wechat, Class: scanner.ClassWeChat}, "1345678901234", "6789"},
		{"alipay", scanner.Scan{Code: num("28", 20), Class: scanner.ClassAlipay}, num("28", 16), num("28", 20)[16:]},
		{"other", scanner.Scan{Code: "SECRETCODE-4242", Class: scanner.ClassOther}, "SECRETCODE", "4242"},
		{"short other", scanner.Scan{Code: "12345678", Class: scanner.ClassOther}, "5678", "********"},
		{"slip", scanner.Scan{Code: slipURL, Class: scanner.ClassSlip, Number: "T20261125-0001", Secret: "ab12cd34"},
			"ab12cd34", "T20261125-0001"},
		{"error", scanner.Scan{Err: fmt.Errorf("%w (over 512 bytes)", scanner.ErrTooLong)}, "\x00", "too long"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			slog.New(slog.NewJSONHandler(&logged, nil)).Info("scan", "scan", tc.scan)
			slog.New(slog.NewTextHandler(&logged, nil)).Info("scan", "scan", tc.scan)
			for _, out := range []string{
				tc.scan.String(), fmt.Sprint(tc.scan), fmt.Sprintf("%v %+v %#v %s", tc.scan, tc.scan, tc.scan, tc.scan),
				fmt.Sprint(&tc.scan), logged.String(),
			} {
				if strings.Contains(out, tc.secret) {
					t.Errorf("%q shows %q", out, tc.secret)
				}
				if !strings.Contains(out, tc.shown) {
					t.Errorf("%q does not show %q", out, tc.shown)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  scanner.Config
		want string // substring of the error; "" for valid
	}{
		{"defaults", scanner.Config{Port: "/dev/ttyUSB0"}, ""},
		{"slip base", scanner.Config{Port: "/dev/ttyUSB0", SlipBase: base}, ""},
		{"no port", scanner.Config{}, "no port name"},
		{"bad baud", scanner.Config{Port: "p", Baud: 1234}, "baud 1234"},
		{"bad suffix", scanner.Config{Port: "p", Suffix: 5}, "unknown suffix"},
		{"bad slip base", scanner.Config{Port: "p", SlipBase: "example.cn/x"}, "slip base"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
			if tc.want == "slip base" && !errors.Is(err, scanner.ErrConfig) {
				t.Errorf("%v is not ErrConfig", err)
			}
		})
	}
}
