package backoffice

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin"
	"bianmin/office"
)

// The payments pages (SPEC §5.2): the ledger per kiosk and day, cash
// collections against the cash the kiosks recorded, and the incomplete
// payments staff settle. Amounts are integer 分 from the store, shown in 元
// only by the templates ({{yuan}}).

// ledgerFuncs are the template functions of the payments, content, fleet
// and export pages; init adds them to the shared set before New parses the
// templates.
var ledgerFuncs = template.FuncMap{
	"billerName":  billerName,
	"methodName":  methodName,
	"settleLabel": office.SettleLabel,
	// diffClass marks a cash difference: short (missing cash) or over.
	"diffClass": func(fen int64) string {
		switch {
		case fen < 0:
			return "short"
		case fen > 0:
			return "over"
		}
		return "even"
	},
	"signedYuan": func(fen int64) string {
		if fen > 0 {
			return "+" + bianmin.FormatYuan(fen)
		}
		return bianmin.FormatYuan(fen)
	},
	"dec": func(n int) int { return n - 1 },
}

func init() {
	for name, fn := range ledgerFuncs {
		funcs[name] = fn
	}
}

// ledgerPage is the size of the ledger's and the lists' pages.
const ledgerPage = 100

// billerOption is a biller in a filter's choices.
type billerOption struct{ ID, Name string }

// billerOptions are the billers of the filters: the six of SPEC §2.6 and
// the temporary ID card's fee.
func billerOptions() []billerOption {
	out := make([]billerOption, 0, len(bianmin.Billers)+1)
	for _, b := range bianmin.Billers {
		out = append(out, billerOption{b.ID, b.Name})
	}
	tempid, _ := bianmin.PayeeName("tempid")
	return append(out, billerOption{"tempid", tempid})
}

// billerName is the Chinese name of a biller id.
func billerName(id string) string {
	if n, ok := bianmin.PayeeName(id); ok {
		return n
	}
	return id
}

// methodName is the Chinese name of a payment method.
func methodName(m string) string {
	switch m {
	case bianmin.MethodCash:
		return "现金"
	case bianmin.MethodWeChat:
		return "微信"
	case bianmin.MethodAlipay:
		return "支付宝"
	}
	return m
}

// methods are the payment methods in display order.
var methods = []string{bianmin.MethodCash, bianmin.MethodWeChat, bianmin.MethodAlipay}

// dateRange is a range of whole days as staff pick it: From and To are
// the first and the last day (inclusive), YYYY-MM-DD in the back office's
// zone.
type dateRange struct {
	From, To string
}

// parseDay reads YYYY-MM-DD as the start of that day in h.loc.
func (h *Handler) parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), h.loc)
	return t, err == nil
}

// readRange reads from and to of q, defaulting to the first day of this
// month and today, and returns the range of times [start of From, end of
// To). A malformed date is EINVALID with a message for staff.
func (h *Handler) readRange(q url.Values) (dateRange, office.ExportRange, error) {
	now := h.now().In(h.loc)
	dr := dateRange{From: q.Get("from"), To: q.Get("to")}
	if dr.From == "" {
		dr.From = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, h.loc).Format(time.DateOnly)
	}
	if dr.To == "" {
		dr.To = now.Format(time.DateOnly)
	}
	from, ok1 := h.parseDay(dr.From)
	to, ok2 := h.parseDay(dr.To)
	if !ok1 || !ok2 {
		return dr, office.ExportRange{}, bianmin.Errorf(bianmin.EINVALID, "日期格式应为 年-月-日，例如 2026-11-01")
	}
	// The end is the start of the day after To, found by the calendar so
	// a day is a day in any zone.
	end := time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, h.loc)
	r := office.ExportRange{From: from, To: end}
	return dr, r, r.Validate()
}

// utcOffset is the offset of h.loc at t, for grouping by day.
func (h *Handler) utcOffset(t time.Time) int {
	_, off := t.In(h.loc).Zone()
	return off
}

// kioskOption is a kiosk in a filter's choices.
type kioskOption struct{ ID, Name string }

// kioskOptions lists the enrolled kiosks, and a name lookup.
func (h *Handler) kioskOptions(ctx context.Context) ([]kioskOption, map[string]string, error) {
	ks, err := h.store.Kiosks(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]kioskOption, 0, len(ks))
	names := make(map[string]string, len(ks))
	for _, k := range ks {
		out = append(out, kioskOption{k.ID, k.Name})
		names[k.ID] = k.Name
	}
	return out, names, nil
}

// ledgerFilter is the ledger's filter as the form shows it.
type ledgerFilter struct {
	dateRange
	Kiosk, Biller, Method string
}

// query is the filter as a query string, for links.
func (f ledgerFilter) query() url.Values {
	v := url.Values{}
	for k, val := range map[string]string{"from": f.From, "to": f.To, "kiosk": f.Kiosk, "biller": f.Biller, "method": f.Method} {
		if val != "" {
			v.Set(k, val)
		}
	}
	return v
}

// Query is the filter as an encoded query string, for templates.
func (f ledgerFilter) Query() string { return f.query().Encode() }

// ledgerPageData is the ledger page's data.
type ledgerPageData struct {
	Filter  ledgerFilter
	Error   string
	Days    []office.LedgerDay
	Totals  office.LedgerTotals
	Pager   pager
	Kiosks  []kioskOption
	Billers []billerOption
	Methods []string
}

// readLedger reads the ledger's filter from q into a store query.
func (h *Handler) readLedger(q url.Values) (ledgerFilter, office.LedgerQuery, error) {
	dr, r, err := h.readRange(q)
	f := ledgerFilter{dateRange: dr, Kiosk: q.Get("kiosk"), Biller: q.Get("biller"), Method: q.Get("method")}
	lq := office.LedgerQuery{ExportRange: r, KioskID: f.Kiosk, Biller: f.Biller, Method: f.Method}
	if err != nil {
		return f, lq, err
	}
	lq.UTCOffset = h.utcOffset(r.From)
	return f, lq, lq.Validate()
}

// ledgerSelection is what a ledger page reads from its request.
type ledgerSelection struct {
	filter ledgerFilter
	kiosks []kioskOption
	names  map[string]string // kiosk names by id
	page   int
	query  office.LedgerQuery  // the rows of page
	totals office.LedgerTotals // of everything the filter selects
}

// selectLedger reads the ledger page q asks for, and the totals of its
// filter. A filter staff must fix is EINVALID, returned with the filter and
// the kiosks read for the form; any other error is the system's.
func (h *Handler) selectLedger(ctx context.Context, q url.Values) (ledgerSelection, error) {
	var sel ledgerSelection
	var err error
	if sel.kiosks, sel.names, err = h.kioskOptions(ctx); err != nil {
		return sel, err
	}
	if sel.filter, sel.query, err = h.readLedger(q); err != nil {
		return sel, err
	}
	sel.page = pageNumber(q)
	sel.query.Limit, sel.query.Offset = ledgerPage, (sel.page-1)*ledgerPage
	sel.totals, err = h.store.LedgerTotals(ctx, sel.query)
	return sel, err
}

func (h *Handler) servePayments(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	sel, err := h.selectLedger(ctx, r.URL.Query())
	data := ledgerPageData{Filter: sel.filter, Kiosks: sel.kiosks, Billers: billerOptions(), Methods: methods, Totals: sel.totals}
	if err != nil {
		h.refuseFilter(w, r, me, err, "payments.html", "缴费台账", &data.Error, &data)
		return
	}
	if data.Days, err = h.store.LedgerDays(ctx, sel.query); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data.Pager = newPager("/staff/payments", sel.filter.query(), sel.page, data.Totals.Days, ledgerPage)
	h.render(w, r, me, http.StatusOK, "payments.html", "缴费台账", data)
}

// refuseFilter renders a list page with the filter's error above it and
// no rows (422): a malformed filter is the user's to fix, not a failure.
// Any other error is answered as the system's.
func (h *Handler) refuseFilter(w http.ResponseWriter, r *http.Request, me *Staff, err error, tmpl, title string, msg *string, data any) {
	if bianmin.ErrorCode(err) != bianmin.EINVALID {
		h.internalError(w, r, me, err)
		return
	}
	*msg = err.Error()
	h.render(w, r, me, http.StatusUnprocessableEntity, tmpl, title, data)
}

// paymentRow is a payment in the day's list.
type paymentRow struct {
	office.PaymentInfo
	KioskName string
}

// dayPageData is the page of one kiosk's payments of one day (or of the
// filter's whole range when no day is given).
type dayPageData struct {
	Filter    ledgerFilter
	Error     string
	KioskName string
	Rows      []paymentRow
	Totals    office.LedgerTotals
	Pager     pager
}

func (h *Handler) servePaymentList(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	sel, err := h.selectLedger(ctx, r.URL.Query())
	data := dayPageData{Filter: sel.filter, KioskName: sel.names[sel.filter.Kiosk], Totals: sel.totals}
	if err != nil {
		h.refuseFilter(w, r, me, err, "payment_list.html", "缴费明细", &data.Error, &data)
		return
	}
	list, err := h.store.LedgerPayments(ctx, sel.query)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	for _, p := range list {
		data.Rows = append(data.Rows, paymentRow{PaymentInfo: p, KioskName: sel.names[p.KioskID]})
	}
	data.Pager = newPager("/staff/payments/list", sel.filter.query(), sel.page, data.Totals.Count, ledgerPage)
	h.render(w, r, me, http.StatusOK, "payment_list.html", "缴费明细", data)
}

// cashPageData is the cash page's data.
type cashPageData struct {
	Kiosk  string
	Kiosks []kioskOption
	Open   []office.OpenCash
	Checks []office.CashCheck
	Pager  pager
	// Mismatches counts the listed collections whose count differs from
	// the records.
	Mismatches int
}

func (h *Handler) serveCash(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	q := r.URL.Query()
	kiosks, _, err := h.kioskOptions(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data := cashPageData{Kiosk: q.Get("kiosk"), Kiosks: kiosks}
	if data.Open, err = h.store.OpenCash(ctx); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if data.Kiosk != "" {
		open := data.Open[:0:0]
		for _, o := range data.Open {
			if o.KioskID == data.Kiosk {
				open = append(open, o)
			}
		}
		data.Open = open
	}
	page := pageNumber(q)
	checks, err := h.store.CashChecks(ctx, office.CashQuery{KioskID: data.Kiosk, Limit: ledgerPage + 1, Offset: (page - 1) * ledgerPage})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data.Checks, data.Pager = probedPage(checks, "/staff/payments/cash", url.Values{"kiosk": {data.Kiosk}}, page, ledgerPage)
	for _, c := range data.Checks {
		if c.DifferenceFen() != 0 {
			data.Mismatches++
		}
	}
	h.render(w, r, me, http.StatusOK, "cash.html", "现金清点", data)
}

// incompletePageData is the incomplete payments page's data.
type incompletePageData struct {
	State   string // "", office.IncompleteOpen or office.IncompleteSettled
	Entries []office.IncompleteEntry
	Pager   pager
	// Error, Form and Target redisplay a refused settlement: the message,
	// what was typed, and which entry it was for.
	Error  string
	Target string // kiosk/record of the refused entry
	Form   settleForm
	// GatewayRefunds: a refund of a mobile payment is made at the provider
	// by officed (Config.Payments), not by hand in the merchant console.
	GatewayRefunds bool
}

// settleForm is what a settlement form posts.
type settleForm struct {
	Action, Reason string
}

// maxSettleReason is the reason's length in characters (office
// ValidateSettlement).
const maxSettleReason = 200

func (h *Handler) serveIncomplete(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showIncomplete(w, r, me, http.StatusOK, incompletePageData{State: r.URL.Query().Get("state")})
}

// showIncomplete renders the list; data carries the state filter and, after
// a refused settlement, its error and form.
func (h *Handler) showIncomplete(w http.ResponseWriter, r *http.Request, me *Staff, status int, data incompletePageData) {
	q := r.URL.Query()
	switch data.State {
	case "", office.IncompleteOpen, office.IncompleteSettled:
	default:
		data.State = ""
	}
	data.GatewayRefunds = h.payments != nil
	page := pageNumber(q)
	list, err := h.store.IncompleteEntries(r.Context(), office.IncompleteQuery{State: data.State, Limit: ledgerPage + 1, Offset: (page - 1) * ledgerPage})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data.Entries, data.Pager = probedPage(list, "/staff/payments/incomplete", url.Values{"state": {data.State}}, page, ledgerPage)
	h.render(w, r, me, status, "incomplete.html", "未完成缴费", data)
}

// settle records how an incomplete payment was settled, with its audit
// entry in the same transaction.
func (h *Handler) settle(w http.ResponseWriter, r *http.Request, me *Staff) {
	kiosk, record := r.PathValue("kiosk"), r.PathValue("record")
	form := settleForm{Action: r.PostForm.Get("action"), Reason: strings.TrimSpace(r.PostForm.Get("reason"))}
	refuse := func(status int, msg string) {
		h.showIncomplete(w, r, me, status, incompletePageData{State: office.IncompleteOpen, Error: msg,
			Target: kiosk + "/" + record, Form: form})
	}
	if form.Action != office.SettleRefund && form.Action != office.SettleComplete {
		refuse(http.StatusUnprocessableEntity, "请选择处理方式：退款或补办完成。")
		return
	}
	if form.Reason == "" || utf8.RuneCountInString(form.Reason) > maxSettleReason {
		refuse(http.StatusUnprocessableEntity, "请填写处理原因（不超过 200 字），例如“已当面退还现金”。")
		return
	}
	var refunded string
	if form.Action == office.SettleRefund {
		note, ok := h.refundAtProvider(w, r, me, kiosk, record, refuse)
		if !ok {
			return
		}
		refunded = note
	}
	now := h.now()
	st := office.Settlement{KioskID: kiosk, RecordID: record, Action: form.Action, Reason: form.Reason,
		Staff: me.User.Name, At: now}
	audit := *h.auditEntry(r, me, "payment.settle")
	audit.Before = "未处理"
	audit.After = office.SettleLabel(form.Action) + "：" + form.Reason + refunded
	e, err := h.store.Settle(r.Context(), st, audit)
	if err != nil {
		switch bianmin.ErrorCode(err) {
		case bianmin.EINVALID, bianmin.ECONFLICT:
			refuse(statusOf(err), err.Error())
		default:
			h.fail(w, r, me, err)
		}
		return
	}
	h.done(w, r, "/staff/payments/incomplete?state=settled",
		"已处理未完成缴费 "+e.Receipt+"（"+office.SettleLabel(form.Action)+" "+bianmin.FormatYuan(e.PaidFen)+" 元）")
}

// refundAtProvider reverses an incomplete mobile payment at the provider
// before its refund is recorded, so a recorded refund of a WeChat or Alipay
// payment is money actually returned. It returns what the settlement's
// audit entry adds ("" for cash, handed back at the counter), or false when it
// has answered the request itself (the provider cannot be reached: nothing
// is recorded, staff try again). A payment whose order officed never saw
// online cannot be reversed here, and says so.
func (h *Handler) refundAtProvider(w http.ResponseWriter, r *http.Request, me *Staff, kiosk, record string, refuse func(int, string)) (string, bool) {
	e, err := h.store.IncompleteEntry(r.Context(), kiosk, record)
	if err != nil || e.Settlement != nil || e.Method == bianmin.MethodCash || h.payments == nil {
		return "", true // unknown or settled already: Settle refuses it with its own message
	}
	res, err := h.payments.Cancel(r.Context(), kiosk, e.Receipt)
	switch {
	case errors.Is(err, office.ErrGatewayUnavailable):
		refuse(http.StatusServiceUnavailable, "暂时无法连接支付机构，退款未办理，也未登记。请稍后再试。")
		return "", false
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		refuse(http.StatusConflict, "本系统没有这笔付款码支付的订单，无法原路退款；请在支付平台商户后台核实并退款后，选择“补办完成”并写明情况。")
		return "", false
	case err != nil:
		h.fail(w, r, me, err)
		return "", false
	}
	note := "（已原路退回"
	if res.GatewayRef != "" {
		note += "，支付机构流水 " + res.GatewayRef
	}
	return note + "）", true
}
