package backoffice

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"bianmin"
	"bianmin/office"
)

// actionLabels name the audited actions on the audit page.
var actionLabels = map[string]string{
	"login": "登录", "login.failed": "登录失败", "logout": "退出",
	"user.add": "新建账号", "user.password": "修改密码", "user.reset_password": "重置密码",
	"user.disable": "停用账号", "user.enable": "启用账号",
	"ticket.accept": "工单接单", "ticket.dispatch": "工单派单", "ticket.resolve": "工单办结",
	"ticket.callback": "工单回访", "ticket.close": "工单关闭", "ticket.reopen": "工单重新办理",
	"ticket.duplicate":   "标记重复工单",
	"application.accept": "受理申请", "application.issue": "制证完成", "application.collect": "确认领取",
	"application.reject": "驳回申请", "application.reveal_id": "查看完整身份证号",
	"kiosk.config": "发布自助机统一设置",
}

// auditActionLabel names an action; pages added later may register theirs
// in actionLabels, and unknown ones show as they are.
func auditActionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

type auditPage struct {
	Entries []auditRow
	Filter  office.AuditFilter
	NextURL string
	Groups  []auditGroup
}

type auditRow struct {
	office.AuditEntry
	Label    string
	RoleText string
	Link     string // the subject's page, for tickets and applications
}

type auditGroup struct{ Value, Label string }

var auditGroups = []auditGroup{
	{"", "全部"}, {"ticket.", "工单"}, {"application.", "临时身份证"}, {"user.", "账号"}, {"login", "登录"},
	{"login.failed", "登录失败"},
}

// serveAudit lists the audit log, newest first, 100 a page, filtered by
// account, subject (a ticket number …) and kind of action.
func (h *Handler) serveAudit(w http.ResponseWriter, r *http.Request, me *Staff) {
	q := r.URL.Query()
	f := office.AuditFilter{Actor: strings.TrimSpace(q.Get("actor")), Subject: strings.TrimSpace(q.Get("subject")),
		Action: q.Get("action"), Limit: 100}
	f.BeforeID, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	entries, err := h.store.AuditLog(r.Context(), f)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	data := auditPage{Filter: f, Groups: auditGroups}
	for _, e := range entries {
		row := auditRow{AuditEntry: e, Label: auditActionLabel(e.Action), RoleText: office.RoleLabel(e.Role)}
		if kind, ok := bianmin.ServiceNumberKind(e.Subject); ok {
			row.Link = "/staff/tickets/" + e.Subject
			if kind == bianmin.KindApplication {
				row.Link = "/staff/applications/" + e.Subject
			}
		}
		data.Entries = append(data.Entries, row)
	}
	if len(entries) == f.Limit {
		v := url.Values{}
		for k, val := range map[string]string{"actor": f.Actor, "subject": f.Subject, "action": f.Action} {
			if val != "" {
				v.Set(k, val)
			}
		}
		v.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		data.NextURL = "/staff/audit?" + v.Encode()
	}
	h.render(w, r, me, http.StatusOK, "audit.html", "审计日志", data)
}
