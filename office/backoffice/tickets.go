package backoffice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin"
	"bianmin/office"
)

// directory is the published member units and grid data, for names on
// pages and the choices of forms.
type directory struct {
	Units       []bianmin.Unit
	Communities []bianmin.Community
	unitByID    map[string]*bianmin.Unit
	commByID    map[string]*bianmin.Community
}

func (h *Handler) directory(ctx context.Context) (*directory, error) {
	units, err := office.LoadUnits(ctx, h.store)
	if err != nil {
		return nil, err
	}
	grid, err := office.LoadGrid(ctx, h.store)
	if err != nil {
		return nil, err
	}
	d := &directory{Units: units, Communities: grid, unitByID: map[string]*bianmin.Unit{}, commByID: map[string]*bianmin.Community{}}
	for i := range d.Units {
		d.unitByID[d.Units[i].ID] = &d.Units[i]
	}
	for i := range d.Communities {
		d.commByID[d.Communities[i].ID] = &d.Communities[i]
	}
	return d, nil
}

// UnitName is the name of member unit id, or the id when it is no longer
// published.
func (d *directory) UnitName(id string) string {
	if u, ok := d.unitByID[id]; ok {
		return u.Name
	}
	return id
}

// CommunityName is the name of community id, or the id.
func (d *directory) CommunityName(id string) string {
	if c, ok := d.commByID[id]; ok {
		return c.Name
	}
	return id
}

// Location is a ticket's place as staff read it: 花园社区 3号楼 2单元 501.
func (d *directory) Location(t *office.TicketInfo) string {
	parts := []string{d.CommunityName(t.Community)}
	building := t.Building
	if c, ok := d.commByID[t.Community]; ok {
		for _, b := range c.Buildings {
			if b.ID == t.Building {
				building = b.Name
			}
		}
	}
	for _, p := range []string{building, t.Unit, t.Room} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// ticketRow is a ticket in a list.
type ticketRow struct {
	office.TicketInfo
	Location, UnitName string
	Overdue, LowRating bool
}

func (h *Handler) row(d *directory, t office.TicketInfo, now time.Time) ticketRow {
	return ticketRow{TicketInfo: t, Location: d.Location(&t), UnitName: d.UnitName(t.UnitID),
		Overdue: t.Overdue(now), LowRating: t.CallBack || t.CallBackLevel > 0 && t.CallBackLevel <= office.CallBackLevel}
}

// ticketList is the ticket list page's data.
type ticketList struct {
	Filter      office.TicketFilter
	Rows        []ticketRow
	Pager       pager
	States      []string
	Categories  []string
	Dir         *directory
	UnitLocked  bool // unit staff: the unit filter is their own
	Query       string
	FilterQuery string // the filter as a query string, for links
}

// ticketFilter reads the list's filters from the query; unit staff are
// always held to their own unit.
func (h *Handler) ticketFilter(q url.Values, me *Staff) (office.TicketFilter, int) {
	f := office.TicketFilter{
		State: q.Get("state"), Category: q.Get("category"), Community: q.Get("community"), Unit: q.Get("unit"),
		Overdue: q.Get("overdue") == "1", CallBack: q.Get("callback") == "1", Open: q.Get("open") == "1",
		Now: h.now(), Limit: office.DefaultListPage,
	}
	if !me.Desk() {
		f.Unit = me.User.Unit
	}
	page := pageNumber(q)
	f.Offset = (page - 1) * f.Limit
	return f, page
}

func filterQuery(f office.TicketFilter, unitLocked bool) url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("state", f.State)
	set("category", f.Category)
	set("community", f.Community)
	if !unitLocked {
		set("unit", f.Unit)
	}
	if f.Overdue {
		v.Set("overdue", "1")
	}
	if f.CallBack {
		v.Set("callback", "1")
	}
	if f.Open {
		v.Set("open", "1")
	}
	return v
}

func (h *Handler) serveTickets(w http.ResponseWriter, r *http.Request, me *Staff) {
	if openNumber(w, r, bianmin.KindTicket, "/staff/tickets/") {
		return
	}
	q := r.URL.Query()
	f, pageNo := h.ticketFilter(q, me)
	d, err := h.directory(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	res, err := h.store.Tickets(r.Context(), f)
	if err != nil {
		h.listFailed(w, r, me, err)
		return
	}
	data := ticketList{Filter: f, States: bianmin.TicketStates, Categories: bianmin.ReportCategories, Dir: d,
		UnitLocked: !me.Desk(), Query: q.Get("q")}
	for _, t := range res.Tickets {
		data.Rows = append(data.Rows, h.row(d, t, f.Now))
	}
	fq := filterQuery(f, data.UnitLocked)
	data.FilterQuery = fq.Encode()
	data.Pager = newPager("/staff/tickets", fq, pageNo, res.Total, f.Limit)
	h.render(w, r, me, http.StatusOK, "tickets.html", "工单", data)
}

// ticketPage is the ticket detail page's data.
type ticketPage struct {
	T        ticketRow
	Timeline []bianmin.StatusEntry
	Dir      *directory
	// Actions are the changes this member of staff may make now, in the
	// order of the loop.
	Actions []string
	// Suggested lists the units handling the ticket's category first.
	Suggested       []bianmin.Unit
	DefaultDeadline time.Time
	DuplicateOf     string
	Error           string
	Ratings         []int
}

// maxReopenReason bounds the reason given for reopening, which reaches the
// resident's timeline as part of a note of at most 200 characters.
const maxReopenReason = 100

// ticketActions maps the action in a form's URL to the state it makes.
var ticketActions = map[string]string{
	"accept": bianmin.StateAccepted, "dispatch": bianmin.StateDispatched, "resolve": bianmin.StateResolved,
	"callback": bianmin.StateCalledBack, "close": bianmin.StateClosed, "reopen": bianmin.StateReopened,
	"duplicate": bianmin.StateDuplicate,
}

// allowedTicketStates are the states me may move a ticket in state to:
// the legal ones (office.NextStates) for the street office's staff; 办结
// alone for the unit the ticket is dispatched to.
func allowedTicketStates(me *Staff, t office.TicketInfo) []string {
	var out []string
	for _, s := range office.NextStates(bianmin.KindTicket, t.State) {
		if me.Desk() || s == bianmin.StateResolved && t.UnitID == me.User.Unit {
			out = append(out, s)
		}
	}
	return out
}

// loadTicket returns the ticket number if me may see it: unit staff see
// only tickets dispatched to their unit, and any other number is "not
// found" to them, exactly as a number that does not exist.
func (h *Handler) loadTicket(ctx context.Context, me *Staff, number string) (office.TicketInfo, error) {
	if kind, ok := bianmin.ServiceNumberKind(number); !ok || kind != bianmin.KindTicket {
		return office.TicketInfo{}, bianmin.Errorf(bianmin.ENOTFOUND, "no ticket %q", number)
	}
	t, err := h.store.Ticket(ctx, number)
	if err != nil {
		return t, err
	}
	if !me.Desk() && t.UnitID != me.User.Unit {
		return office.TicketInfo{}, bianmin.Errorf(bianmin.ENOTFOUND, "no ticket %q", number)
	}
	return t, nil
}

func (h *Handler) serveTicket(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showTicket(w, r, me, http.StatusOK, "")
}

// showTicket renders the ticket of the request's path, with an error
// message above it when an action was refused.
func (h *Handler) showTicket(w http.ResponseWriter, r *http.Request, me *Staff, status int, errMsg string) {
	t, err := h.loadTicket(r.Context(), me, r.PathValue("number"))
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	p, err := h.store.Progress(r.Context(), t.Number)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	d, err := h.directory(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	now := h.now()
	data := ticketPage{T: h.row(d, t, now), Timeline: p.Timeline, Dir: d, Actions: allowedTicketStates(me, t),
		DefaultDeadline: now.Add(72 * time.Hour).Truncate(time.Hour), Error: errMsg, Ratings: []int{5, 4, 3, 2, 1}}
	for _, u := range d.Units {
		if u.Handles(t.Category) {
			data.Suggested = append(data.Suggested, u)
		}
	}
	for _, u := range d.Units {
		if !u.Handles(t.Category) {
			data.Suggested = append(data.Suggested, u)
		}
	}
	h.render(w, r, me, status, "ticket.html", "工单 "+t.Number, data)
}

// ticketAction makes one change of the loop from a form. The resident
// sees the note it writes on the kiosk and the status page, so notes say
// what happens in plain words and carry no staff names.
func (h *Handler) ticketAction(w http.ResponseWriter, r *http.Request, me *Staff) {
	action := r.PathValue("action")
	state, ok := ticketActions[action]
	if !ok {
		h.serveFallback(w, r)
		return
	}
	t, err := h.loadTicket(r.Context(), me, r.PathValue("number"))
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	if !me.Desk() && state != bianmin.StateResolved {
		h.showTicket(w, r, me, http.StatusForbidden, "成员单位账号只能登记办理结果（办结）。")
		return
	}
	now := h.now()
	tr := office.Transition{Number: t.Number, State: state, At: now, Audit: h.auditEntry(r, me, "ticket."+action)}
	if !me.Desk() {
		tr.Scope = me.User.Unit
	}
	form := r.PostForm
	switch state {
	case bianmin.StateAccepted:
		tr.Note = "街道已受理，正在安排办理"
	case bianmin.StateDispatched:
		tr.Unit = form.Get("unit")
		deadline, err := time.ParseInLocation("2006-01-02T15:04", form.Get("deadline"), h.loc)
		if err != nil {
			h.showTicket(w, r, me, http.StatusUnprocessableEntity, "请填写办结时限（日期和时间）。")
			return
		}
		tr.Deadline = deadline
		d, err := h.directory(r.Context())
		if err != nil {
			h.internalError(w, r, me, err)
			return
		}
		tr.Note = fmt.Sprintf("已派至%s，限%s前办结", d.UnitName(tr.Unit), deadline.In(h.loc).Format("1月2日15:04"))
	case bianmin.StateResolved:
		tr.Result = strings.TrimSpace(form.Get("result"))
		tr.Note = "办理结果：" + tr.Result
	case bianmin.StateCalledBack:
		tr.Rating, _ = strconv.Atoi(form.Get("rating"))
		if tr.Rating >= 1 && tr.Rating <= 5 {
			tr.Note = "工作人员已回访，居民评价：" + bianmin.RatingLevels[5-tr.Rating]
		}
	case bianmin.StateClosed:
		tr.Note = "工单已办结归档"
	case bianmin.StateReopened:
		tr.Note = "工单重新办理"
		why := strings.TrimSpace(form.Get("reason"))
		if utf8.RuneCountInString(why) > maxReopenReason {
			h.showTicket(w, r, me, http.StatusUnprocessableEntity, fmt.Sprintf("重新办理的原因不超过 %d 字。", maxReopenReason))
			return
		}
		if why != "" {
			tr.Note += "：" + why
		}
	case bianmin.StateDuplicate:
		tr.DuplicateOf = strings.ToUpper(strings.TrimSpace(form.Get("duplicate_of")))
		tr.Note = "与工单 " + tr.DuplicateOf + " 反映的是同一问题，合并办理"
	}
	if _, err := h.store.Advance(r.Context(), tr); err != nil {
		switch code := bianmin.ErrorCode(err); code {
		case bianmin.EINVALID, bianmin.ECONFLICT:
			h.showTicket(w, r, me, statusOf(err), err.Error())
		default:
			h.fail(w, r, me, err)
		}
		return
	}
	h.done(w, r, "/staff/tickets/"+t.Number, "已"+office.ActionLabel(bianmin.KindTicket, state)+"："+t.Number)
}
