package scanner_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"bianmin/devices/scanner"
)

var t0 = time.Date(2025, 11, 25, 9, 30, 0, 0, time.UTC)

// step is bytes arriving at t0+at.
type step struct {
	at   time.Duration
	data string
}

// want is an expected line: its text, or the error it Is.
type want struct {
	text string
	err  error
	at   time.Duration // checked when not zero
}

func ok(text string) want { return want{text: text} }
func bad(err error) want  { return want{err: err} }

var wechat = "134567890123456789"

func TestLineReader(t *testing.T) {
	digits := func(n int) string { return strings.Repeat("7", n) }
	for _, tc := range []struct {
		name   string
		maxLen int
		steps  []step
		expire time.Duration // call Expire at t0+expire when not zero
		want   []want
		suffix string // the reader's Suffix afterwards; "" for none seen
	}{
		{name: "cr", steps: []step{{0, wechat + "\r"}}, want: []want{ok(wechat)}, suffix: "cr"},
		{name: "lf", steps: []step{{0, wechat + "\n"}}, want: []want{ok(wechat)}, suffix: "lf"},
		{name: "crlf", steps: []step{{0, wechat + "\r\n"}}, want: []want{ok(wechat)}, suffix: "crlf"},
		{name: "two crlf lines", steps: []step{{0, "a\r\nb\r\n"}}, want: []want{ok("a"), ok("b")}, suffix: "crlf"},
		{name: "mixed terminators", steps: []step{{0, "a\rb\nc\r\nd\r"}},
			want: []want{ok("a"), ok("b"), ok("c"), ok("d")}, suffix: "cr"},
		{name: "crlf split between reads", steps: []step{{0, "abc\r"}, {time.Millisecond, "\ndef\r\n"}},
			want: []want{ok("abc"), ok("def")}, suffix: "crlf"},
		{name: "lf cr is two terminators", steps: []step{{0, "abc\n\rdef\n"}}, want: []want{ok("abc"), ok("def")}, suffix: "lf"},
		{name: "empty lines skipped", steps: []step{{0, "\r\n\r\n\n\r\rabc\r\r\n\n"}}, want: []want{ok("abc")}, suffix: "cr"},
		{name: "nothing but terminators", steps: []step{{0, "\r\n\n\r"}}, want: nil, suffix: ""},
		{name: "blanks are text", steps: []step{{0, " 12 \r"}}, want: []want{ok(" 12 ")}, suffix: "cr"},
		{name: "url", steps: []step{{0, "https://x.cn/status/T1?s=ab12&x=%20\r"}},
			want: []want{ok("https://x.cn/status/T1?s=ab12&x=%20")}, suffix: "cr"},

		{name: "exactly max length", steps: []step{{0, digits(512) + "\r"}}, want: []want{ok(digits(512))}, suffix: "cr"},
		{name: "one over max length", steps: []step{{0, digits(513) + "\rnext\r"}},
			want: []want{bad(scanner.ErrTooLong), ok("next")}, suffix: "cr"},
		{name: "far over max length", steps: []step{{0, digits(100000) + "\n" + wechat + "\n"}},
			want: []want{bad(scanner.ErrTooLong), ok(wechat)}, suffix: "lf"},
		{name: "small max length", maxLen: 4, steps: []step{{0, "abcd\rabcde\rab\r"}},
			want: []want{ok("abcd"), bad(scanner.ErrTooLong), ok("ab")}, suffix: "cr"},

		{name: "nul", steps: []step{{0, "ab\x00c\rok\r"}}, want: []want{bad(scanner.ErrGarbage), ok("ok")}, suffix: "cr"},
		{name: "high byte", steps: []step{{0, "\xff\r"}}, want: []want{bad(scanner.ErrGarbage)}, suffix: "cr"},
		{name: "tab", steps: []step{{0, "a\tb\n"}}, want: []want{bad(scanner.ErrGarbage)}, suffix: "lf"},
		{name: "del", steps: []step{{0, "a\x7f\n"}}, want: []want{bad(scanner.ErrGarbage)}, suffix: "lf"},
		{name: "escape", steps: []step{{0, "\x1b[0m\r\n"}}, want: []want{bad(scanner.ErrGarbage)}, suffix: "crlf"},
		{name: "utf-8", steps: []step{{0, "付款码\r"}}, want: []want{bad(scanner.ErrGarbage)}, suffix: "cr"},
		{name: "garbage before too long", steps: []step{{0, "\x01" + digits(600) + "\r"}},
			want: []want{bad(scanner.ErrGarbage)}, suffix: "cr"},
		{name: "too long before garbage", steps: []step{{0, digits(600) + "\x01\r"}},
			want: []want{bad(scanner.ErrTooLong)}, suffix: "cr"},
		{name: "printable edges", steps: []step{{0, " ~\r"}}, want: []want{ok(" ~")}, suffix: "cr"},

		{name: "partial expires", steps: []step{{0, "1234"}}, expire: scanner.DefaultInterChar + time.Nanosecond,
			want: []want{{err: scanner.ErrPartial, at: scanner.DefaultInterChar}}},
		{name: "partial not yet expired", steps: []step{{0, "1234"}}, expire: scanner.DefaultInterChar, want: nil},
		{name: "partial dropped by the next line", steps: []step{{0, "1234"}, {300 * time.Millisecond, wechat + "\r"}},
			want:   []want{{err: scanner.ErrPartial, at: scanner.DefaultInterChar}, {text: wechat, at: 300 * time.Millisecond}},
			suffix: "cr"},
		{name: "slow line within the timeout", steps: []step{{0, "12"}, {199 * time.Millisecond, "34"}, {398 * time.Millisecond, "\r"}},
			want: []want{{text: "1234", at: 398 * time.Millisecond}}, suffix: "cr"},
		{name: "stalled too long line stays too long", steps: []step{{0, digits(600)}}, expire: time.Second,
			want: []want{bad(scanner.ErrTooLong)}},
		{name: "stalled garbage stays garbage", steps: []step{{0, "\x00\x01"}}, expire: time.Second,
			want: []want{bad(scanner.ErrGarbage)}},
		{name: "lone cr waits for nothing", steps: []step{{0, "abc\r"}, {time.Second, "\n"}}, expire: 2 * time.Second,
			want: []want{ok("abc")}, suffix: "crlf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, split := range []string{"whole", "byte by byte"} {
				r := scanner.NewLineReader(tc.maxLen, 0)
				var got []scanner.Line
				for _, s := range tc.steps {
					if split == "whole" {
						got = append(got, r.Feed([]byte(s.data), t0.Add(s.at))...)
						continue
					}
					for i := range len(s.data) {
						got = append(got, r.Feed([]byte{s.data[i]}, t0.Add(s.at))...)
					}
				}
				if tc.expire != 0 {
					if l, ok := r.Expire(t0.Add(tc.expire)); ok {
						got = append(got, l)
					}
				}
				check(t, split, got, tc.want)
				suf, seen := r.Suffix()
				if seen != (tc.suffix != "") || seen && suf.String() != tc.suffix {
					t.Errorf("%s: Suffix() = %v, %v; want %q", split, suf, seen, tc.suffix)
				}
			}
		})
	}
}

func check(t *testing.T, how string, got []scanner.Line, want []want) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d lines %v, want %d", how, len(got), describe(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		switch {
		case w.err != nil && !errors.Is(g.Err, w.err):
			t.Errorf("%s: line %d: err %v, want %v", how, i, g.Err, w.err)
		case w.err != nil && g.Text != "":
			t.Errorf("%s: line %d: failed line carries text %q", how, i, g.Text)
		case w.err == nil && (g.Err != nil || g.Text != w.text):
			t.Errorf("%s: line %d: %q, %v; want %q", how, i, g.Text, g.Err, w.text)
		}
		if w.at != 0 && !g.At.Equal(t0.Add(w.at)) {
			t.Errorf("%s: line %d at %v, want +%v", how, i, g.At.Sub(t0), w.at)
		}
	}
}

func describe(ls []scanner.Line) string {
	var parts []string
	for _, l := range ls {
		if l.Err != nil {
			parts = append(parts, "error: "+l.Err.Error())
		} else {
			parts = append(parts, fmt.Sprintf("%q", l.Text))
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestLineReaderInterChar(t *testing.T) {
	r := scanner.NewLineReader(0, 50*time.Millisecond)
	r.Feed([]byte("12"), t0)
	if _, ok := r.Expire(t0.Add(50 * time.Millisecond)); ok {
		t.Error("expired at exactly the timeout")
	}
	l, ok := r.Expire(t0.Add(51 * time.Millisecond))
	if !ok || !errors.Is(l.Err, scanner.ErrPartial) {
		t.Fatalf("Expire = %v, %v", l, ok)
	}
	if _, ok := r.Expire(t0.Add(time.Hour)); ok {
		t.Error("the same partial line expired twice")
	}
	if got := r.Feed([]byte("34\r"), t0.Add(time.Hour)); len(got) != 1 || got[0].Text != "34" {
		t.Errorf("after a partial line: %v", describe(got))
	}
}

func TestLineReaderDrop(t *testing.T) {
	r := scanner.NewLineReader(0, 0)
	if _, ok := r.Drop(t0); ok {
		t.Error("Drop with no line in progress")
	}
	r.Feed([]byte("1345"), t0)
	l, ok := r.Drop(t0.Add(time.Second))
	if !ok || !errors.Is(l.Err, scanner.ErrPartial) || !l.At.Equal(t0.Add(time.Second)) {
		t.Errorf("Drop = %v, %v", l, ok)
	}
	// The error says how much was lost, never what.
	if strings.Contains(l.Err.Error(), "1345") {
		t.Errorf("error quotes the line: %v", l.Err)
	}
	if got := r.Feed([]byte("\n67\n"), t0.Add(time.Second)); len(got) != 1 || got[0].Text != "67" {
		t.Errorf("after Drop: %v", describe(got))
	}
}

func TestErrorsDoNotQuoteTheLine(t *testing.T) {
	r := scanner.NewLineReader(20, 0)
	for _, in := range []string{"13456789\x00", "1345678901234567890123456", "13456789é"} {
		got := r.Feed([]byte(in+"\r"), t0)
		if len(got) != 1 || got[0].Err == nil {
			t.Fatalf("%q: %v", in, describe(got))
		}
		if msg := got[0].Err.Error(); strings.Contains(msg, "3456") {
			t.Errorf("%q: message %q quotes the line", in, msg)
		}
		if s := got[0].String(); strings.Contains(s, "3456") {
			t.Errorf("%q: String %q quotes the line", in, s)
		}
	}
	l := scanner.Line{Text: wechat}
	for _, out := range []string{l.String(), fmt.Sprintf("%v %+v %#v %s", l, l, l, l)} {
		if strings.Contains(out, wechat[:14]) || !strings.Contains(out, wechat[14:]) {
			t.Errorf("line printed as %q", out)
		}
	}
}

func TestSuffixSpellings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want scanner.Suffix
		err  bool
	}{
		{"cr", scanner.SuffixCR, false},
		{"", scanner.SuffixCR, false},
		{"LF", scanner.SuffixLF, false},
		{" crlf ", scanner.SuffixCRLF, false},
		{"CR LF", scanner.SuffixCRLF, false},
		{"cr-lf", scanner.SuffixCRLF, false},
		{"tab", 0, true},
		{"lfcr", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := scanner.ParseSuffix(tc.in)
			if (err != nil) != tc.err || !tc.err && got != tc.want {
				t.Errorf("ParseSuffix(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
	for s, b := range map[scanner.Suffix]string{scanner.SuffixCR: "\r", scanner.SuffixLF: "\n", scanner.SuffixCRLF: "\r\n"} {
		if string(s.Bytes()) != b {
			t.Errorf("%v.Bytes() = %q", s, s.Bytes())
		}
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back scanner.Suffix
		if err := json.Unmarshal(j, &back); err != nil || back != s {
			t.Errorf("%v: JSON %s read back as %v, %v", s, j, back, err)
		}
	}
	if _, err := json.Marshal(scanner.Suffix(7)); err == nil {
		t.Error("an unknown suffix marshalled")
	}
}
