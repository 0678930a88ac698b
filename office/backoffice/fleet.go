package backoffice

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"bianmin/office"
)

// The fleet page (SPEC §5.2 "Kiosks"): every kiosk with what its last
// heartbeat said, one-time enrollment codes, and revocation. Admins only.

// codeHistory is how far back the page lists issued codes.
const codeHistory = 7 * 24 * time.Hour

// fleetKiosk is a kiosk on the fleet page.
type fleetKiosk struct {
	kioskRow
	Uptime  string     // from the last heartbeat
	Devices []deviceAt // the last heartbeat's device states, by role
}

// deviceAt is one device's state as the kiosk reported it.
type deviceAt struct {
	Role, Label, State string
	OK                 bool
}

var deviceLabels = map[string]string{"printer": "打印机", "idcard": "身份证阅读器", "cash": "纸币器", "scanner": "扫码器"}

// devices lists the heartbeat's device states, the known roles first.
func devices(states map[string]string) []deviceAt {
	roles := make([]string, 0, len(states))
	for r := range states {
		roles = append(roles, r)
	}
	order := func(r string) int {
		if i := slices.Index([]string{"printer", "idcard", "cash", "scanner"}, r); i >= 0 {
			return i
		}
		return 99
	}
	slices.SortFunc(roles, func(a, b string) int {
		if d := order(a) - order(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	out := make([]deviceAt, 0, len(roles))
	for _, r := range roles {
		label := deviceLabels[r]
		if label == "" {
			label = r
		}
		st := states[r]
		out = append(out, deviceAt{Role: r, Label: label, State: st, OK: strings.HasPrefix(st, "ready") || st == "ok"})
	}
	return out
}

// fleetData is the fleet page's data.
type fleetData struct {
	Active, Revoked []fleetKiosk
	Online          int
	Codes           []codeRow
	// Issued is set on the page that shows a new code, once.
	Issued *issuedCode
	Error  string
	Name   string // the name typed into a refused code form
}

type codeRow struct {
	office.EnrollCodeInfo
	State string // used, expired, open
}

// issuedCode is a code just made: shown on this response only, never
// stored or logged.
type issuedCode struct {
	Code, KioskName string
	Expires         time.Time
}

func (h *Handler) serveFleet(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showFleet(w, r, me, http.StatusOK, fleetData{})
}

func (h *Handler) showFleet(w http.ResponseWriter, r *http.Request, me *Staff, status int, data fleetData) {
	ctx, now := r.Context(), h.now()
	kiosks, err := h.store.Kiosks(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	for _, k := range kiosks {
		fk := fleetKiosk{kioskRow: h.kioskRow(k, now)}
		if hb := k.Heartbeat; hb != nil {
			fk.Uptime = formatDuration(time.Duration(hb.UptimeS) * time.Second)
			fk.Devices = devices(hb.Devices)
		}
		if k.Revoked() {
			fk.Alerts = nil
			data.Revoked = append(data.Revoked, fk)
			continue
		}
		if fk.Online {
			data.Online++
		}
		data.Active = append(data.Active, fk)
	}
	codes, err := h.store.EnrollCodes(ctx, now.Add(-codeHistory))
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	for _, c := range codes {
		data.Codes = append(data.Codes, codeRow{EnrollCodeInfo: c, State: c.State(now)})
	}
	h.render(w, r, me, status, "fleet.html", "自助服务机", data)
}

// issueCode makes a one-time enrollment code and shows it on this response
// only: the store keeps its hash, the audit log the kiosk's name, and
// nothing else ever sees the code.
func (h *Handler) issueCode(w http.ResponseWriter, r *http.Request, me *Staff) {
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if err := office.ValidKioskName(name); err != nil {
		h.showFleet(w, r, me, http.StatusUnprocessableEntity, fleetData{Error: "请填写自助机名称（不超过 64 个字），例如“花园街道服务大厅 1号机”。", Name: name})
		return
	}
	code := office.NewEnrollCode()
	hash, _ := office.HashEnrollCode(code)
	now := h.now()
	c := office.EnrollCode{Hash: hash, KioskName: name, Created: now, Expires: now.Add(office.EnrollCodeTTL)}
	if err := h.store.AddEnrollCode(r.Context(), c); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(r.Context(), r, me, "kiosk.enroll_code", name, "", "签发注册码，有效至 "+c.Expires.In(h.loc).Format("2006-01-02 15:04")); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.showFleet(w, r, me, http.StatusOK, fleetData{Issued: &issuedCode{Code: code, KioskName: name, Expires: c.Expires}})
}

// revokeKiosk stops a kiosk from syncing. The form must tick "confirm":
// revocation cannot be undone (the kiosk enrolls again with a new code).
func (h *Handler) revokeKiosk(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	k, err := h.store.Kiosk(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	if k.Revoked() {
		h.showFleet(w, r, me, http.StatusConflict, fleetData{Error: "自助机“" + k.Name + "”已于 " + k.RevokedAt.In(h.loc).Format("2006-01-02 15:04") + " 停用。"})
		return
	}
	if r.PostForm.Get("confirm") != "1" {
		h.showFleet(w, r, me, http.StatusUnprocessableEntity, fleetData{Error: "停用自助机“" + k.Name + "”须勾选“确认停用”：停用后它不能再同步，须用新的注册码重新注册。"})
		return
	}
	now := h.now()
	if err := h.store.Revoke(ctx, k.ID, now); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, "kiosk.revoke", k.ID, "在用："+k.Name, "已停用"); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/kiosks", "已停用自助机："+k.Name)
}
