package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// usersPage is the accounts page's data.
type usersPage struct {
	Users []office.StaffUser
	Dir   *directory
	Roles []string
	Error string
	Form  struct{ Name, Role, Unit string }
}

func (h *Handler) serveUsers(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showUsers(w, r, me, http.StatusOK, "", nil)
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, me *Staff, status int, errMsg string, form url.Values) {
	users, err := h.store.Users(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	d, err := h.directory(r.Context())
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	data := usersPage{Users: users, Dir: d, Roles: office.Roles, Error: errMsg}
	if form != nil {
		data.Form.Name, data.Form.Role, data.Form.Unit = form.Get("name"), form.Get("role"), form.Get("unit")
	}
	h.render(w, r, me, status, "users.html", "账号管理", data)
}

// NewStaffUser checks and builds a new account: the unit of a unit account
// must be published. Both officed user add and the accounts page use it.
func NewStaffUser(ctx context.Context, store office.Store, name, role, unit, password string) (office.StaffUser, error) {
	u := office.StaffUser{Name: strings.TrimSpace(name), Role: role, Unit: strings.TrimSpace(unit)}
	if role == office.RoleUnit && u.Unit != "" {
		units, err := office.LoadUnits(ctx, store)
		if err != nil {
			return u, err
		}
		known := false
		var ids []string
		for _, x := range units {
			ids = append(ids, x.ID)
			known = known || x.ID == u.Unit
		}
		if !known {
			return u, bianmin.Errorf(bianmin.EINVALID, "成员单位 %q 不存在；可选：%s", u.Unit, strings.Join(ids, "、"))
		}
	}
	hash, err := office.HashPassword(password)
	if err != nil {
		return u, err
	}
	u.PasswordHash = hash
	return u, office.ValidateStaffUser(u)
}

func (h *Handler) addUser(w http.ResponseWriter, r *http.Request, me *Staff) {
	f := r.PostForm
	unit := f.Get("unit")
	if f.Get("role") != office.RoleUnit {
		unit = "" // the form's unit choice only matters for unit accounts
	}
	if f.Get("password") != f.Get("again") {
		h.showUsers(w, r, me, http.StatusUnprocessableEntity, "两次输入的密码不一致。", f)
		return
	}
	u, err := NewStaffUser(r.Context(), h.store, f.Get("name"), f.Get("role"), unit, f.Get("password"))
	if err == nil {
		after := "角色：" + office.RoleLabel(u.Role)
		if u.Unit != "" {
			after += "；单位：" + u.Unit
		}
		e := office.AuditEntry{At: h.now(), Actor: me.User.Name, Role: me.User.Role, Action: "user.add", Subject: u.Name,
			After: after, IP: h.clientIP(r)}
		u, err = h.store.AddUser(r.Context(), u, e)
	}
	if err != nil {
		if code := bianmin.ErrorCode(err); code == bianmin.EINVALID || code == bianmin.ECONFLICT {
			h.showUsers(w, r, me, statusOf(err), err.Error(), f)
			return
		}
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/users", "已新建账号 "+u.Name)
}

// userAction disables or enables an account, or sets a new password for
// it (a member of staff who forgot theirs). An admin cannot disable their
// own account, so the office never locks itself out by a slip.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, me *Staff) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.serveFallback(w, r)
		return
	}
	u, err := h.store.User(r.Context(), id)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	now := h.now()
	e := office.AuditEntry{At: now, Actor: me.User.Name, Role: me.User.Role, Subject: u.Name, IP: h.clientIP(r)}
	switch r.PathValue("action") {
	case "disable":
		if u.ID == me.User.ID {
			h.showUsers(w, r, me, http.StatusConflict, "不能停用自己的账号。", nil)
			return
		}
		e.Action, e.Before, e.After = "user.disable", "启用", "停用"
		err = h.store.SetDisabled(r.Context(), u.ID, now, e)
	case "enable":
		e.Action, e.Before, e.After = "user.enable", "停用", "启用"
		err = h.store.SetDisabled(r.Context(), u.ID, time.Time{}, e)
	case "password":
		var hash string
		hash, err = office.HashPassword(r.PostForm.Get("password"))
		if err == nil {
			e.Action, e.After = "user.reset_password", "管理员重置密码，该账号的登录已全部退出"
			err = h.store.SetPassword(r.Context(), u.ID, hash, now, [32]byte{}, e)
		}
	default:
		h.serveFallback(w, r)
		return
	}
	if err != nil {
		if code := bianmin.ErrorCode(err); code == bianmin.EINVALID || code == bianmin.ECONFLICT {
			h.showUsers(w, r, me, statusOf(err), err.Error(), nil)
			return
		}
		h.fail(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/users", auditActionLabel(e.Action)+"："+u.Name)
}
