package bianmin

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The data of each outbox record kind (sync/wire.Kinds), schema version 1.
// Kiosks create them, officed validates and applies them; both use these types
// and their Validate methods, so a record the kiosk queues is one officed
// accepts. Money is integer 分 (fen) everywhere.

// Record kinds.
const (
	KindTicket            = "ticket"
	KindApplication       = "application"
	KindPayment           = "payment"
	KindPaymentIncomplete = "payment.incomplete"
	KindRating            = "rating"
	KindDeviceEvent       = "device.event"
	KindCashCollected     = "cash.collected"
)

// Ticket is a problem report (扫码点单) from a kiosk or the mobile form.
type Ticket struct {
	Number    string   `json:"number"` // public ticket number, see NewNumber
	Secret    string   `json:"secret"` // short secret that opens the status page
	Category  string   `json:"category"`
	Community string   `json:"community"` // community id (grid data)
	Building  string   `json:"building"`  // building id within the community
	Unit      string   `json:"unit"`      // 单元, e.g. "2单元"
	Room      string   `json:"room"`      // e.g. "501"
	Phrases   []string `json:"phrases"`   // preset phrases chosen on the kiosk
	Text      string   `json:"text,omitempty"`
	Phone     string   `json:"phone"`
	Channel   string   `json:"channel"` // "kiosk" or "mobile"
}

// Application is a temporary resident ID card application (临时身份证).
type Application struct {
	Number   string `json:"number"`
	Secret   string `json:"secret"`
	IDNumber string `json:"id_number"`
	Name     string `json:"name"`
	Source   string `json:"source"` // "card" (read on the reader) or "keypad"
	Reason   string `json:"reason"` // one of ApplicationReasons
	Phone    string `json:"phone"`
	FeeFen   int64  `json:"fee_fen"`
	Payment  string `json:"payment"` // receipt number of the fee's payment
}

// ApplicationReasons are why a resident needs a temporary card (SPEC §2.5).
var ApplicationReasons = []string{"lost", "damaged", "expired", "awaiting"}

var reasonLabels = map[string]string{
	"lost": "身份证丢失", "damaged": "身份证损坏", "expired": "身份证有效期满", "awaiting": "申领新证期间",
}

// ReasonLabel is the Chinese name of an application reason, as slips, the
// status page and the back office print it; an unknown one is shown as it is.
func ReasonLabel(reason string) string {
	if l, ok := reasonLabels[reason]; ok {
		return l
	}
	return reason
}

// TempIDFeeFen is the fee for a temporary resident ID card: 10 元.
const TempIDFeeFen = 1000

// Payment is a completed payment of a bill or fee.
type Payment struct {
	Receipt string  `json:"receipt"` // receipt number printed on the slip
	Biller  string  `json:"biller"`  // one of Billers' ids, or "tempid"
	Account string  `json:"account"`
	Period  string  `json:"period,omitempty"`
	DueFen  int64   `json:"due_fen"`
	PaidFen int64   `json:"paid_fen"`
	Credit  int64   `json:"credit_fen"` // overpayment kept as credit (cash only)
	Method  string  `json:"method"`     // "cash", "wechat" or "alipay"
	Gateway string  `json:"gateway,omitempty"`
	Offline bool    `json:"offline_bill,omitempty"` // the amount due came from a cached bill
	Notes   []int64 `json:"notes,omitempty"`        // cash: each note or coin accepted, in fen
	// Secret opens the receipt's page on officed (/receipts/<receipt>?s=…):
	// it travels in the receipt's QR code only, so receipts cannot be
	// enumerated. Optional: payments queued before it existed have none.
	Secret string `json:"secret,omitempty"`
}

// PaymentIncomplete is money taken for a service that did not complete (power
// cut, crash, printer failure): the office settles it by refund or completion.
type PaymentIncomplete struct {
	Receipt string `json:"receipt"`
	Biller  string `json:"biller"`
	Account string `json:"account"`
	PaidFen int64  `json:"paid_fen"`
	Method  string `json:"method"`
	Reason  string `json:"reason"`
}

// Rating is a resident's 好差评 of one completed service.
type Rating struct {
	Record  string   `json:"record"`  // id of the rated service's record
	Service string   `json:"service"` // its kind
	Level   int      `json:"level"`   // 1 非常不满意 … 5 非常满意
	Reasons []string `json:"reasons,omitempty"`
}

// RatingLevels are the five levels, best first (SPEC §2.7).
var RatingLevels = []string{"非常满意", "满意", "基本满意", "不满意", "非常不满意"}

// DeviceEvent is a device fault or recovery worth the office's attention.
type DeviceEvent struct {
	Device string `json:"device"` // printer, idcard, cash, scanner
	Event  string `json:"event"`
	Detail string `json:"detail,omitempty"`
}

// CashCollected is the emptying of the cash box: counts since the last one.
type CashCollected struct {
	Notes    int            `json:"notes"`
	Coins    int            `json:"coins"`
	TotalFen int64          `json:"total_fen"`
	ByValue  map[string]int `json:"by_value,omitempty"` // fen value → count
	Staff    string         `json:"staff,omitempty"`
}

// Biller is a payee residents pay at the kiosk (SPEC §2.6).
type Biller struct {
	ID, Name string
}

// Billers are the payees of SPEC §2.6, in display order.
var Billers = []Biller{
	{"heating", "供热费"}, {"water", "水费"}, {"electricity", "电费"},
	{"gas", "燃气费"}, {"property", "物业费"}, {"partydues", "党费"},
}

var (
	phonePattern   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	numberPattern  = regexp.MustCompile(`^[TAP][0-9]{8}-[0-9A-Z]{3,8}-[0-9]{4,6}$`)
	secretPattern  = regexp.MustCompile(`^[0-9a-z]{6,12}$`)
	accountPattern = regexp.MustCompile(`^[0-9A-Za-z-]{4,32}$`)
)

// ValidatePhone checks a mainland mobile number: 11 digits, 1[3-9]….
func ValidatePhone(p string) error {
	if !phonePattern.MatchString(p) {
		return Errorf(EINVALID, "phone: want 11 digits starting 13–19")
	}
	return nil
}

// NewNumber returns a public number for a ticket (T), application (A) or
// payment receipt (P): prefix, date, the kiosk's short code and its sequence,
// e.g. T20261125-K7Q-0042. It is unique without coordination because each
// kiosk numbers its own records.
func NewNumber(prefix byte, day time.Time, kiosk string, seq int64) string {
	return fmt.Sprintf("%c%s-%s-%04d", prefix, day.Format("20060102"), kiosk, seq%1000000)
}

// NewSecret returns a short random secret for a status page link: 8 characters
// of [0-9a-z], about 41 bits, enough that numbers cannot be enumerated through
// a rate-limited page.
func NewSecret() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func bad(kind, field, why string, args ...any) error {
	return Errorf(EINVALID, "%s: %s %s", kind, field, fmt.Sprintf(why, args...))
}

func textOK(s string, max int) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= max && !strings.ContainsAny(s, "\x00\r")
}

// Validate checks a ticket. Free text comes only from the mobile form.
func (t *Ticket) Validate() error {
	switch {
	case !numberPattern.MatchString(t.Number) || t.Number[0] != 'T':
		return bad("ticket", "number", "%q is not a ticket number", t.Number)
	case !secretPattern.MatchString(t.Secret):
		return bad("ticket", "secret", "is malformed")
	case !oneOf(t.Category, ReportCategories):
		return bad("ticket", "category", "%q is not a report category", t.Category)
	case t.Community == "" || !textOK(t.Community, 40):
		return bad("ticket", "community", "is missing")
	case !textOK(t.Building, 40) || !textOK(t.Unit, 20) || !textOK(t.Room, 20):
		return bad("ticket", "location", "is too long")
	case len(t.Phrases) == 0 && strings.TrimSpace(t.Text) == "":
		return bad("ticket", "description", "needs a phrase or text")
	case len(t.Phrases) > 10 || !textOK(t.Text, 500):
		return bad("ticket", "description", "is too long")
	case t.Channel != "kiosk" && t.Channel != "mobile":
		return bad("ticket", "channel", "must be kiosk or mobile")
	case t.Channel == "kiosk" && t.Text != "":
		return bad("ticket", "text", "is not typed on the kiosk")
	}
	for _, p := range t.Phrases {
		if !textOK(p, 40) || p == "" {
			return bad("ticket", "phrase", "is empty or too long")
		}
	}
	return ValidatePhone(t.Phone)
}

// Validate checks an application; the ID number by GB 11643.
func (a *Application) Validate() error {
	switch {
	case !numberPattern.MatchString(a.Number) || a.Number[0] != 'A':
		return bad("application", "number", "%q is not an application number", a.Number)
	case !secretPattern.MatchString(a.Secret):
		return bad("application", "secret", "is malformed")
	case a.Name == "" || !textOK(a.Name, 30):
		return bad("application", "name", "is missing")
	case a.Source != "card" && a.Source != "keypad":
		return bad("application", "source", "must be card or keypad")
	case !oneOf(a.Reason, ApplicationReasons):
		return bad("application", "reason", "%q is not one of %v", a.Reason, ApplicationReasons)
	case a.FeeFen != TempIDFeeFen:
		return bad("application", "fee", "must be %d fen", TempIDFeeFen)
	case !numberPattern.MatchString(a.Payment) || a.Payment[0] != 'P':
		return bad("application", "payment", "needs the fee's receipt number")
	}
	if err := ValidateIDNumber(a.IDNumber); err != nil {
		return err
	}
	return ValidatePhone(a.Phone)
}

// Validate checks a payment's arithmetic: what was paid covers what was due,
// and only cash may overpay, the rest kept as credit.
func (p *Payment) Validate() error {
	switch {
	case !numberPattern.MatchString(p.Receipt) || p.Receipt[0] != 'P':
		return bad("payment", "receipt", "%q is not a receipt number", p.Receipt)
	case p.Biller != "tempid" && !isBiller(p.Biller):
		return bad("payment", "biller", "%q is unknown", p.Biller)
	case !accountPattern.MatchString(p.Account):
		return bad("payment", "account", "is malformed")
	case p.DueFen <= 0 || p.DueFen > 10_000_000:
		return bad("payment", "due", "must be 1 fen to 100 000 yuan")
	case p.PaidFen < p.DueFen:
		return bad("payment", "paid", "is less than due")
	case p.Credit != p.PaidFen-p.DueFen:
		return bad("payment", "credit", "must be paid minus due")
	case p.Method != "cash" && p.Method != "wechat" && p.Method != "alipay":
		return bad("payment", "method", "must be cash, wechat or alipay")
	case p.Method != "cash" && p.Credit != 0:
		return bad("payment", "credit", "only cash can overpay")
	case p.Secret != "" && !secretPattern.MatchString(p.Secret):
		return bad("payment", "secret", "is malformed")
	case p.Method == "cash":
		var sum int64
		for _, n := range p.Notes {
			if n <= 0 {
				return bad("payment", "notes", "must be positive")
			}
			sum += n
		}
		if sum != p.PaidFen {
			return bad("payment", "notes", "add up to %d, paid is %d", sum, p.PaidFen)
		}
	}
	return nil
}

// Validate checks an incomplete payment.
func (p *PaymentIncomplete) Validate() error {
	switch {
	case !numberPattern.MatchString(p.Receipt) || p.Receipt[0] != 'P':
		return bad("payment.incomplete", "receipt", "%q is not a receipt number", p.Receipt)
	case p.PaidFen <= 0:
		return bad("payment.incomplete", "paid", "must be positive")
	case p.Method != "cash" && p.Method != "wechat" && p.Method != "alipay":
		return bad("payment.incomplete", "method", "must be cash, wechat or alipay")
	case p.Reason == "" || !textOK(p.Reason, 200):
		return bad("payment.incomplete", "reason", "is missing")
	}
	return nil
}

// Validate checks a rating.
func (r *Rating) Validate() error {
	switch {
	case r.Level < 1 || r.Level > 5:
		return bad("rating", "level", "must be 1–5")
	case r.Record == "":
		return bad("rating", "record", "must name the rated service")
	case !oneOf(r.Service, []string{KindTicket, KindApplication, KindPayment, "guide"}):
		return bad("rating", "service", "%q cannot be rated", r.Service)
	case len(r.Reasons) > 5:
		return bad("rating", "reasons", "at most 5")
	}
	for _, s := range r.Reasons {
		if !textOK(s, 20) || s == "" {
			return bad("rating", "reason", "is empty or too long")
		}
	}
	return nil
}

// Validate checks a device event.
func (e *DeviceEvent) Validate() error {
	if !oneOf(e.Device, []string{"printer", "idcard", "cash", "scanner"}) || e.Event == "" || !textOK(e.Event, 60) || !textOK(e.Detail, 200) {
		return bad("device.event", "device/event", "malformed")
	}
	return nil
}

// Validate checks a cash collection.
func (c *CashCollected) Validate() error {
	if c.Notes < 0 || c.Coins < 0 || c.TotalFen < 0 {
		return bad("cash.collected", "counts", "must not be negative")
	}
	return nil
}

func isBiller(id string) bool {
	for _, b := range Billers {
		if b.ID == id {
			return true
		}
	}
	return false
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// RecordData is the data of any record kind.
type RecordData interface{ Validate() error }

// NewRecordData returns an empty value of kind's data type, or nil for an
// unknown kind.
func NewRecordData(kind string) RecordData {
	switch kind {
	case KindTicket:
		return &Ticket{}
	case KindApplication:
		return &Application{}
	case KindPayment:
		return &Payment{}
	case KindPaymentIncomplete:
		return &PaymentIncomplete{}
	case KindRating:
		return &Rating{}
	case KindDeviceEvent:
		return &DeviceEvent{}
	case KindCashCollected:
		return &CashCollected{}
	}
	return nil
}

// DecodeRecord decodes a record's data strictly (unknown keys are errors) and
// validates it.
func DecodeRecord(kind string, data []byte) (RecordData, error) {
	v := NewRecordData(kind)
	if v == nil {
		return nil, Errorf(EINVALID, "unknown record kind %q", kind)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, Errorf(EINVALID, "%s: %v", kind, err)
	}
	if dec.More() {
		return nil, Errorf(EINVALID, "%s: trailing data", kind)
	}
	return v, v.Validate()
}

// ReportPhrases are the preset descriptions offered per report category
// (SPEC §2.4): residents tap phrases instead of typing on the kiosk.
var ReportPhrases = map[string][]string{
	"供水":   {"家中无水", "水压太低", "水质发黄或有异味", "水管漏水", "水表损坏"},
	"排水":   {"下水道堵塞", "污水冒溢", "化粪池满溢", "雨水井堵塞", "井盖缺失或破损"},
	"供热":   {"暖气不热", "暖气漏水", "室温低于18度", "管道异响", "阀门损坏"},
	"环境卫生": {"垃圾未及时清运", "楼道堆放杂物", "道路积雪未清", "小广告乱贴", "绿化带脏乱"},
	"楼道照明": {"楼道灯不亮", "灯一直亮不灭", "声控开关失灵", "线路裸露"},
	"安全隐患": {"消防通道堵塞", "电动车楼道充电", "燃气异味", "外墙或窗户有坠落风险", "电线私拉乱接"},
	"邻里纠纷": {"噪音扰民", "漏水影响邻居", "公共区域占用", "宠物扰民", "停车纠纷"},
	"其他":   {"需要社区上门", "需要工作人员回电", "设施损坏"},
}
