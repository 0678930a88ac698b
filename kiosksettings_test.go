package bianmin

import (
	"strings"
	"testing"
)

func TestKioskSettingParse(t *testing.T) {
	for _, tc := range []struct {
		name, key, data string
		ok              bool
	}{
		{"office name", SettingOfficeName, `"南岗区花园街道办事处"`, true},
		{"office name blank", SettingOfficeName, `"   "`, false},
		{"office name too long", SettingOfficeName, `"` + strings.Repeat("街", 41) + `"`, false},
		{"office name two lines", SettingOfficeName, `"花园街道\n办事处"`, false},
		{"office name a number", SettingOfficeName, `42`, false},
		{"URL", SettingPublicBaseURL, `"https://bianmin.example.cn/office"`, true},
		{"URL not http", SettingPublicBaseURL, `"ftp://example.cn"`, false},
		{"URL without host", SettingPublicBaseURL, `"https://"`, false},
		{"URL with query", SettingPublicBaseURL, `"https://example.cn/?a=1"`, false},
		{"URL with user", SettingPublicBaseURL, `"https://u:p@example.cn"`, false},
		{"idle timeout", SettingIdleTimeout, `90`, true},
		{"idle timeout too short", SettingIdleTimeout, `9`, false},
		{"idle timeout too long", SettingIdleTimeout, `601`, false},
		{"idle timeout a fraction", SettingIdleTimeout, `90.5`, false},
		{"idle timeout a string", SettingIdleTimeout, `"90"`, false},
		{"countdown", SettingCountdown, `3`, true},
		{"countdown too short", SettingCountdown, `2`, false},
		{"language", SettingLanguage, `"en"`, true},
		{"language unknown", SettingLanguage, `"fr"`, false},
		{"overpay zero", SettingOverpayLimitFen, `0`, true},
		{"overpay 100 元", SettingOverpayLimitFen, `10000`, true},
		{"overpay negative", SettingOverpayLimitFen, `-1`, false},
		{"overpay over the largest note", SettingOverpayLimitFen, `10001`, false},
		{"footer", SettingReceiptFooter, `"便民服务热线 12345"`, true},
		{"footer with a tab", SettingReceiptFooter, `"热线\t12345"`, false},
		{"temp ID place", SettingTempIDPlace, `"花园街派出所户籍室"`, true},
		{"temp ID hours too long", SettingTempIDHours, `"` + strings.Repeat("时", 81) + `"`, false},
		{"not JSON", SettingTempIDHours, `工作日`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := LookupKioskSetting(tc.key)
			if !ok {
				t.Fatalf("no setting %q", tc.key)
			}
			_, _, err := s.Parse([]byte(tc.data))
			if (err == nil) != tc.ok {
				t.Errorf("Parse(%s) = %v, want ok %v", tc.data, err, tc.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Errorf("error code %q", ErrorCode(err))
			}
		})
	}
	for _, key := range []string{"printer.port", "tech_pin_hash", "cash.baud", ""} {
		if _, ok := LookupKioskSetting(key); ok {
			t.Errorf("%q is a central setting: device and PIN settings must stay local", key)
		}
	}
}
