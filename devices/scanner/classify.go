package scanner

import (
	"fmt"
	"net/url"
	"strings"
)

// Class is what a scanned code is for.
type Class int

const (
	ClassOther  Class = iota // anything we do not take: the UI says so
	ClassWeChat              // a WeChat Pay payment code (付款码)
	ClassAlipay              // an Alipay payment code
	ClassSlip                // the QR of one of our own slips: a status page of the central service
)

var classNames = [...]string{ClassOther: "other", ClassWeChat: "wechat", ClassAlipay: "alipay", ClassSlip: "slip"}

// String returns "other", "wechat", "alipay" or "slip".
func (c Class) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return fmt.Sprintf("Class(%d)", int(c))
	}
	return classNames[c]
}

// MarshalText writes the String form, so JSON reads "wechat".
func (c Class) MarshalText() ([]byte, error) {
	if c < 0 || int(c) >= len(classNames) {
		return nil, fmt.Errorf("scanner: unknown class %d", int(c))
	}
	return []byte(classNames[c]), nil
}

// Payment reports whether the code is a payment code, to be authorised online.
func (c Class) Payment() bool { return c == ClassWeChat || c == ClassAlipay }

// Classify says what code is (surrounding blanks ignored, as some scanners pad):
//
//   - WeChat Pay: exactly 18 ASCII digits starting with 10 … 15;
//   - Alipay: 16 to 24 ASCII digits starting with 25 … 30;
//   - slip: a status page URL under slipBase, see ParseSlip;
//   - anything else is other.
func Classify(code, slipBase string) Class {
	code = strings.TrimSpace(code)
	if digits(code) {
		p := (code[0]-'0')*10 + code[1] - '0'
		switch {
		case len(code) == 18 && p >= 10 && p <= 15:
			return ClassWeChat
		case len(code) >= 16 && len(code) <= 24 && p >= 25 && p <= 30:
			return ClassAlipay
		}
		return ClassOther
	}
	if _, _, ok := ParseSlip(code, slipBase); ok {
		return ClassSlip
	}
	return ClassOther
}

// digits reports whether s is two or more ASCII digits.
func digits(s string) bool {
	if len(s) < 2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Limits on the parts of a slip URL: generous for the numbers and secrets we
// print, small enough that nothing else passes for them.
const (
	maxNumber = 64
	maxSecret = 128
)

// ParseSlip reads the QR of one of our slips: the central service's status page
// <slipBase>/status/<number>?s=<secret> (SPEC §5.3), surrounding blanks ignored.
// The host must be slipBase's (case and a default port do not matter) and the
// path exactly the status page under slipBase's path; http and https are both
// taken, because the URL is never opened (only number and secret are used) and
// a service that moved to https must still read old slips. number and secret
// must be non-empty letters, digits, '-' or '_'; other query parameters are
// ignored; user info, a fragment, or a second s make the code no slip. An empty
// or unusable slipBase matches nothing.
func ParseSlip(code, slipBase string) (number, secret string, ok bool) {
	base, ok := baseURL(slipBase)
	if !ok {
		return "", "", false
	}
	u, err := url.Parse(strings.TrimSpace(code))
	if err != nil || !webScheme(u.Scheme) || u.Opaque != "" || u.User != nil || u.Fragment != "" ||
		!sameHost(u, base) {
		return "", "", false
	}
	rest, found := strings.CutPrefix(u.Path, strings.TrimSuffix(base.Path, "/")+"/status/")
	if !found || !token(rest, maxNumber) {
		return "", "", false
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || len(q["s"]) != 1 || !token(q["s"][0], maxSecret) {
		return "", "", false
	}
	return rest, q["s"][0], true
}

// baseURL parses the central service's public base URL.
func baseURL(s string) (*url.URL, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, false
	}
	u, err := url.Parse(s)
	if err != nil || !webScheme(u.Scheme) || u.Host == "" || u.Opaque != "" {
		return nil, false
	}
	return u, true
}

func webScheme(s string) bool {
	return strings.EqualFold(s, "http") || strings.EqualFold(s, "https")
}

// sameHost compares host names without case, and ports with each scheme's
// default port counting as none (so http://h:80 is http://h, and http://h is
// https://h).
func sameHost(a, b *url.URL) bool {
	return a.Hostname() != "" && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	p := u.Port()
	if strings.EqualFold(u.Scheme, "http") && p == "80" || strings.EqualFold(u.Scheme, "https") && p == "443" {
		return ""
	}
	return p
}

// token reports whether s is 1..max letters, digits, '-' or '_'.
func token(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// validSlipBase is the config check of a slip base URL; "" is allowed.
func validSlipBase(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if _, ok := baseURL(s); !ok {
		return fmt.Errorf("%w: slip base %q is not an http(s) URL with a host", ErrConfig, s)
	}
	return nil
}
