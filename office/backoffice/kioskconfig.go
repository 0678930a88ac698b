package backoffice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"bianmin"
	"bianmin/office"
)

// The kiosks' central settings (SPEC §5.2 "Kiosks: config"): the settings
// that belong to the street office rather than to one machine — its name in
// the kiosk header and on slips, the public address in QR codes, the idle
// timeout and countdown, the default language, where and when temporary ID
// cards are collected, the cash overpayment limit, a footer line for slips.
// Publishing puts them on the change feed's config class (one entry per
// setting, bianmin.KioskSettings); each kiosk lays them over its own
// configuration on its next pull. A field left blank is not set centrally:
// publishing deletes its entry and the kiosks go back to their own value.
// Every field is checked with the rules the kiosks apply, and one refused
// field publishes nothing. Admins only; each publication is audited.

// kioskConfigAction is the audit action of a publication.
const kioskConfigAction = "kiosk.config"

// kioskConfigSubject is the audit subject of every publication.
const kioskConfigSubject = "自助机统一设置"

// settingText is what the page says about one setting.
type settingText struct {
	label string
	hint  string // under the field
	rule  string // the refusal; "" for the string settings' length rule
}

var settingTexts = map[string]settingText{
	bianmin.SettingOfficeName:      {label: "办事处名称", hint: "显示在自助机屏幕顶部，打印在各类回执抬头。"},
	bianmin.SettingPublicBaseURL:   {label: "公网地址", hint: "居民手机访问本系统的地址，回执和屏幕上的二维码指向这里。", rule: "公网地址须是以 http:// 或 https:// 开头的完整网址，不带“?”后的参数，例如 https://bianmin.example.gov.cn"},
	bianmin.SettingIdleTimeout:     {label: "无操作超时（秒）", hint: "居民多久不操作后开始结束倒计时。"},
	bianmin.SettingCountdown:       {label: "结束倒计时（秒）", hint: "倒计时结束后清除本次办理的全部信息，回到首页。"},
	bianmin.SettingLanguage:        {label: "默认语言", hint: "每次办理开始时的界面语言，居民可自行切换。", rule: "默认语言只能选择中文或英文"},
	bianmin.SettingTempIDPlace:     {label: "临时身份证领取地点", hint: "打印在临时身份证申领回执上，请写明派出所和地址。"},
	bianmin.SettingTempIDHours:     {label: "领取办公时间", hint: "例如：工作日 8:30–11:30，13:30–16:30"},
	bianmin.SettingOverpayLimitFen: {label: "现金多付上限", hint: "本机不找零：多付在上限以内记入居民户头余额，超过上限的纸币退回。"},
	bianmin.SettingReceiptFooter:   {label: "回执底部文字", hint: "打印在每张回执最下方，例如服务热线。"},
}

// overpayChoices are the overpayment limits offered, in 分: the round
// amounts technicians pick from on the kiosk, up to the largest note.
var overpayChoices = []int64{0, 1000, 2000, 5000, 10000}

// settingField is one field of the form.
type settingField struct {
	Key, Label, Hint string
	ID               string // the input's id: the key without dots, for CSS selectors
	Kind             string // text, url, seconds, language, overpay
	Max              int64  // characters of a text field
	Value            string // in the form: what was typed, or what is published
	Published        string // the published value as staff read it; "" for not set
	Error            string
}

// choice is an option of a select.
type choice struct{ Value, Label string }

// kioskConfigPage is the page's data.
type kioskConfigPage struct {
	Fields    []settingField
	Error     string
	Overpay   []choice
	History   []office.AuditEntry // the latest publications, newest first
	Unknown   []string            // published keys this officed does not know
	Kiosks    int                 // kiosks in use, which pick the settings up
	Languages []choice
}

// publishedSettings reads the config class of the feed: key → data.
func (h *Handler) publishedSettings(ctx context.Context) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	cursor := int64(0)
	for range 1 << 10 {
		ch, err := h.store.Changes(ctx, office.ChangesQuery{Cursor: cursor, Class: office.ClassConfig, Limit: office.MaxPage})
		if err != nil {
			return nil, err
		}
		// A class query from cursor 0 never needs a refetch.
		for _, c := range ch.Changes {
			if c.Op == "put" {
				out[c.Key] = c.Data
			} else {
				delete(out, c.Key)
			}
		}
		if !ch.More {
			return out, nil
		}
		cursor = ch.Cursor
	}
	return nil, fmt.Errorf("backoffice: the config feed does not end")
}

// kindOf is how the form asks for a setting.
func kindOf(s bianmin.KioskSetting) string {
	switch s.Key {
	case bianmin.SettingPublicBaseURL:
		return "url"
	case bianmin.SettingLanguage:
		return "language"
	case bianmin.SettingOverpayLimitFen:
		return "overpay"
	}
	if s.Number {
		return "seconds"
	}
	return "text"
}

// formValue is a published value as the form holds it; "" for none or for
// data this officed cannot read (shown as such in Published).
func formValue(s bianmin.KioskSetting, data json.RawMessage) (value, shown string) {
	if data == nil {
		return "", ""
	}
	text, n, err := s.Parse(data)
	if err != nil {
		return "", "（无法识别，自助机不会采用：" + string(data) + "）"
	}
	switch {
	case s.Key == bianmin.SettingLanguage:
		return text, languageLabel(text)
	case s.Key == bianmin.SettingOverpayLimitFen:
		return strconv.FormatInt(n, 10), bianmin.FormatYuan(n) + " 元"
	case s.Number:
		v := strconv.FormatInt(n, 10)
		return v, v + " 秒"
	}
	return text, text
}

func languageLabel(code string) string {
	if code == "en" {
		return "英文（English）"
	}
	return "中文"
}

// settingsForm builds the form's fields from the published entries.
func settingsForm(published map[string]json.RawMessage) []settingField {
	fields := make([]settingField, 0, len(bianmin.KioskSettings))
	for _, s := range bianmin.KioskSettings {
		t := settingTexts[s.Key]
		f := settingField{Key: s.Key, ID: "set-" + strings.ReplaceAll(s.Key, ".", "-"), Label: t.label, Hint: t.hint,
			Kind: kindOf(s), Max: s.Max}
		f.Value, f.Published = formValue(s, published[s.Key])
		fields = append(fields, f)
	}
	return fields
}

// readSetting checks a field's posted value and returns its feed data; nil
// data for a blank field (not set centrally). The refusal is in staff's
// words.
func readSetting(s bianmin.KioskSetting, raw string) (json.RawMessage, error) {
	t := settingTexts[s.Key]
	rule := t.rule
	switch {
	case rule != "":
	case s.Key == bianmin.SettingOverpayLimitFen:
		rule = fmt.Sprintf("%s须为 %s–%s 元", t.label, bianmin.FormatYuan(s.Min), bianmin.FormatYuan(s.Max))
	case s.Number:
		rule = fmt.Sprintf("%s须为 %d–%d 之间的整数", strings.TrimSuffix(t.label, "（秒）"), s.Min, s.Max)
	default:
		rule = fmt.Sprintf("%s须为 %d–%d 个字，写在一行内", t.label, s.Min, s.Max)
	}
	refuse := bianmin.Errorf(bianmin.EINVALID, "%s。", rule)
	if raw == "" {
		return nil, nil
	}
	if s.Number {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || s.CheckNumber(n) != nil {
			return nil, refuse
		}
		return json.Marshal(n)
	}
	if s.CheckText(raw) != nil {
		return nil, refuse
	}
	return json.Marshal(raw)
}

func (h *Handler) serveKioskConfig(w http.ResponseWriter, r *http.Request, me *Staff) {
	published, err := h.publishedSettings(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.showKioskConfig(w, r, me, http.StatusOK, kioskConfigPage{Fields: settingsForm(published)}, published)
}

// showKioskConfig renders the page with data's fields, adding what every
// rendering shows: the choices, the history, the published values.
func (h *Handler) showKioskConfig(w http.ResponseWriter, r *http.Request, me *Staff, status int, data kioskConfigPage, published map[string]json.RawMessage) {
	ctx := r.Context()
	history, err := h.store.AuditLog(ctx, office.AuditFilter{Action: kioskConfigAction, Limit: 10})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	kiosks, err := h.store.Kiosks(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	for _, k := range kiosks {
		if !k.Revoked() {
			data.Kiosks++
		}
	}
	data.History = history
	data.Overpay = []choice{{"", "不统一设置"}}
	for _, fen := range overpayChoices {
		data.Overpay = append(data.Overpay, choice{strconv.FormatInt(fen, 10), bianmin.FormatYuan(fen) + " 元"})
	}
	data.Languages = []choice{{"", "不统一设置"}, {"zh", languageLabel("zh")}, {"en", languageLabel("en")}}
	for key := range published {
		if _, ok := bianmin.LookupKioskSetting(key); !ok {
			data.Unknown = append(data.Unknown, key)
		}
	}
	h.render(w, r, me, status, "kioskconfig.html", "自助机统一设置", data)
}

// publishKioskConfig checks every field and publishes what changed — new
// values put, blanked ones deleted — in one transaction with nothing
// published on any refusal, then audits the change.
func (h *Handler) publishKioskConfig(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	published, err := h.publishedSettings(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	fields := settingsForm(published)
	var items []office.Item
	var before, after []string
	refused := false
	for i, s := range bianmin.KioskSettings {
		f := &fields[i]
		raw := strings.TrimSpace(r.PostForm.Get(s.Key))
		f.Value = raw
		data, err := readSetting(s, raw)
		if err != nil {
			f.Error, refused = err.Error(), true
			continue
		}
		old, had := published[s.Key]
		oldValue, oldShown := formValue(s, old)
		newValue, newShown := formValue(s, data)
		if !had && data == nil || had && data != nil && oldValue == newValue {
			continue // unchanged
		}
		items = append(items, office.Item{Key: s.Key, Data: data})
		label := strings.TrimSuffix(f.Label, "（秒）") // the values say 秒
		before = append(before, label+"："+orUnset(oldShown))
		after = append(after, label+"："+orUnset(newShown))
	}
	if refused {
		h.showKioskConfig(w, r, me, http.StatusUnprocessableEntity,
			kioskConfigPage{Fields: fields, Error: "有设置项未通过检查，全部未发布；请按各项下方的提示修改后重新发布。"}, published)
		return
	}
	if len(items) == 0 {
		h.done(w, r, "/staff/kiosks/config", "设置与已发布的相同，没有发布")
		return
	}
	if _, err := h.store.Publish(ctx, office.ClassConfig, items, h.now()); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, kioskConfigAction, kioskConfigSubject, strings.Join(before, "；"), strings.Join(after, "；")); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/kiosks/config", fmt.Sprintf("已发布 %d 项自助机设置，各自助机下次同步时生效", len(items)))
}

func orUnset(s string) string {
	if s == "" {
		return "不统一设置"
	}
	return s
}
