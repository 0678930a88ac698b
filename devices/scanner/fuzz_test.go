package scanner_test

import (
	"errors"
	"math/rand/v2"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"bianmin/devices/scanner"
)

// refLines is a second, simpler reading of the line rules for bytes that all
// arrive at once: split at CR, LF and CR LF, skip empty lines, and fail a line
// for its first fault (a byte outside printable ASCII, or running past max).
// An unterminated tail is still in progress and yields nothing.
func refLines(data []byte, max int) []want {
	var out []want
	var cur []byte
	var fault error
	n := 0
	afterCR := false
	for _, b := range data {
		if b == '\n' && afterCR {
			afterCR = false
			continue
		}
		afterCR = b == '\r'
		if b == '\r' || b == '\n' {
			if n > 0 {
				out = append(out, want{text: string(cur), err: fault})
			}
			cur, fault, n = nil, nil, 0
			continue
		}
		n++
		if fault == nil {
			switch {
			case b < 0x20 || b > 0x7E:
				fault = scanner.ErrGarbage
			case n > max:
				fault = scanner.ErrTooLong
			}
		}
		if fault == nil {
			cur = append(cur, b)
		}
	}
	return out
}

func asWants(ls []scanner.Line) []want {
	var out []want
	for _, l := range ls {
		w := want{text: l.Text}
		for _, e := range []error{scanner.ErrGarbage, scanner.ErrTooLong, scanner.ErrPartial} {
			if errors.Is(l.Err, e) {
				w.err = e
			}
		}
		if l.Err != nil && w.err == nil {
			w.err = l.Err
		}
		if w.err != nil {
			w.text = "" // the reference keeps the good prefix; the reader drops it
		}
		out = append(out, w)
	}
	return out
}

func refWants(data []byte, max int) []want {
	ws := refLines(data, max)
	for i := range ws {
		if ws[i].err != nil {
			ws[i].text = ""
		}
	}
	return ws
}

// FuzzLineReader feeds arbitrary bytes whole, byte by byte and in chunks sized
// by seed: no panic, every line valid, and the same lines every way as the
// reference. Then again with gaps that may exceed the inter-character timeout:
// still no panic and only valid lines.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte(wechat+"\r"), uint64(1), uint16(0))
	f.Add([]byte("a\rb\nc\r\nd\r\n\r\n\n\r"), uint64(2), uint16(0))
	f.Add([]byte("\x00\xff\x1b\x80\x7f\r"+wechat+"\n"), uint64(3), uint16(0))
	f.Add([]byte(strings.Repeat("9", 600)+"\r\n1\r"), uint64(4), uint16(0))
	f.Add([]byte("abcd\rabcde\r"), uint64(5), uint16(4))
	f.Add([]byte("https://x.cn/status/T1?s=ab\r12"), uint64(6), uint16(32))
	const interChar = 100 * time.Millisecond
	f.Fuzz(func(t *testing.T, data []byte, seed uint64, maxLen uint16) {
		max := int(maxLen)
		if max == 0 {
			max = scanner.DefaultMaxLen
		}
		valid := func(ls []scanner.Line) {
			for _, l := range ls {
				if l.Err != nil {
					if l.Text != "" {
						t.Fatalf("failed line %v carries text", l.Err)
					}
					continue
				}
				if l.Text == "" || len(l.Text) > max {
					t.Fatalf("line of %d bytes, max %d", len(l.Text), max)
				}
				for i := 0; i < len(l.Text); i++ {
					if c := l.Text[i]; c < 0x20 || c > 0x7E {
						t.Fatalf("line holds byte %#x", c)
					}
				}
			}
		}
		want := refWants(data, max)

		whole := scanner.NewLineReader(max, interChar).Feed(data, t0)
		valid(whole)
		if got := asWants(whole); !reflect.DeepEqual(got, want) {
			t.Fatalf("whole:\n%v\nreference:\n%v", got, want)
		}

		r := rand.New(rand.NewPCG(seed, seed>>32))
		for _, how := range []string{"byte by byte", "chunks within the timeout"} {
			lr := scanner.NewLineReader(max, interChar)
			var got []scanner.Line
			now := t0
			for rest := data; len(rest) > 0; {
				k := 1
				if how != "byte by byte" {
					k = 1 + r.IntN(len(rest))
					now = now.Add(time.Duration(r.Int64N(int64(interChar) + 1)))
				}
				got = append(got, lr.Feed(rest[:k], now)...)
				rest = rest[k:]
			}
			valid(got)
			if g := asWants(got); !reflect.DeepEqual(g, want) {
				t.Fatalf("%s:\n%v\nreference:\n%v", how, g, want)
			}
		}

		// Gaps past the timeout cut lines short, never into invalid ones.
		lr := scanner.NewLineReader(max, interChar)
		now := t0
		for rest := data; len(rest) > 0; {
			k := 1 + r.IntN(len(rest))
			now = now.Add(time.Duration(r.Int64N(int64(2 * interChar))))
			ls := lr.Feed(rest[:k], now)
			if l, ok := lr.Expire(now.Add(time.Duration(r.Int64N(int64(2 * interChar))))); ok {
				ls = append(ls, l)
			}
			valid(ls)
			rest = rest[k:]
		}
	})
}

// FuzzClassify: no panic, classes as documented, blanks around a code change
// nothing, and a slip's number and secret make the same slip again.
func FuzzClassify(f *testing.F) {
	f.Add(wechat, base)
	f.Add(num("30", 24), base)
	f.Add(base+"/status/T20261125-0001?s=ab12", base)
	f.Add("http://127.0.0.1:8080/office/status/A1?x=1&s=Z", "http://127.0.0.1:8080/office/")
	f.Add("https://u@h/status/1?s=1#f", "https://h")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, code, slipBase string) {
		c := scanner.Classify(code, slipBase)
		if c.String() == "" || strings.HasPrefix(c.String(), "Class(") {
			t.Fatalf("class %d", int(c))
		}
		if c2 := scanner.Classify(" "+code+" \t", slipBase); c2 != c {
			t.Fatalf("padded: %v, bare: %v", c2, c)
		}
		trimmed := strings.TrimSpace(code)
		allDigits := trimmed != "" && strings.Trim(trimmed, "0123456789") == ""
		switch c {
		case scanner.ClassWeChat:
			if !allDigits || len(trimmed) != 18 || trimmed[:2] < "10" || trimmed[:2] > "15" {
				t.Fatalf("%q taken for WeChat", code)
			}
		case scanner.ClassAlipay:
			if !allDigits || len(trimmed) < 16 || len(trimmed) > 24 || trimmed[:2] < "25" || trimmed[:2] > "30" {
				t.Fatalf("%q taken for Alipay", code)
			}
		}
		number, secret, ok := scanner.ParseSlip(code, slipBase)
		if ok != (c == scanner.ClassSlip) {
			t.Fatalf("ParseSlip ok %v, class %v", ok, c)
		}
		if !ok {
			return
		}
		if number == "" || secret == "" || strings.ContainsAny(number+secret, "/?#&=%. ") {
			t.Fatalf("slip number %q secret %q", number, secret)
		}
		b, err := url.Parse(strings.TrimSpace(slipBase))
		if err != nil {
			t.Fatalf("slip under unparsable base %q", slipBase)
		}
		again := b.Scheme + "://" + b.Host + strings.TrimSuffix(b.EscapedPath(), "/") + "/status/" + number + "?s=" + secret
		if n2, s2, ok2 := scanner.ParseSlip(again, slipBase); !ok2 || n2 != number || s2 != secret {
			t.Fatalf("rebuilt %q: %q %q %v", again, n2, s2, ok2)
		}
	})
}
