package backoffice

import (
	"net/http"
	"net/url"
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
	Filter office.ApplicationFilter
	Rows   []applicationRow
	Pager  pager
	States []string
}

func (h *Handler) serveApplications(w http.ResponseWriter, r *http.Request, me *Staff) {
	if openNumber(w, r, bianmin.KindApplication, "/staff/applications/") {
		return
	}
	q := r.URL.Query()
	f := office.ApplicationFilter{State: q.Get("state"), RefundDue: q.Get("refund") == "1", Limit: office.DefaultListPage}
	pageNo := pageNumber(q)
	f.Offset = (pageNo - 1) * f.Limit
	res, err := h.store.Applications(r.Context(), f)
	if err != nil {
		h.listFailed(w, r, me, err)
		return
	}
	data := applicationList{Filter: f, States: bianmin.ApplicationStates}
	for _, a := range res.Applications {
		data.Rows = append(data.Rows, applicationRow{ApplicationInfo: a, ReasonLabel: bianmin.ReasonLabel(a.Reason)})
	}
	// The pager's links keep the filters that are set.
	fq := url.Values{"state": {f.State}}
	if f.RefundDue {
		fq.Set("refund", "1")
	}
	data.Pager = newPager("/staff/applications", fq, pageNo, res.Total, f.Limit)
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
	"reject": bianmin.StateRejected, "refund": bianmin.StateRefunded,
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
