package backoffice

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/syncapi"
)

// openStates are the states of open tickets, in the order of the loop.
var openStates = []string{bianmin.StateSubmitted, bianmin.StateAccepted, bianmin.StateDispatched,
	bianmin.StateReopened, bianmin.StateResolved, bianmin.StateCalledBack}

// dashboard is the dashboard's data.
type dashboard struct {
	Stats      office.TicketStats
	MonthStart time.Time
	States     []string
	Categories []string
	Cells      map[string]map[string]int // state → category → count
	RowTotal   map[string]int
	ColTotal   map[string]int
	OpenTotal  int
	Overdue    []ticketRow // the most overdue first
	CallBack   []ticketRow
	// Satisfaction this month from residents' ratings.
	Rated, Satisfied int
	AvgRating        string
	Kiosks           []kioskRow
	Online, Offline  int
	Alerts           int

	// A member unit's view: its own tickets only.
	UnitView            bool
	UnitName            string
	UnitTodo, UnitTotal int
	Todo                []ticketRow
}

// kioskRow is a kiosk with what needs attention.
type kioskRow struct {
	office.Kiosk
	Online bool
	Alerts []kioskAlert
}

type kioskAlert struct {
	Severe bool // stops a service (no paper, box full, offline)
	Text   string
}

// monthStart is the first instant of t's month in loc.
func monthStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
}

func (h *Handler) serveDashboard(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	now := h.now()
	d, err := h.directory(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data := dashboard{MonthStart: monthStart(now, h.loc)}
	if !me.Desk() {
		h.unitDashboard(w, r, me, d, &data)
		return
	}
	data.Stats, err = h.store.TicketStats(ctx, now, data.MonthStart)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data.States, data.Categories = openStates, bianmin.ReportCategories
	data.Cells, data.RowTotal, data.ColTotal = map[string]map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range data.Stats.Open {
		if data.Cells[c.State] == nil {
			data.Cells[c.State] = map[string]int{}
		}
		data.Cells[c.State][c.Category] += c.Count
		data.RowTotal[c.State] += c.Count
		data.ColTotal[c.Category] += c.Count
		data.OpenTotal += c.Count
	}
	for _, q := range []struct {
		f   office.TicketFilter
		out *[]ticketRow
	}{
		{office.TicketFilter{Overdue: true, Now: now, Limit: 10}, &data.Overdue},
		{office.TicketFilter{CallBack: true, Limit: 10}, &data.CallBack},
	} {
		page, err := h.store.Tickets(ctx, q.f)
		if err != nil {
			h.internalError(w, r, me, err)
			return
		}
		for _, t := range page.Tickets {
			*q.out = append(*q.out, h.row(d, t, now))
		}
	}
	sum := 0
	for i, n := range data.Stats.Ratings {
		data.Rated += n
		sum += n * (i + 1)
		if i >= 2 { // 基本满意 and better
			data.Satisfied += n
		}
	}
	if data.Rated > 0 {
		data.AvgRating = fmt.Sprintf("%.1f", float64(sum)/float64(data.Rated))
	}
	kiosks, err := h.store.Kiosks(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	for _, k := range kiosks {
		if k.Revoked() {
			continue
		}
		row := h.kioskRow(k, now)
		if row.Online {
			data.Online++
		} else {
			data.Offline++
		}
		data.Alerts += len(row.Alerts)
		data.Kiosks = append(data.Kiosks, row)
	}
	h.render(w, r, me, http.StatusOK, "dashboard.html", "工作台", data)
}

// unitDashboard is what a member unit's staff see first: the tickets
// waiting for their result, the overdue ones first.
func (h *Handler) unitDashboard(w http.ResponseWriter, r *http.Request, me *Staff, d *directory, data *dashboard) {
	ctx, now := r.Context(), h.now()
	data.UnitView, data.UnitName = true, d.UnitName(me.User.Unit)
	overdue, err := h.store.Tickets(ctx, office.TicketFilter{Unit: me.User.Unit, Overdue: true, Now: now, Limit: 20})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	todo, err := h.store.Tickets(ctx, office.TicketFilter{Unit: me.User.Unit, State: bianmin.StateDispatched, Limit: 50})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	all, err := h.store.Tickets(ctx, office.TicketFilter{Unit: me.User.Unit, Limit: 1})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data.UnitTodo, data.UnitTotal = todo.Total, all.Total
	seen := map[string]bool{}
	for _, t := range overdue.Tickets {
		data.Overdue = append(data.Overdue, h.row(d, t, now))
		seen[t.Number] = true
	}
	for _, t := range todo.Tickets {
		if !seen[t.Number] {
			data.Todo = append(data.Todo, h.row(d, t, now))
		}
	}
	h.render(w, r, me, http.StatusOK, "dashboard.html", "工作台", data)
}

// kioskRow reads a kiosk's last heartbeat for what needs attention: the
// kiosk offline, the printer's paper, the cash box filling, records piling
// up or refused.
func (h *Handler) kioskRow(k office.Kiosk, now time.Time) kioskRow {
	row := kioskRow{Kiosk: k, Online: !k.LastSeen.IsZero() && now.Sub(k.LastSeen) <= syncapi.OnlineWindow}
	add := func(severe bool, format string, args ...any) {
		row.Alerts = append(row.Alerts, kioskAlert{Severe: severe, Text: fmt.Sprintf(format, args...)})
	}
	switch {
	case k.LastSeen.IsZero():
		add(true, "从未上报心跳")
	case !row.Online:
		add(true, "离线，最后心跳在%s前", formatDuration(now.Sub(k.LastSeen)))
	}
	hb := k.Heartbeat
	if hb == nil {
		return row
	}
	printer := hb.Devices["printer"]
	switch {
	case strings.Contains(printer, "paper near end"):
		add(false, "打印纸将尽")
	case strings.Contains(printer, "paper end"):
		add(true, "打印机缺纸")
	case printer != "" && !strings.HasPrefix(printer, "ready"):
		add(true, "打印机故障：%s", printer)
	}
	full := strings.Contains(hb.Devices["cash"], "stacker full") || hb.Cash.Notes >= h.cashBox
	switch {
	case full:
		add(true, "钱箱已满（%d 张），请尽快清点收款", hb.Cash.Notes)
	case hb.Cash.Notes*10 >= h.cashBox*9:
		add(false, "钱箱将满（%d/%d 张）", hb.Cash.Notes, h.cashBox)
	}
	if hb.QueueDepth >= h.backlog {
		add(false, "待上传记录积压 %d 条", hb.QueueDepth)
	}
	if hb.Rejected > 0 {
		add(true, "%d 条记录被拒收，请技术人员检查", hb.Rejected)
	}
	return row
}
