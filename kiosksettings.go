package bianmin

import (
	"encoding/json"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kiosk settings a street office sets centrally for all its kiosks (SPEC
// §5.2 "Kiosks: config"). Each is one entry of the change feed's config
// class, keyed as below, its data a JSON string or integer. officed's back
// office publishes them; every kiosk lays the entries it receives over its
// local configuration, so a deleted entry brings the kiosk's own value back.
// Device ports, baud rates and the technician PIN belong to one machine and
// have no key: the feed can never set them.
const (
	SettingOfficeName      = "office.name"            // string: the street office, in the kiosk's header and on slips
	SettingPublicBaseURL   = "public.base_url"        // string: officed's public http(s) address, for QR codes
	SettingIdleTimeout     = "session.idle_timeout_s" // integer: seconds without a touch before the countdown
	SettingCountdown       = "session.countdown_s"    // integer: seconds of the countdown before a session ends
	SettingLanguage        = "session.language"       // string: "zh" or "en", the language a new session starts in
	SettingTempIDPlace     = "temp_id.place"          // string: where temporary ID cards are collected
	SettingTempIDHours     = "temp_id.hours"          // string: that counter's opening hours
	SettingOverpayLimitFen = "cash.overpay_limit_fen" // integer: 分 of cash overpayment kept as credit
	SettingReceiptFooter   = "print.footer"           // string: a line printed at the foot of every slip
)

// KioskSetting is the shape of one central setting's value.
type KioskSetting struct {
	Key string
	// Number: the value is a JSON integer in [Min, Max]. Otherwise it is a
	// JSON string of Min–Max characters on one line, and for some keys more
	// (an http(s) URL, a language code).
	Number   bool
	Min, Max int64
}

// KioskSettings lists every central setting, in the order pages show them.
var KioskSettings = []KioskSetting{
	{Key: SettingOfficeName, Min: 1, Max: 40},
	{Key: SettingPublicBaseURL, Min: 1, Max: 200},
	{Key: SettingIdleTimeout, Number: true, Min: 10, Max: 600},
	{Key: SettingCountdown, Number: true, Min: 3, Max: 60},
	{Key: SettingLanguage, Min: 2, Max: 2},
	{Key: SettingTempIDPlace, Min: 1, Max: 80},
	{Key: SettingTempIDHours, Min: 1, Max: 80},
	{Key: SettingOverpayLimitFen, Number: true, Min: 0, Max: 10000}, // up to the largest note, 100 元
	{Key: SettingReceiptFooter, Min: 1, Max: 40},
}

// LookupKioskSetting returns the setting of key, and false for a key that is
// no central setting.
func LookupKioskSetting(key string) (KioskSetting, bool) {
	for _, s := range KioskSettings {
		if s.Key == key {
			return s, true
		}
	}
	return KioskSetting{}, false
}

// CheckText checks the value of a string setting. Errors are EINVALID,
// written for logs; pages say it in their own words.
func (s KioskSetting) CheckText(v string) error {
	if s.Number {
		return Errorf(EINVALID, "setting %s: must be an integer", s.Key)
	}
	n := int64(utf8.RuneCountInString(v))
	if !utf8.ValidString(v) || strings.TrimSpace(v) == "" || n < s.Min || n > s.Max {
		return Errorf(EINVALID, "setting %s: must be %d–%d characters", s.Key, s.Min, s.Max)
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return Errorf(EINVALID, "setting %s: must be one line without control characters", s.Key)
	}
	switch s.Key {
	case SettingPublicBaseURL:
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(v, " \\") {
			return Errorf(EINVALID, "setting %s: %q must be an http(s) URL without query", s.Key, v)
		}
	case SettingLanguage:
		if v != "zh" && v != "en" {
			return Errorf(EINVALID, "setting %s: %q must be zh or en", s.Key, v)
		}
	}
	return nil
}

// CheckNumber checks the value of an integer setting.
func (s KioskSetting) CheckNumber(n int64) error {
	if !s.Number {
		return Errorf(EINVALID, "setting %s: must be a string", s.Key)
	}
	if n < s.Min || n > s.Max {
		return Errorf(EINVALID, "setting %s: %d is outside %d–%d", s.Key, n, s.Min, s.Max)
	}
	return nil
}

// Parse decodes and checks a setting's JSON data: text for a string
// setting, n for an integer one.
func (s KioskSetting) Parse(data []byte) (text string, n int64, err error) {
	if s.Number {
		if err := json.Unmarshal(data, &n); err != nil {
			return "", 0, Errorf(EINVALID, "setting %s: %s is not an integer", s.Key, clip(data))
		}
		return "", n, s.CheckNumber(n)
	}
	if err := json.Unmarshal(data, &text); err != nil {
		return "", 0, Errorf(EINVALID, "setting %s: %s is not a JSON string", s.Key, clip(data))
	}
	return text, 0, s.CheckText(text)
}

// clip shortens data for an error message.
func clip(data []byte) string {
	if len(data) > 40 {
		return strings.ToValidUTF8(string(data[:40]), "") + "…"
	}
	return string(data)
}
