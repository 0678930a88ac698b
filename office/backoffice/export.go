package backoffice

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// CSV exports of tickets and payments for a date range (issue 6): UTF-8
// with a byte-order mark, so Excel opens the Chinese text correctly, a
// header row, money in 分 and in 元. Rows stream from the store to the
// client as they are read; a range is at most office.MaxLedgerRange.

// csvBOM makes Excel read the file as UTF-8 rather than the system's GBK.
const csvBOM = "\ufeff"

// flushRows is how many rows are written between flushes to the client.
const flushRows = 200

// exportPageData is the export form's data.
type exportPageData struct {
	Filter  ledgerFilter
	Kiosks  []kioskOption
	Billers []billerOption
	Methods []string
	Error   string
}

func (h *Handler) serveExport(w http.ResponseWriter, r *http.Request, me *Staff) {
	kiosks, _, err := h.kioskOptions(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	dr, _, _ := h.readRange(nil)
	h.render(w, r, me, http.StatusOK, "export.html", "导出", exportPageData{Filter: ledgerFilter{dateRange: dr},
		Kiosks: kiosks, Billers: billerOptions(), Methods: methods})
}

// cell makes text safe as a spreadsheet cell: a value that starts like a
// formula (= + - @, or a tab or carriage return before one) is prefixed
// with an apostrophe, so opening the file never runs a formula a resident
// typed into the mobile form.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvStream writes rows to the client as they come: the BOM and the header
// go out with the first row (or at the end, for an empty export), so an
// error before any row is still an ordinary error page.
type csvStream struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	cw      *csv.Writer
	header  []string
	started bool
	rows    int
}

func newCSVStream(w http.ResponseWriter, name string, header []string) *csvStream {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	return &csvStream{w: w, rc: http.NewResponseController(w), cw: csv.NewWriter(w), header: header}
}

func (s *csvStream) start() error {
	if s.started {
		return nil
	}
	s.started = true
	if _, err := s.w.Write([]byte(csvBOM)); err != nil {
		return err
	}
	return s.cw.Write(s.header)
}

// row writes one row, flushing to the client every flushRows rows; each
// flush moves the write deadline on, so a long export is bounded per chunk
// rather than as a whole.
func (s *csvStream) row(rec []string) error {
	if err := s.start(); err != nil {
		return err
	}
	if err := s.cw.Write(rec); err != nil {
		return err
	}
	s.rows++
	if s.rows%flushRows == 0 {
		return s.flush()
	}
	return nil
}

func (s *csvStream) flush() error {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	s.rc.SetWriteDeadline(time.Now().Add(time.Minute)) // not every writer supports deadlines
	if err := s.rc.Flush(); err != nil && err != http.ErrNotSupported {
		return err
	}
	return nil
}

// end finishes the file.
func (s *csvStream) end() error {
	if err := s.start(); err != nil {
		return err
	}
	return s.flush()
}

// exportFailed ends an export that broke off: before the first row it is
// an ordinary error page; after it, the connection is aborted, so the
// client sees a failed download rather than a file that looks complete
// but is short.
func (h *Handler) exportFailed(w http.ResponseWriter, r *http.Request, me *Staff, s *csvStream, err error) {
	if !s.started {
		w.Header().Del("Content-Disposition")
		h.fail(w, r, me, err)
		return
	}
	h.log.Error("back office: export broke off", "path", r.URL.Path, "rows", s.rows, "err", err)
	panic(http.ErrAbortHandler)
}

// exportTime writes a time for a spreadsheet, in the back office's zone.
func (h *Handler) exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.loc).Format(time.DateTime)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// readExport reads the range and the filters of an export, or shows why
// they are refused and reports false.
func (h *Handler) readExport(w http.ResponseWriter, r *http.Request, me *Staff) (ledgerFilter, office.LedgerQuery, bool) {
	f, lq, err := h.readLedger(r.URL.Query())
	if err != nil {
		if bianmin.ErrorCode(err) != bianmin.EINVALID {
			h.internalError(w, r, me, err)
			return f, lq, false
		}
		kiosks, _, kerr := h.kioskOptions(r.Context())
		if kerr != nil {
			h.internalError(w, r, me, kerr)
			return f, lq, false
		}
		h.render(w, r, me, http.StatusUnprocessableEntity, "export.html", "导出", exportPageData{Filter: f, Kiosks: kiosks,
			Billers: billerOptions(), Methods: methods, Error: err.Error()})
		return f, lq, false
	}
	return f, lq, true
}

var ticketHeader = []string{"工单编号", "提交时间", "渠道", "自助机", "类别", "社区", "楼栋", "单元", "房号", "问题描述",
	"联系电话（已遮蔽）", "状态", "承办单位", "办结时限", "受理时间", "派单时间", "办结时间", "办理结果", "回访评价",
	"关闭时间", "重复于", "待回访", "最近更新"}

// exportTickets streams the tickets submitted in the range. Phones are
// masked: a spreadsheet travels further than the back office.
func (h *Handler) exportTickets(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	f, lq, ok := h.readExport(w, r, me)
	if !ok {
		return
	}
	d, err := h.directory(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	_, names, err := h.kioskOptions(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, "export.tickets", f.From+"~"+f.To, "", "导出工单 CSV"); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	s := newCSVStream(w, "tickets_"+f.From+"_"+f.To+".csv", ticketHeader)
	err = h.store.EachTicket(ctx, lq.ExportRange, func(t office.TicketExport) error {
		channel, kiosk := "自助机", names[t.KioskID]
		if t.Channel == "mobile" {
			channel, kiosk = "手机", ""
		}
		desc := strings.Join(t.Phrases, "、")
		if t.Text != "" {
			if desc != "" {
				desc += "；"
			}
			desc += t.Text
		}
		building := t.Building
		if c, ok := d.commByID[t.Community]; ok {
			if b, ok := c.Building(t.Building); ok {
				building = b.Name
			}
		}
		rating := ""
		if t.CallBackLevel >= 1 && t.CallBackLevel <= 5 {
			rating = bianmin.RatingLevels[5-t.CallBackLevel]
		}
		unit := ""
		if t.UnitID != "" {
			unit = d.UnitName(t.UnitID)
		}
		return s.row([]string{t.Number, h.exportTime(t.Created), channel, cell(kiosk), t.Category,
			cell(d.CommunityName(t.Community)), cell(building), cell(t.Unit), cell(t.Room), cell(desc),
			bianmin.MaskPhone(t.Phone), bianmin.StateLabel(t.State), cell(unit), h.exportTime(t.Deadline),
			h.exportTime(t.Accepted), h.exportTime(t.Dispatched), h.exportTime(t.ResolvedAt), cell(t.Result), rating,
			h.exportTime(t.Closed), t.DuplicateOf, yesNo(t.CallBack), h.exportTime(t.Updated)})
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		h.exportFailed(w, r, me, s, err)
	}
}

var paymentHeader = []string{"收据号", "缴费时间", "自助机编号", "自助机名称", "缴费项目", "户号", "账期", "支付方式",
	"应缴（分）", "应缴（元）", "实收（分）", "实收（元）", "溢缴余额（分）", "溢缴余额（元）", "支付平台", "离线账单",
	"现金明细（分）", "上传时间"}

// exportPayments streams the payments the ledger's filter selects.
func (h *Handler) exportPayments(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	f, lq, ok := h.readExport(w, r, me)
	if !ok {
		return
	}
	_, names, err := h.kioskOptions(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	what := "导出缴费 CSV"
	for _, p := range []struct{ k, v string }{{"自助机", f.Kiosk}, {"项目", f.Biller}, {"方式", f.Method}} {
		if p.v != "" {
			what += fmt.Sprintf("，%s=%s", p.k, p.v)
		}
	}
	if err := h.audit(ctx, r, me, "export.payments", f.From+"~"+f.To, "", what); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	s := newCSVStream(w, "payments_"+f.From+"_"+f.To+".csv", paymentHeader)
	fen := func(n int64) string { return strconv.FormatInt(n, 10) }
	err = h.store.EachPayment(ctx, lq, func(p office.PaymentInfo) error {
		notes := make([]string, len(p.Notes))
		for i, n := range p.Notes {
			notes[i] = fen(n)
		}
		return s.row([]string{p.Receipt, h.exportTime(p.Created), p.KioskID, cell(names[p.KioskID]), billerName(p.Biller),
			cell(p.Account), cell(p.Period), methodName(p.Method), fen(p.DueFen), bianmin.FormatYuan(p.DueFen),
			fen(p.PaidFen), bianmin.FormatYuan(p.PaidFen), fen(p.Credit), bianmin.FormatYuan(p.Credit), cell(p.Gateway),
			yesNo(p.Offline), strings.Join(notes, " "), h.exportTime(p.Received)})
	})
	if err == nil {
		err = s.end()
	}
	if err != nil {
		h.exportFailed(w, r, me, s, err)
	}
}
