package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/sync/wire"
)

// configFeed returns the config class of the feed as kiosks pull it from
// the start: every entry, deletes included.
func configFeed(t *testing.T, e *officeEnv) []wire.Change {
	t.Helper()
	ch, err := e.store.Changes(context.Background(), office.ChangesQuery{Class: office.ClassConfig, Limit: office.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Changes
}

// configOf is the feed's config entries that are set, key → data.
func configOf(t *testing.T, e *officeEnv) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, c := range configFeed(t, e) {
		if c.Op == "put" {
			out[c.Key] = string(c.Data)
		}
	}
	return out
}

// feedEnd is the feed's newest sequence number, over every class.
func feedEnd(t *testing.T, e *officeEnv) int64 {
	t.Helper()
	ch, err := e.store.Changes(context.Background(), office.ChangesQuery{Limit: office.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Cursor
}

// settingsForm is a complete, valid form of the page.
func settingsForm() url.Values {
	return url.Values{
		bianmin.SettingOfficeName:      {"南岗区花园街道办事处"},
		bianmin.SettingPublicBaseURL:   {"https://bianmin.example.gov.cn"},
		bianmin.SettingIdleTimeout:     {"90"},
		bianmin.SettingCountdown:       {"15"},
		bianmin.SettingLanguage:        {"zh"},
		bianmin.SettingTempIDPlace:     {"南岗区公安分局花园街派出所户籍室（花园街218号）"},
		bianmin.SettingTempIDHours:     {"工作日 8:30–11:30，13:30–16:30"},
		bianmin.SettingOverpayLimitFen: {"2000"},
		bianmin.SettingReceiptFooter:   {"便民服务热线 12345"},
	}
}

func TestKioskConfigPublish(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	status, _, body := b.get("/staff/kiosks/config")
	if status != http.StatusOK || !strings.Contains(body, "还没有发布过统一设置") || !strings.Contains(body, "不统一设置（各自助机使用自己的设置）") {
		t.Fatalf("empty config page: %d\n%s", status, tableText(body))
	}
	if _, _, fleet := b.get("/staff/kiosks"); !strings.Contains(fleet, `href="/staff/kiosks/config"`) {
		t.Error("the fleet page does not link the settings")
	}

	// Every setting published, as the kiosks read it.
	status, loc, _ := b.post("/staff/kiosks/config", settingsForm())
	if status != http.StatusSeeOther || loc != "/staff/kiosks/config" {
		t.Fatalf("publish: %d %q", status, loc)
	}
	want := map[string]string{
		bianmin.SettingOfficeName: `"南岗区花园街道办事处"`, bianmin.SettingPublicBaseURL: `"https://bianmin.example.gov.cn"`,
		bianmin.SettingIdleTimeout: `90`, bianmin.SettingCountdown: `15`, bianmin.SettingLanguage: `"zh"`,
		bianmin.SettingTempIDPlace: `"南岗区公安分局花园街派出所户籍室（花园街218号）"`, bianmin.SettingTempIDHours: `"工作日 8:30–11:30，13:30–16:30"`,
		bianmin.SettingOverpayLimitFen: `2000`, bianmin.SettingReceiptFooter: `"便民服务热线 12345"`,
	}
	got := configOf(t, e)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("feed %s = %s, want %s", k, got[k], v)
		}
		s, _ := bianmin.LookupKioskSetting(k)
		if _, _, err := s.Parse([]byte(got[k])); err != nil {
			t.Errorf("a kiosk would refuse %s: %v", k, err)
		}
	}
	if len(got) != len(want) {
		t.Errorf("feed holds %d entries: %v", len(got), got)
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "kiosk.config"})
	if len(log) != 1 || log[0].Actor != "admin" || !strings.Contains(log[0].After, "办事处名称：南岗区花园街道办事处") ||
		!strings.Contains(log[0].After, "现金多付上限：20.00 元") || !strings.Contains(log[0].Before, "办事处名称：不统一设置") {
		t.Errorf("audit = %+v", log)
	}
	_, _, page := b.get("/staff/kiosks/config")
	text := tableText(page)
	for _, w := range []string{"已发布 9 项自助机设置", "已发布：南岗区花园街道办事处", "已发布：90 秒", "已发布：20.00 元", "已发布：中文",
		"最近一次由 admin"} {
		if !strings.Contains(text, w) && !strings.Contains(page, w) {
			t.Errorf("page after publishing lacks %q", w)
		}
	}
	if _, _, audit := b.get("/staff/audit?action=kiosk.config"); !strings.Contains(audit, "发布自助机统一设置") {
		t.Error("the audit page does not name the action")
	}

	// The same form again publishes nothing.
	end := feedEnd(t, e)
	if status, _, _ := b.post("/staff/kiosks/config", settingsForm()); status != http.StatusSeeOther || feedEnd(t, e) != end {
		t.Errorf("an unchanged form: %d, feed end %d → %d", status, end, feedEnd(t, e))
	}
	if _, _, page := b.get("/staff/kiosks/config"); !strings.Contains(page, "没有发布") {
		t.Error("an unchanged form does not say nothing was published")
	}

	// Blanking the name deletes its entry (kiosks go back to their own);
	// changing the language publishes only that: two entries.
	form := settingsForm()
	form.Set(bianmin.SettingOfficeName, "  ")
	form.Set(bianmin.SettingLanguage, "en")
	if status, _, _ := b.post("/staff/kiosks/config", form); status != http.StatusSeeOther {
		t.Fatalf("second publish: %d", status)
	}
	ch, err := e.store.Changes(ctx, office.ChangesQuery{Cursor: end, Limit: office.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Changes) != 2 {
		t.Fatalf("second publish put %d changes on the feed: %+v", len(ch.Changes), ch.Changes)
	}
	for _, c := range ch.Changes {
		switch {
		case c.Key == bianmin.SettingOfficeName && c.Op == "delete":
		case c.Key == bianmin.SettingLanguage && c.Op == "put" && string(c.Data) == `"en"`:
		default:
			t.Errorf("unexpected change %+v", c)
		}
	}
	if _, _, page := b.get("/staff/kiosks/config"); !strings.Contains(page, "已发布：英文（English）") {
		t.Error("the page does not show the new language")
	}
}

func TestKioskConfigRefusals(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	b := e.login(t, "admin")
	b.get("/staff/kiosks/config")
	if status, _, _ := b.post("/staff/kiosks/config", settingsForm()); status != http.StatusSeeOther {
		t.Fatalf("first publish: %d", status)
	}
	before := configFeed(t, e)
	end := feedEnd(t, e)
	for _, tc := range []struct {
		name, key, value, message string
	}{
		{"name too long", bianmin.SettingOfficeName, strings.Repeat("街", 41), "办事处名称须为 1–40 个字"},
		{"name on two lines", bianmin.SettingOfficeName, "花园街道\n办事处", "办事处名称须为 1–40 个字，写在一行内"},
		{"URL not http", bianmin.SettingPublicBaseURL, "ftp://bianmin.example.cn", "公网地址须是以 http:// 或 https:// 开头的完整网址"},
		{"URL with script", bianmin.SettingPublicBaseURL, "javascript:alert(1)", "公网地址须是以 http:// 或 https:// 开头的完整网址"},
		{"URL with query", bianmin.SettingPublicBaseURL, "https://bianmin.example.cn/?x=1", "不带“?”后的参数"},
		{"idle timeout too short", bianmin.SettingIdleTimeout, "5", "无操作超时须为 10–600 之间的整数"},
		{"idle timeout not a number", bianmin.SettingIdleTimeout, "一分钟", "无操作超时须为 10–600 之间的整数"},
		{"idle timeout a fraction", bianmin.SettingIdleTimeout, "30.5", "无操作超时须为 10–600 之间的整数"},
		{"countdown too long", bianmin.SettingCountdown, "120", "结束倒计时须为 3–60 之间的整数"},
		{"language unknown", bianmin.SettingLanguage, "fr", "默认语言只能选择中文或英文"},
		{"overpay over 100 元", bianmin.SettingOverpayLimitFen, "20000", "现金多付上限须为 0.00–100.00 元"},
		{"overpay negative", bianmin.SettingOverpayLimitFen, "-100", "现金多付上限须为 0.00–100.00 元"},
		{"place too long", bianmin.SettingTempIDPlace, strings.Repeat("所", 81), "临时身份证领取地点须为 1–80 个字"},
		{"footer too long", bianmin.SettingReceiptFooter, strings.Repeat("热", 41), "回执底部文字须为 1–40 个字"},
		{"footer with a tab", bianmin.SettingReceiptFooter, "热线\t12345", "回执底部文字须为 1–40 个字，写在一行内"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := settingsForm()
			// Another field changed validly in the same form is not published either.
			form.Set(bianmin.SettingCountdown, "20")
			if tc.key == bianmin.SettingCountdown {
				form.Set(bianmin.SettingIdleTimeout, "100")
			}
			form.Set(tc.key, tc.value)
			status, _, body := b.post("/staff/kiosks/config", form)
			if status != http.StatusUnprocessableEntity || !strings.Contains(body, tc.message) || !strings.Contains(body, "全部未发布") {
				t.Errorf("%d, page lacks %q:\n%s", status, tc.message, tableText(body))
			}
			if feedEnd(t, e) != end {
				t.Fatal("a refused form published")
			}
		})
	}
	if after := configFeed(t, e); len(after) != len(before) {
		t.Errorf("the config feed changed: %d → %d entries", len(before), len(after))
	}
	if log, _ := e.store.AuditLog(context.Background(), office.AuditFilter{Action: "kiosk.config"}); len(log) != 1 {
		t.Errorf("refusals were audited: %d entries", len(log))
	}
}

func TestKioskConfigAccess(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	end := feedEnd(t, e)
	for _, who := range []string{"clerk", "water"} {
		b := e.login(t, who)
		if status, _, _ := b.get("/staff/kiosks/config"); status != http.StatusNotFound {
			t.Errorf("%s GET: %d, want 404", who, status)
		}
		if status, _, _ := b.post("/staff/kiosks/config", settingsForm()); status != http.StatusNotFound {
			t.Errorf("%s POST: %d, want 404", who, status)
		}
	}
	admin := e.login(t, "admin")
	admin.get("/staff/kiosks/config")
	form := settingsForm()
	form.Set("csrf", "")
	if status, _, _ := admin.post("/staff/kiosks/config", form); status != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d, want 403", status)
	}
	form.Set("csrf", "forged-token")
	if status, _, _ := admin.post("/staff/kiosks/config", form); status != http.StatusForbidden {
		t.Errorf("POST with a forged CSRF token: %d, want 403", status)
	}
	if status, loc, _ := e.browser(t).get("/staff/kiosks/config"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login") {
		t.Errorf("a stranger: %d %q", status, loc)
	}
	if feedEnd(t, e) != end {
		t.Error("a refused request published")
	}
}
