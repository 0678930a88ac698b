package backoffice

import (
	"strings"
	"testing"
	"unicode/utf8"

	"bianmin"
)

// FuzzKioskSettingForm feeds arbitrary values to every field of the kiosk
// settings form: what the page accepts is data every kiosk takes
// (bianmin.KioskSetting.Parse, the check kiosk.Overlay applies), and every
// refusal is an EINVALID in the page's words.
func FuzzKioskSettingForm(f *testing.F) {
	for _, seed := range []string{"南岗区花园街道办事处", "https://bianmin.example.gov.cn", "90", "zh", "2000", "-1", "1e3",
		"javascript:alert(1)", "花园\n街道", "\x00", " 花园街道 ", "https://a.cn/?q=1", "0010", "99999999999999999999"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		raw = strings.TrimSpace(raw) // as the handler reads it
		for _, s := range bianmin.KioskSettings {
			data, err := readSetting(s, raw)
			if err != nil {
				if bianmin.ErrorCode(err) != bianmin.EINVALID || !utf8.ValidString(err.Error()) || !strings.HasSuffix(err.Error(), "。") {
					t.Fatalf("%s %q: refusal %v", s.Key, raw, err)
				}
				continue
			}
			if data == nil {
				if raw != "" {
					t.Fatalf("%s %q: accepted as blank", s.Key, raw)
				}
				continue
			}
			if _, _, err := s.Parse(data); err != nil {
				t.Fatalf("%s %q: the page publishes %s, which kiosks refuse: %v", s.Key, raw, data, err)
			}
		}
	})
}
