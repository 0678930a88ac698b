package backoffice

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

// The content pages (SPEC §5.2): service guides, member units with their
// responsibility lists (职责清单) and grid data (communities, buildings,
// grid workers). Each is listed, edited in a form, previewed as residents
// will see it, and published: publishing validates the whole item and puts
// it on the change feed (office.GuideStore.PublishGuides, FeedService
// Publish), so kiosks pick it up on their next pull. Invalid input is
// refused with the reason and publishes nothing. Admins only.
//
// The forms need no script: list fields are textareas with one entry per
// line, and tables (materials, buildings, grid workers) come with blank
// rows to fill; every preview gives three fresh blank rows.

// blankRows is how many empty rows a form's tables offer.
const blankRows = 3

// lines splits a textarea into its non-blank lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// column returns the i-th value of a repeated form field, trimmed.
func column(f url.Values, name string, i int) string {
	if vs := f[name]; i < len(vs) {
		return strings.TrimSpace(vs[i])
	}
	return ""
}

// rows is how many rows a form's table posted: the longest of its columns.
func rows(f url.Values, names ...string) int {
	n := 0
	for _, name := range names {
		n = max(n, len(f[name]))
	}
	return min(n, 1000) // a form never has more; a forged one is cut short
}

// contentPage is the content overview's data.
type contentPage struct {
	Guides      []bianmin.Guide
	Units       []bianmin.Unit
	Communities []bianmin.Community
	// Uncovered lists report categories no unit handles: reports of them
	// have nobody to be dispatched to.
	Uncovered []string
}

func (h *Handler) serveContent(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	guides, err := h.store.FindGuides(ctx, bianmin.GuideFilter{})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	d, err := h.directory(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	slices.SortStableFunc(guides, func(a, b bianmin.Guide) int { return strings.Compare(a.Category, b.Category) })
	h.render(w, r, me, http.StatusOK, "content.html", "内容", contentPage{Guides: guides, Units: d.Units,
		Communities: d.Communities, Uncovered: bianmin.UncoveredCategories(d.Units)})
}

// changedFields names the top-level fields that differ between two JSON
// documents of one kind, by their labels, for the audit log.
func changedFields(before, after any, labels map[string]string) []string {
	var a, b map[string]json.RawMessage
	ab, _ := json.Marshal(before)
	bb, _ := json.Marshal(after)
	json.Unmarshal(ab, &a)
	json.Unmarshal(bb, &b)
	var out []string
	for _, k := range slices.Sorted(mapKeys(a, b)) {
		if !bytes.Equal(a[k], b[k]) {
			if l, ok := labels[k]; ok {
				out = append(out, l)
			} else {
				out = append(out, k)
			}
		}
	}
	return out
}

func mapKeys(ms ...map[string]json.RawMessage) func(func(string) bool) {
	return func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range ms {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	}
}

// changeSummary is the audit's "after" of an edit: what changed.
func changeSummary(before, after any, labels map[string]string) string {
	changed := changedFields(before, after, labels)
	if len(changed) == 0 {
		return "内容未改动，重新发布"
	}
	return "改动：" + strings.Join(changed, "、")
}

// reserved are path segments of the content pages that no item may take as
// its id.
var reserved = []string{"new", "preview", "publish"}

// ---- Guides ----

var guideLabels = map[string]string{
	"id": "编号", "title": "标题", "category": "类别", "department": "承办部门", "conditions": "办理条件",
	"materials": "所需材料", "steps": "办理流程", "time_limit": "办结时限", "fee": "收费标准", "place": "办理地点",
	"hours": "办公时间", "phone": "咨询电话", "legal_basis": "法律依据", "version": "版本", "updated": "更新日期",
}

// guideForm is the guide editor's data.
type guideForm struct {
	New     bool
	G       bianmin.Guide
	Rows    []bianmin.Material // G.Materials and blank rows
	Error   string
	Preview bool // the guide is valid: show it as residents will, and the publish button
	// Text of the list fields, one entry per line.
	Conditions, Steps, LegalBasis string
	Categories                    []string
	Forms                         []string
}

func (h *Handler) guideEditor(r *http.Request, g bianmin.Guide, isNew bool) (guideForm, error) {
	f := guideForm{New: isNew, G: g, Forms: bianmin.MaterialForms,
		Conditions: strings.Join(g.Conditions, "\n"), Steps: strings.Join(g.Steps, "\n"), LegalBasis: strings.Join(g.LegalBasis, "\n")}
	f.Rows = append(slices.Clone(g.Materials), make([]bianmin.Material, blankRows)...)
	for i := len(g.Materials); i < len(f.Rows); i++ {
		f.Rows[i].Count = 1
	}
	cats, err := h.store.Categories(r.Context())
	f.Categories = cats
	return f, err
}

func (h *Handler) showGuide(w http.ResponseWriter, r *http.Request, me *Staff, status int, f guideForm) {
	title := "编辑指南"
	if f.New {
		title = "新建指南"
	}
	h.render(w, r, me, status, "guide_edit.html", title, f)
}

func (h *Handler) serveNewGuide(w http.ResponseWriter, r *http.Request, me *Staff) {
	f, err := h.guideEditor(r, bianmin.Guide{Version: "1"}, true)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.showGuide(w, r, me, http.StatusOK, f)
}

func (h *Handler) serveGuideEditor(w http.ResponseWriter, r *http.Request, me *Staff) {
	id := r.PathValue("id")
	if !bianmin.ValidGuideID(id) {
		h.serveFallback(w, r)
		return
	}
	g, err := h.store.Guide(r.Context(), id)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	f, err := h.guideEditor(r, g, false)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.showGuide(w, r, me, http.StatusOK, f)
}

// guideFromForm reads a guide from the editor's form. Updated is today:
// what staff publish is the guide's new update time.
func (h *Handler) guideFromForm(f url.Values) (bianmin.Guide, bool) {
	g := bianmin.Guide{
		ID: strings.TrimSpace(f.Get("id")), Title: strings.TrimSpace(f.Get("title")), Category: strings.TrimSpace(f.Get("category")),
		Department: strings.TrimSpace(f.Get("department")), Conditions: lines(f.Get("conditions")), Steps: lines(f.Get("steps")),
		TimeLimit: strings.TrimSpace(f.Get("time_limit")), Fee: strings.TrimSpace(f.Get("fee")), Place: strings.TrimSpace(f.Get("place")),
		Hours: strings.TrimSpace(f.Get("hours")), Phone: strings.TrimSpace(f.Get("phone")), LegalBasis: lines(f.Get("legal_basis")),
		Version: strings.TrimSpace(f.Get("version")), Updated: h.now().In(h.loc).Format(time.DateOnly),
	}
	for i := range rows(f, "mat_name", "mat_form", "mat_count", "mat_note") {
		m := bianmin.Material{Name: column(f, "mat_name", i), Form: column(f, "mat_form", i), Note: column(f, "mat_note", i)}
		if m.Name == "" && m.Note == "" {
			continue // a blank row
		}
		m.Count, _ = strconv.Atoi(column(f, "mat_count", i))
		g.Materials = append(g.Materials, m)
	}
	return g, f.Get("new") == "1"
}

// checkGuide validates g for publishing: the guide's own rules, and a new
// guide's id not taken.
func (h *Handler) checkGuide(r *http.Request, g bianmin.Guide, isNew bool) (old *bianmin.Guide, err error) {
	if slices.Contains(reserved, g.ID) {
		return nil, bianmin.Errorf(bianmin.EINVALID, "编号 %q 是保留字，请换一个", g.ID)
	}
	if err := g.Validate(); err != nil {
		return nil, contentError(err)
	}
	prev, err := h.store.Guide(r.Context(), g.ID)
	switch {
	case err == nil && isNew:
		return nil, bianmin.Errorf(bianmin.ECONFLICT, "编号 %s 已被指南《%s》使用，请换一个编号，或去编辑那篇指南", g.ID, prev.Title)
	case err == nil:
		return &prev, nil
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND && !isNew:
		return nil, bianmin.Errorf(bianmin.ENOTFOUND, "指南 %s 已被删除", g.ID)
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		return nil, nil
	}
	return nil, err
}

// previewGuide checks the edited guide and shows it as residents will see
// it, with the form to change it again or publish it.
func (h *Handler) previewGuide(w http.ResponseWriter, r *http.Request, me *Staff) {
	g, isNew := h.guideFromForm(r.PostForm)
	f, err := h.guideEditor(r, g, isNew)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if _, err := h.checkGuide(r, g, isNew); err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f.Error = err.Error()
		h.showGuide(w, r, me, statusOf(err), f)
		return
	}
	f.Preview = true
	h.showGuide(w, r, me, http.StatusOK, f)
}

// refusal reports whether err is the input's fault (shown on the form)
// rather than the system's.
func refusal(err error) bool {
	switch bianmin.ErrorCode(err) {
	case bianmin.EINVALID, bianmin.ECONFLICT, bianmin.ENOTFOUND:
		return true
	}
	return false
}

func (h *Handler) publishGuide(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	g, isNew := h.guideFromForm(r.PostForm)
	old, err := h.checkGuide(r, g, isNew)
	if err == nil {
		err = h.store.PublishGuides(ctx, []bianmin.Guide{g}, h.now())
	}
	if err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f, ferr := h.guideEditor(r, g, isNew)
		if ferr != nil {
			h.internalError(w, r, me, ferr)
			return
		}
		f.Error = err.Error()
		h.showGuide(w, r, me, statusOf(err), f)
		return
	}
	before, after := "新建", "版本 "+g.Version+"，"+g.Title
	if old != nil {
		before = "版本 " + old.Version + "，更新于 " + old.Updated
		after = "版本 " + g.Version + "；" + changeSummary(old, g, guideLabels)
	}
	if err := h.audit(ctx, r, me, "guide.publish", "guide/"+g.ID, before, after); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/content", "已发布指南《"+g.Title+"》，自助机下次同步时更新")
}

func (h *Handler) deleteGuide(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	id := r.PathValue("id")
	g, err := h.store.Guide(ctx, id)
	if err != nil {
		h.fail(w, r, me, err)
		return
	}
	if r.PostForm.Get("confirm") != "1" {
		f, err := h.guideEditor(r, g, false)
		if err != nil {
			h.internalError(w, r, me, err)
			return
		}
		f.Error = "删除指南须勾选“确认删除”：删除后自助机和手机页面都不再显示这篇指南。"
		h.showGuide(w, r, me, http.StatusUnprocessableEntity, f)
		return
	}
	if err := h.store.DeleteGuide(ctx, id, h.now()); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, "guide.delete", "guide/"+id, "版本 "+g.Version+"，"+g.Title, "已删除"); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/content", "已删除指南《"+g.Title+"》")
}

// ---- Member units ----

var unitLabels = map[string]string{
	"id": "编号", "name": "名称", "kind": "类型", "phone": "电话", "address": "地址",
	"responsibilities": "职责清单", "categories": "受理类别",
}

// unitForm is the unit editor's data.
type unitForm struct {
	New              bool
	U                bianmin.Unit
	Responsibilities string // one duty per line
	Error            string
	Preview          bool
	Kinds            []string
	Categories       []string
	// OpenTickets counts the unit's open tickets (deleting it is refused
	// while there are any).
	OpenTickets int
}

func (u unitForm) Handles(c string) bool { return slices.Contains(u.U.Categories, c) }

func (h *Handler) unitEditor(u bianmin.Unit, isNew bool) unitForm {
	return unitForm{New: isNew, U: u, Responsibilities: strings.Join(u.Responsibilities, "\n"),
		Kinds: bianmin.UnitKinds, Categories: bianmin.ReportCategories}
}

func (h *Handler) showUnit(w http.ResponseWriter, r *http.Request, me *Staff, status int, f unitForm) {
	title := "编辑成员单位"
	if f.New {
		title = "新建成员单位"
	}
	h.render(w, r, me, status, "unit_edit.html", title, f)
}

// findUnit returns the published unit id, or nil.
func (h *Handler) findUnit(r *http.Request, id string) (*bianmin.Unit, error) {
	units, err := office.LoadUnits(r.Context(), h.store)
	if err != nil {
		return nil, err
	}
	for i := range units {
		if units[i].ID == id {
			return &units[i], nil
		}
	}
	return nil, nil
}

func (h *Handler) serveNewUnit(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showUnit(w, r, me, http.StatusOK, h.unitEditor(bianmin.Unit{}, true))
}

func (h *Handler) serveUnitEditor(w http.ResponseWriter, r *http.Request, me *Staff) {
	u, err := h.findUnit(r, r.PathValue("id"))
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if u == nil {
		h.serveFallback(w, r)
		return
	}
	h.showUnit(w, r, me, http.StatusOK, h.unitEditor(*u, false))
}

func unitFromForm(f url.Values) (bianmin.Unit, bool) {
	u := bianmin.Unit{ID: strings.TrimSpace(f.Get("id")), Name: strings.TrimSpace(f.Get("name")), Kind: f.Get("kind"),
		Phone: strings.TrimSpace(f.Get("phone")), Address: strings.TrimSpace(f.Get("address")),
		Responsibilities: lines(f.Get("responsibilities")), Categories: []string{}}
	for _, c := range bianmin.ReportCategories { // in display order, each once
		if slices.Contains(f["categories"], c) {
			u.Categories = append(u.Categories, c)
		}
	}
	for _, c := range f["categories"] {
		if !slices.Contains(bianmin.ReportCategories, c) {
			u.Categories = append(u.Categories, c) // refused by Validate, with its name
		}
	}
	return u, f.Get("new") == "1"
}

// checkUnit validates u for publishing and returns the published one it
// replaces.
func (h *Handler) checkUnit(r *http.Request, u bianmin.Unit, isNew bool) (*bianmin.Unit, error) {
	if slices.Contains(reserved, u.ID) {
		return nil, bianmin.Errorf(bianmin.EINVALID, "编号 %q 是保留字，请换一个", u.ID)
	}
	if err := u.Validate(); err != nil {
		return nil, contentError(err)
	}
	old, err := h.findUnit(r, u.ID)
	switch {
	case err != nil:
		return nil, err
	case old != nil && isNew:
		return nil, bianmin.Errorf(bianmin.ECONFLICT, "编号 %s 已被成员单位“%s”使用，请换一个编号", u.ID, old.Name)
	case old == nil && !isNew:
		return nil, bianmin.Errorf(bianmin.ENOTFOUND, "成员单位 %s 已被删除", u.ID)
	}
	return old, nil
}

func (h *Handler) previewUnit(w http.ResponseWriter, r *http.Request, me *Staff) {
	u, isNew := unitFromForm(r.PostForm)
	f := h.unitEditor(u, isNew)
	if _, err := h.checkUnit(r, u, isNew); err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f.Error = err.Error()
		h.showUnit(w, r, me, statusOf(err), f)
		return
	}
	f.Preview = true
	h.showUnit(w, r, me, http.StatusOK, f)
}

func (h *Handler) publishUnit(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	u, isNew := unitFromForm(r.PostForm)
	old, err := h.checkUnit(r, u, isNew)
	if err == nil {
		var items []office.Item
		if items, err = office.UnitItems([]bianmin.Unit{u}); err == nil {
			_, err = h.store.Publish(ctx, office.ClassUnits, items, h.now())
		}
	}
	if err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f := h.unitEditor(u, isNew)
		f.Error = contentError(err).Error()
		h.showUnit(w, r, me, statusOf(err), f)
		return
	}
	before, after := "新建", u.Name
	if old != nil {
		before, after = old.Name, changeSummary(old, u, unitLabels)
	}
	if err := h.audit(ctx, r, me, "unit.publish", "unit/"+u.ID, before, after); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	msg := "已发布成员单位“" + u.Name + "”，自助机下次同步时更新"
	units, err := office.LoadUnits(ctx, h.store)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if gap := bianmin.UncoveredCategories(units); len(gap) > 0 {
		msg += "。注意：没有单位受理“" + strings.Join(gap, "、") + "”类问题"
	}
	h.done(w, r, "/staff/content", msg)
}

// deleteUnit unpublishes a unit. A unit with open tickets, or with active
// staff accounts, stays: its tickets and its staff would lose their unit.
func (h *Handler) deleteUnit(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	u, err := h.findUnit(r, r.PathValue("id"))
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if u == nil {
		h.serveFallback(w, r)
		return
	}
	refuse := func(msg string) {
		f := h.unitEditor(*u, false)
		f.Error = msg
		h.showUnit(w, r, me, http.StatusConflict, f)
	}
	if r.PostForm.Get("confirm") != "1" {
		f := h.unitEditor(*u, false)
		f.Error = "删除成员单位须勾选“确认删除”。"
		h.showUnit(w, r, me, http.StatusUnprocessableEntity, f)
		return
	}
	open, err := h.store.Tickets(ctx, office.TicketFilter{Unit: u.ID, Open: true, Limit: 1})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if open.Total > 0 {
		refuse("“" + u.Name + "”还有 " + strconv.Itoa(open.Total) + " 件未关闭的工单，关闭或改派后才能删除。")
		return
	}
	users, err := h.store.Users(ctx)
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	var accounts []string
	for _, a := range users {
		if a.Unit == u.ID && a.Active() {
			accounts = append(accounts, a.Name)
		}
	}
	if len(accounts) > 0 {
		refuse("“" + u.Name + "”还有启用的账号（" + strings.Join(accounts, "、") + "），停用这些账号后才能删除。")
		return
	}
	if _, err := office.Unpublish(ctx, h.store, office.ClassUnits, []string{u.ID}, h.now()); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, "unit.delete", "unit/"+u.ID, u.Name, "已删除"); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/content", "已删除成员单位“"+u.Name+"”")
}

// ---- Grid data ----

var communityLabels = map[string]string{
	"id": "编号", "name": "名称", "address": "地址", "grid_workers": "网格员", "buildings": "楼栋",
}

// buildingRow is a building as the form edits it: its units as one line.
type buildingRow struct {
	bianmin.Building
	UnitsText string
}

// communityForm is the community editor's data.
type communityForm struct {
	New       bool
	C         bianmin.Community
	Workers   []bianmin.GridWorker // C.GridWorkers and blank rows
	Buildings []buildingRow        // C.Buildings and blank rows
	Error     string
	Preview   bool
}

// Rooms is how many homes the community's buildings have, for the preview.
func (f communityForm) Rooms() int {
	n := 0
	for _, b := range f.C.Buildings {
		n += len(b.Units) * b.Floors * b.RoomsPerFloor
	}
	return n
}

func communityEditor(c bianmin.Community, isNew bool) communityForm {
	f := communityForm{New: isNew, C: c}
	f.Workers = append(slices.Clone(c.GridWorkers), make([]bianmin.GridWorker, blankRows)...)
	for _, b := range c.Buildings {
		f.Buildings = append(f.Buildings, buildingRow{Building: b, UnitsText: strings.Join(b.Units, "、")})
	}
	f.Buildings = append(f.Buildings, make([]buildingRow, blankRows)...)
	return f
}

func (h *Handler) showCommunity(w http.ResponseWriter, r *http.Request, me *Staff, status int, f communityForm) {
	title := "编辑社区网格"
	if f.New {
		title = "新建社区"
	}
	h.render(w, r, me, status, "community_edit.html", title, f)
}

func (h *Handler) findCommunity(r *http.Request, id string) (*bianmin.Community, error) {
	grid, err := office.LoadGrid(r.Context(), h.store)
	if err != nil {
		return nil, err
	}
	for i := range grid {
		if grid[i].ID == id {
			return &grid[i], nil
		}
	}
	return nil, nil
}

func (h *Handler) serveNewCommunity(w http.ResponseWriter, r *http.Request, me *Staff) {
	h.showCommunity(w, r, me, http.StatusOK, communityEditor(bianmin.Community{}, true))
}

func (h *Handler) serveCommunityEditor(w http.ResponseWriter, r *http.Request, me *Staff) {
	c, err := h.findCommunity(r, r.PathValue("id"))
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if c == nil {
		h.serveFallback(w, r)
		return
	}
	h.showCommunity(w, r, me, http.StatusOK, communityEditor(*c, false))
}

// splitUnits reads a building's 单元 from one line: separated by commas,
// 、 or spaces.
func splitUnits(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' || r == '　' })
}

func communityFromForm(f url.Values) (bianmin.Community, bool) {
	c := bianmin.Community{ID: strings.TrimSpace(f.Get("id")), Name: strings.TrimSpace(f.Get("name")),
		Address: strings.TrimSpace(f.Get("address")), GridWorkers: bianmin.GridWorkers{}, Buildings: []bianmin.Building{}}
	for i := range rows(f, "w_name", "w_phone", "w_grid") {
		gw := bianmin.GridWorker{Name: column(f, "w_name", i), Phone: column(f, "w_phone", i), Grid: column(f, "w_grid", i)}
		if gw == (bianmin.GridWorker{}) {
			continue
		}
		c.GridWorkers = append(c.GridWorkers, gw)
	}
	for i := range rows(f, "b_id", "b_name", "b_units", "b_floors", "b_rooms") {
		b := bianmin.Building{ID: column(f, "b_id", i), Name: column(f, "b_name", i), Units: splitUnits(column(f, "b_units", i))}
		if b.ID == "" && b.Name == "" && len(b.Units) == 0 {
			continue
		}
		b.Floors, _ = strconv.Atoi(column(f, "b_floors", i))
		b.RoomsPerFloor, _ = strconv.Atoi(column(f, "b_rooms", i))
		c.Buildings = append(c.Buildings, b)
	}
	return c, f.Get("new") == "1"
}

func (h *Handler) checkCommunity(r *http.Request, c bianmin.Community, isNew bool) (*bianmin.Community, error) {
	if slices.Contains(reserved, c.ID) {
		return nil, bianmin.Errorf(bianmin.EINVALID, "编号 %q 是保留字，请换一个", c.ID)
	}
	if err := c.Validate(); err != nil {
		return nil, contentError(err)
	}
	old, err := h.findCommunity(r, c.ID)
	switch {
	case err != nil:
		return nil, err
	case old != nil && isNew:
		return nil, bianmin.Errorf(bianmin.ECONFLICT, "编号 %s 已被“%s”使用，请换一个编号", c.ID, old.Name)
	case old == nil && !isNew:
		return nil, bianmin.Errorf(bianmin.ENOTFOUND, "社区 %s 已被删除", c.ID)
	}
	return old, nil
}

func (h *Handler) previewCommunity(w http.ResponseWriter, r *http.Request, me *Staff) {
	c, isNew := communityFromForm(r.PostForm)
	f := communityEditor(c, isNew)
	if _, err := h.checkCommunity(r, c, isNew); err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f.Error = err.Error()
		h.showCommunity(w, r, me, statusOf(err), f)
		return
	}
	f.Preview = true
	h.showCommunity(w, r, me, http.StatusOK, f)
}

func (h *Handler) publishCommunity(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	c, isNew := communityFromForm(r.PostForm)
	old, err := h.checkCommunity(r, c, isNew)
	if err == nil {
		var items []office.Item
		if items, err = office.GridItems([]bianmin.Community{c}); err == nil {
			_, err = h.store.Publish(ctx, office.ClassGrid, items, h.now())
		}
	}
	if err != nil {
		if !refusal(err) {
			h.internalError(w, r, me, err)
			return
		}
		f := communityEditor(c, isNew)
		f.Error = contentError(err).Error()
		h.showCommunity(w, r, me, statusOf(err), f)
		return
	}
	// The audit log names what changed, never the grid workers' phones.
	before, after := "新建", c.Name
	if old != nil {
		before, after = old.Name, changeSummary(old, c, communityLabels)
	}
	if err := h.audit(ctx, r, me, "grid.publish", "community/"+c.ID, before, after); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/content", "已发布社区“"+c.Name+"”的网格数据，自助机下次同步时更新")
}

// deleteCommunity unpublishes a community; one with open tickets stays.
func (h *Handler) deleteCommunity(w http.ResponseWriter, r *http.Request, me *Staff) {
	ctx := r.Context()
	c, err := h.findCommunity(r, r.PathValue("id"))
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if c == nil {
		h.serveFallback(w, r)
		return
	}
	f := communityEditor(*c, false)
	if r.PostForm.Get("confirm") != "1" {
		f.Error = "删除社区须勾选“确认删除”。"
		h.showCommunity(w, r, me, http.StatusUnprocessableEntity, f)
		return
	}
	open, err := h.store.Tickets(ctx, office.TicketFilter{Community: c.ID, Open: true, Limit: 1})
	if err != nil {
		h.internalError(w, r, me, err)
		return
	}
	if open.Total > 0 {
		f.Error = "“" + c.Name + "”还有 " + strconv.Itoa(open.Total) + " 件未关闭的工单，关闭后才能删除。"
		h.showCommunity(w, r, me, http.StatusConflict, f)
		return
	}
	if _, err := office.Unpublish(ctx, h.store, office.ClassGrid, []string{c.ID}, h.now()); err != nil {
		h.fail(w, r, me, err)
		return
	}
	if err := h.audit(ctx, r, me, "grid.delete", "community/"+c.ID, c.Name, "已删除"); err != nil {
		h.internalError(w, r, me, err)
		return
	}
	h.done(w, r, "/staff/content", "已删除社区“"+c.Name+"”")
}
