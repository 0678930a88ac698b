package backoffice

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bianmin"
	"bianmin/office"
)

// applicationRow is an application in the list: personal data masked.
type applicationRow struct {
	office.ApplicationInfo
	ReasonLabel string
}

type applicationList struct {
	Filter      office.ApplicationFilter
	Rows        []applicationRow
	Total       int
	Page, Pages int
	PrevURL     string
	NextURL     string
	States      []string
}

func (h *Handler) serveApplications(w http.ResponseWriter, r *http.Request, me *Staff) {
	q := r.URL.Query()
	if n := strings.ToUpper(strings.TrimSpace(q.Get("q"))); n != "" {
		if kind, ok := bianmin.ServiceNumberKind(n); ok && kind == bianmin.KindApplication {
			http.Redirect(w, r, "/staff/applications/"+n, http.StatusSeeOther)
			return
		}
	}
	f := office.ApplicationFilter{State: q.Get("state"), RefundDue: q.Get("refund") == "1", Limit: office.DefaultListPage}
	pageNo, _ := strconv.Atoi(q.Get("page"))
	pageNo = min(max(pageNo, 1), 100000)
	f.Offset = (pageNo - 1) * f.Limit
	res, err := h.store.Applications(r.Context(), f)
	if err != nil {
		if bianmin.ErrorCode(err) == bianmin.EINVALID {
			h.message(w, r, me, http.StatusBadRequest, "筛选条件无效", err.Error())
			return
		}
		h.internalError(w, r, me, err)
		return
	}
	data := applicationList{Filter: f, Total: res.Total, Page: pageNo, Pages: (res.Total + f.Limit - 1) / f.Limit,
		States: bianmin.ApplicationStates}
	for _, a := range res.Applications {
		data.Rows = append(data.Rows, applicationRow{ApplicationInfo: a, ReasonLabel: bianmin.ReasonLabel(a.Reason)})
	}
	link := func(p int) string {
		v := url.Values{}
		if f.State != "" {
			v.Set("state", f.State)
		}
		if f.RefundDue {
			v.Set("refund", "1")
		}
		v.Set("page", strconv.Itoa(p))
		return "/staff/applications?" + v.Encode()
	}
	if pageNo > 1 {
		data.PrevURL = link(pageNo - 1)
	}
	if pageNo < data.Pages {
		data.NextURL = link(pageNo + 1)
	}
	h.render(w, r, me, http.StatusOK, "applications.html", "临时身份证申请", data)
}

// applicationPage is the detail page's data. FullID is set only on the
// audited reveal.
type applicationPage struct {
	A           office.ApplicationInfo
	ReasonLabel string
	Timeline    []bianmin.StatusEntry
	Actions     []string
	FullID      string
	Error       string
}

var applicationActions = map[string]string{
	"accept": bianmin.StateAccepted, "issue": bianmin.StateIssued, "collect": bianmin.StateCollected,
	"reject": bianmin.StateRejected,
}

func applicationActionOf(state string) string {
	for a, s := range applicationActions {
		if s == state {
			return a
		}
	}
	return ""
}

func (h *Handler) loadApplication(r *http.Request) (office.ApplicationInfo, error) {
	number := r.PathValue("number")
	if kind, ok := bianmin.ServiceNumberKind(number); !ok || kind != bianmin.KindApplication {
		return office.ApplicationInfo{}, bianmin.Errorf(bianmin.ENOTFOUND, "no application %q", number)
	}
	return h.store.Application(r.Context(), number)
}

func (h *Handler) serveApplication(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showApplication(w, r, me, http.StatusOK, "", false)
}

// showApplication renders the application of the request's path; with
// reveal, the full ID number, after the view is in the audit log.
func (h *Handler) showApplication(w http.ResponseWriter, r *http.Request, me *Staff, status int, errMsg string, reveal bool) {
	a, err := h.loadApplication(r)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	p, err := h.store.Progress(r.Context(), a.Number)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	data := applicationPage{A: a, ReasonLabel: bianmin.ReasonLabel(a.Reason), Timeline: p.Timeline,
		Actions: office.NextStates(bianmin.KindApplication, a.State), Error: errMsg}
	if reveal {
		// No audit entry, no number: the view is only shown once it is logged.
		if err := h.audit(r.Context(), r, me, "application.reveal_id", a.Number, "", "查看完整身份证号"); err != nil {
			h.internalError(w, r, me, err)
			return
		}
		data.FullID = a.IDNumber
	}
	h.render(w, r, me, status, "application.html", "申请 "+a.Number, data)
}

// revealIDNumber shows the full ID number: a POST, so that it needs the
// CSRF token and is never prefetched, cached or left in the history.
func (h *Handler) revealIDNumber(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showApplication(w, r, me, http.StatusOK, "", true)
}

func (h *Handler) applicationAction(w http.ResponseWriter, r *http.Request, me *Staff) {
	action := r.PathValue("action")
	state, ok := applicationActions[action]
	if !ok {
		h.serveFallback(w, r)
		return
	}
	a, err := h.loadApplication(r)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	tr := office.Transition{Number: a.Number, State: state, At: h.now(), Audit: h.auditEntry(r, me, "application."+action)}
	switch state {
	case bianmin.StateAccepted:
		tr.Note = "申请已受理，正在制证"
	case bianmin.StateIssued:
		tr.Note = "临时身份证已制好，请携带回执和本人有效证件到街道便民服务中心领取"
	case bianmin.StateCollected:
		tr.Note = "已领取"
	case bianmin.StateRejected:
		tr.Reason = strings.TrimSpace(r.PostForm.Get("reason"))
		tr.Note = "申请未通过：" + tr.Reason + "。工本费将退还"
	}
	if _, err := h.store.Advance(r.Context(), tr); err != nil {
		switch bianmin.ErrorCode(err) {
		case bianmin.EINVALID, bianmin.ECONFLICT:
			h.showApplication(w, r, me, statusOf(err), err.Error(), false)
		default:
			h.fail(w, r, me, err)
		}
		return
	}
	msg := "已" + office.ActionLabel(bianmin.KindApplication, state) + "：" + a.Number
	if state == bianmin.StateRejected {
		msg += "，工本费 " + bianmin.FormatYuan(a.FeeFen) + " 元待退"
	}
	h.done(w, r, "/staff/applications/"+a.Number, msg)
}
