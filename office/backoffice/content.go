package backoffice

import (
	"bytes"
	"context"
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

// refusal reports whether err is the input's fault (shown on the form)
// rather than the system's.
func refusal(err error) bool {
	switch bianmin.ErrorCode(err) {
	case bianmin.EINVALID, bianmin.ECONFLICT, bianmin.ENOTFOUND:
		return true
	}
	return false
}

// ---- The editor all kinds share ----

// editorState is what every content form carries besides its item.
type editorState struct {
	New     bool   // not published yet: the form asks for the id
	Error   string // why the last preview, publish or delete was refused
	Preview bool   // the item is valid: show it as residents will, and the publish button
}

func (s *editorState) state() *editorState { return s }

// editorForm is a kind's editor data: *guideForm, *unitForm or
// *communityForm.
type editorForm interface{ state() *editorState }

// contentKind is what one kind of content (guides, member units,
// communities) brings to the editor. The editor's handlers (editorPagesOf)
// are the same for every kind: a blank or a published item in the form,
// preview, publish or delete, with the same checks, refusals and audit
// entries.
type contentKind[T any, F editorForm] struct {
	template            string // the editor's template
	newTitle, editTitle string
	blank               T // what a new item starts as

	auditAction  string // the audit actions' prefix: ACTION.publish, ACTION.delete
	auditSubject string // the audit subjects' prefix: SUBJECT/id
	// taken refuses a new item whose id is published: a format of the id and
	// the published item's name. gone refuses an edit of an item that was
	// deleted meanwhile: a format of the id.
	taken, gone string
	// confirmDelete refuses a delete without its confirmation box.
	confirmDelete string

	id       func(T) string
	name     func(T) string // the published item's name in taken
	label    func(T) string // the item in flash messages: 指南《…》, 成员单位“…”
	validate func(*T) error
	// find returns the published item id, or nil when there is none.
	find func(h *Handler, r *http.Request, id string) (*T, error)
	// fromForm reads an item from the editor's form, and whether it is new.
	fromForm func(h *Handler, f url.Values) (T, bool)
	// form is the editor's data for item.
	form    func(h *Handler, r *http.Request, item T, isNew bool) (F, error)
	publish func(h *Handler, ctx context.Context, item T) error
	// audited is an item as the audit log records it when it is created or
	// deleted; replaced is the entry's before and after when item replaces
	// old (what changed, never personal data).
	audited  func(T) string
	replaced func(old, item T) (before, after string)
	// published is the flash message once item is published.
	published func(h *Handler, ctx context.Context, item T) (string, error)
	// inUse says why item cannot be deleted now ("" when it can).
	inUse  func(h *Handler, ctx context.Context, item T) (string, error)
	remove func(h *Handler, ctx context.Context, item T) error
}

// check validates item for publishing: not a reserved id, the item's own
// rules, a new item's id not taken, an edited item still published. It
// returns the published item that item replaces, or nil.
func (k *contentKind[T, F]) check(h *Handler, r *http.Request, item T, isNew bool) (*T, error) {
	id := k.id(item)
	if slices.Contains(reserved, id) {
		return nil, bianmin.Errorf(bianmin.EINVALID, "编号 %q 是保留字，请换一个", id)
	}
	if err := k.validate(&item); err != nil {
		return nil, contentError(err)
	}
	old, err := k.find(h, r, id)
	switch {
	case err != nil:
		return nil, err
	case old != nil && isNew:
		return nil, bianmin.Errorf(bianmin.ECONFLICT, k.taken, id, k.name(*old))
	case old == nil && !isNew:
		return nil, bianmin.Errorf(bianmin.ENOTFOUND, k.gone, id)
	}
	return old, nil
}

// editorPages are the handlers of one kind's editor.
type editorPages struct {
	serveNew, serveEditor, preview, publish, remove pageFunc
}

// editorPagesOf returns the editor's handlers for kind k.
func editorPagesOf[T any, F editorForm](h *Handler, k *contentKind[T, F]) editorPages {
	// show renders the editor with item, and msg as its error.
	show := func(w http.ResponseWriter, r *http.Request, me *Staff, status int, item T, isNew, preview bool, msg string) {
		f, err := k.form(h, r, item, isNew)
		if err != nil {
			h.internalError(w, r, me, err)
			return
		}
		s := f.state()
		s.Error, s.Preview = msg, preview
		title := k.editTitle
		if isNew {
			title = k.newTitle
		}
		h.render(w, r, me, status, k.template, title, f)
	}
	// published returns the item of the request's path; nil when it has
	// answered the request itself.
	published := func(w http.ResponseWriter, r *http.Request, me *Staff) *T {
		item, err := k.find(h, r, r.PathValue("id"))
		switch {
		case err != nil:
			h.fail(w, r, me, err)
		case item == nil:
			h.serveFallback(w, r)
		}
		return item
	}
	return editorPages{
		serveNew: func(w http.ResponseWriter, r *http.Request, me *Staff) {
			show(w, r, me, http.StatusOK, k.blank, true, false, "")
		},
		serveEditor: func(w http.ResponseWriter, r *http.Request, me *Staff) {
			if item := published(w, r, me); item != nil {
				show(w, r, me, http.StatusOK, *item, false, false, "")
			}
		},
		// preview checks the edited item and shows it as residents will see
		// it, with the form to change it again or publish it.
		preview: func(w http.ResponseWriter, r *http.Request, me *Staff) {
			item, isNew := k.fromForm(h, r.PostForm)
			if _, err := k.check(h, r, item, isNew); err != nil {
				if !refusal(err) {
					h.internalError(w, r, me, err)
					return
				}
				show(w, r, me, statusOf(err), item, isNew, false, err.Error())
				return
			}
			show(w, r, me, http.StatusOK, item, isNew, true, "")
		},
		// publish checks the item again (the form may be forged or stale)
		// and puts it on the change feed, with its audit entry.
		publish: func(w http.ResponseWriter, r *http.Request, me *Staff) {
			ctx := r.Context()
			item, isNew := k.fromForm(h, r.PostForm)
			old, err := k.check(h, r, item, isNew)
			if err == nil {
				if err = k.publish(h, ctx, item); err != nil {
					err = contentError(err)
				}
			}
			if err != nil {
				if !refusal(err) {
					h.internalError(w, r, me, err)
					return
				}
				show(w, r, me, statusOf(err), item, isNew, false, err.Error())
				return
			}
			before, after := "新建", k.audited(item)
			if old != nil {
				before, after = k.replaced(*old, item)
			}
			if err := h.audit(ctx, r, me, k.auditAction+".publish", k.auditSubject+"/"+k.id(item), before, after); err != nil {
				h.internalError(w, r, me, err)
				return
			}
			msg, err := k.published(h, ctx, item)
			if err != nil {
				h.internalError(w, r, me, err)
				return
			}
			h.done(w, r, "/staff/content", msg)
		},
		// remove unpublishes the item of the request's path once staff
		// confirmed it and nothing still needs it.
		remove: func(w http.ResponseWriter, r *http.Request, me *Staff) {
			ctx := r.Context()
			item := published(w, r, me)
			if item == nil {
				return
			}
			if r.PostForm.Get("confirm") != "1" {
				show(w, r, me, http.StatusUnprocessableEntity, *item, false, false, k.confirmDelete)
				return
			}
			why, err := k.inUse(h, ctx, *item)
			if err != nil {
				h.internalError(w, r, me, err)
				return
			}
			if why != "" {
				show(w, r, me, http.StatusConflict, *item, false, false, why)
				return
			}
			if err := k.remove(h, ctx, *item); err != nil {
				h.fail(w, r, me, err)
				return
			}
			if err := h.audit(ctx, r, me, k.auditAction+".delete", k.auditSubject+"/"+k.id(*item), k.audited(*item), "已删除"); err != nil {
				h.internalError(w, r, me, err)
				return
			}
			h.done(w, r, "/staff/content", "已删除"+k.label(*item))
		},
	}
}

// openTickets counts the tickets of f that are not closed yet.
func (h *Handler) openTickets(ctx context.Context, f office.TicketFilter) (int, error) {
	f.Open, f.Limit = true, 1
	res, err := h.store.Tickets(ctx, f)
	return res.Total, err
}

// ---- Guides ----

var guideLabels = map[string]string{
	"id": "编号", "title": "标题", "category": "类别", "department": "承办部门", "conditions": "办理条件",
	"materials": "所需材料", "steps": "办理流程", "time_limit": "办结时限", "fee": "收费标准", "place": "办理地点",
	"hours": "办公时间", "phone": "咨询电话", "legal_basis": "法律依据", "version": "版本", "updated": "更新日期",
}

// guideForm is the guide editor's data.
type guideForm struct {
	editorState
	G    bianmin.Guide
	Rows []bianmin.Material // G.Materials and blank rows
	// Text of the list fields, one entry per line.
	Conditions, Steps, LegalBasis string
	Categories                    []string
	Forms                         []string
}

func (h *Handler) guideEditor(r *http.Request, g bianmin.Guide, isNew bool) (*guideForm, error) {
	f := &guideForm{editorState: editorState{New: isNew}, G: g, Forms: bianmin.MaterialForms,
		Conditions: strings.Join(g.Conditions, "\n"), Steps: strings.Join(g.Steps, "\n"), LegalBasis: strings.Join(g.LegalBasis, "\n")}
	f.Rows = append(slices.Clone(g.Materials), make([]bianmin.Material, blankRows)...)
	for i := len(g.Materials); i < len(f.Rows); i++ {
		f.Rows[i].Count = 1
	}
	cats, err := h.store.Categories(r.Context())
	f.Categories = cats
	return f, err
}

// findGuide returns the published guide id, or nil.
func (h *Handler) findGuide(r *http.Request, id string) (*bianmin.Guide, error) {
	if !bianmin.ValidGuideID(id) {
		return nil, nil
	}
	g, err := h.store.Guide(r.Context(), id)
	switch {
	case bianmin.ErrorCode(err) == bianmin.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	}
	return &g, nil
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

var guideKind = &contentKind[bianmin.Guide, *guideForm]{
	template: "guide_edit.html", newTitle: "新建指南", editTitle: "编辑指南", blank: bianmin.Guide{Version: "1"},
	auditAction: "guide", auditSubject: "guide",
	taken:         "编号 %s 已被指南《%s》使用，请换一个编号，或去编辑那篇指南",
	gone:          "指南 %s 已被删除",
	confirmDelete: "删除指南须勾选“确认删除”：删除后自助机和手机页面都不再显示这篇指南。",
	id:            func(g bianmin.Guide) string { return g.ID },
	name:          func(g bianmin.Guide) string { return g.Title },
	label:         func(g bianmin.Guide) string { return "指南《" + g.Title + "》" },
	validate:      (*bianmin.Guide).Validate,
	find:          (*Handler).findGuide,
	fromForm:      (*Handler).guideFromForm,
	form:          (*Handler).guideEditor,
	publish: func(h *Handler, ctx context.Context, g bianmin.Guide) error {
		return h.store.PublishGuides(ctx, []bianmin.Guide{g}, h.now())
	},
	audited: func(g bianmin.Guide) string { return "版本 " + g.Version + "，" + g.Title },
	replaced: func(old, g bianmin.Guide) (string, string) {
		return "版本 " + old.Version + "，更新于 " + old.Updated, "版本 " + g.Version + "；" + changeSummary(old, g, guideLabels)
	},
	published: func(h *Handler, ctx context.Context, g bianmin.Guide) (string, error) {
		return "已发布指南《" + g.Title + "》，自助机下次同步时更新", nil
	},
	inUse: func(*Handler, context.Context, bianmin.Guide) (string, error) { return "", nil },
	remove: func(h *Handler, ctx context.Context, g bianmin.Guide) error {
		return h.store.DeleteGuide(ctx, g.ID, h.now())
	},
}

// ---- Member units ----

var unitLabels = map[string]string{
	"id": "编号", "name": "名称", "kind": "类型", "phone": "电话", "address": "地址",
	"responsibilities": "职责清单", "categories": "受理类别",
}

// unitForm is the unit editor's data.
type unitForm struct {
	editorState
	U                bianmin.Unit
	Responsibilities string // one duty per line
	Kinds            []string
	Categories       []string
}

func (u unitForm) Handles(c string) bool { return slices.Contains(u.U.Categories, c) }

func unitEditor(_ *Handler, _ *http.Request, u bianmin.Unit, isNew bool) (*unitForm, error) {
	return &unitForm{editorState: editorState{New: isNew}, U: u, Responsibilities: strings.Join(u.Responsibilities, "\n"),
		Kinds: bianmin.UnitKinds, Categories: bianmin.ReportCategories}, nil
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

var unitKind = &contentKind[bianmin.Unit, *unitForm]{
	template: "unit_edit.html", newTitle: "新建成员单位", editTitle: "编辑成员单位",
	auditAction: "unit", auditSubject: "unit",
	taken:         "编号 %s 已被成员单位“%s”使用，请换一个编号",
	gone:          "成员单位 %s 已被删除",
	confirmDelete: "删除成员单位须勾选“确认删除”。",
	id:            func(u bianmin.Unit) string { return u.ID },
	name:          func(u bianmin.Unit) string { return u.Name },
	label:         func(u bianmin.Unit) string { return "成员单位“" + u.Name + "”" },
	validate:      (*bianmin.Unit).Validate,
	find:          (*Handler).findUnit,
	fromForm:      func(_ *Handler, f url.Values) (bianmin.Unit, bool) { return unitFromForm(f) },
	form:          unitEditor,
	publish: func(h *Handler, ctx context.Context, u bianmin.Unit) error {
		items, err := office.UnitItems([]bianmin.Unit{u})
		if err == nil {
			_, err = h.store.Publish(ctx, office.ClassUnits, items, h.now())
		}
		return err
	},
	audited: func(u bianmin.Unit) string { return u.Name },
	replaced: func(old, u bianmin.Unit) (string, string) {
		return old.Name, changeSummary(old, u, unitLabels)
	},
	// The message warns when no unit handles a report category any more:
	// such reports would have nobody to be dispatched to.
	published: func(h *Handler, ctx context.Context, u bianmin.Unit) (string, error) {
		msg := "已发布成员单位“" + u.Name + "”，自助机下次同步时更新"
		units, err := office.LoadUnits(ctx, h.store)
		if err != nil {
			return "", err
		}
		if gap := bianmin.UncoveredCategories(units); len(gap) > 0 {
			msg += "。注意：没有单位受理“" + strings.Join(gap, "、") + "”类问题"
		}
		return msg, nil
	},
	// A unit with open tickets, or with active staff accounts, stays: its
	// tickets and its staff would lose their unit.
	inUse: func(h *Handler, ctx context.Context, u bianmin.Unit) (string, error) {
		open, err := h.openTickets(ctx, office.TicketFilter{Unit: u.ID})
		if err != nil {
			return "", err
		}
		if open > 0 {
			return "“" + u.Name + "”还有 " + strconv.Itoa(open) + " 件未关闭的工单，关闭或改派后才能删除。", nil
		}
		users, err := h.store.Users(ctx)
		if err != nil {
			return "", err
		}
		var accounts []string
		for _, a := range users {
			if a.Unit == u.ID && a.Active() {
				accounts = append(accounts, a.Name)
			}
		}
		if len(accounts) > 0 {
			return "“" + u.Name + "”还有启用的账号（" + strings.Join(accounts, "、") + "），停用这些账号后才能删除。", nil
		}
		return "", nil
	},
	remove: func(h *Handler, ctx context.Context, u bianmin.Unit) error {
		_, err := office.Unpublish(ctx, h.store, office.ClassUnits, []string{u.ID}, h.now())
		return err
	},
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
	editorState
	C         bianmin.Community
	Workers   []bianmin.GridWorker // C.GridWorkers and blank rows
	Buildings []buildingRow        // C.Buildings and blank rows
}

// Rooms is how many homes the community's buildings have, for the preview.
func (f communityForm) Rooms() int {
	n := 0
	for _, b := range f.C.Buildings {
		n += len(b.Units) * b.Floors * b.RoomsPerFloor
	}
	return n
}

func communityEditor(_ *Handler, _ *http.Request, c bianmin.Community, isNew bool) (*communityForm, error) {
	f := &communityForm{editorState: editorState{New: isNew}, C: c}
	f.Workers = append(slices.Clone(c.GridWorkers), make([]bianmin.GridWorker, blankRows)...)
	for _, b := range c.Buildings {
		f.Buildings = append(f.Buildings, buildingRow{Building: b, UnitsText: strings.Join(b.Units, "、")})
	}
	f.Buildings = append(f.Buildings, make([]buildingRow, blankRows)...)
	return f, nil
}

// findCommunity returns the published community id, or nil.
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

var communityKind = &contentKind[bianmin.Community, *communityForm]{
	template: "community_edit.html", newTitle: "新建社区", editTitle: "编辑社区网格",
	auditAction: "grid", auditSubject: "community",
	taken:         "编号 %s 已被“%s”使用，请换一个编号",
	gone:          "社区 %s 已被删除",
	confirmDelete: "删除社区须勾选“确认删除”。",
	id:            func(c bianmin.Community) string { return c.ID },
	name:          func(c bianmin.Community) string { return c.Name },
	label:         func(c bianmin.Community) string { return "社区“" + c.Name + "”" },
	validate:      (*bianmin.Community).Validate,
	find:          (*Handler).findCommunity,
	fromForm:      func(_ *Handler, f url.Values) (bianmin.Community, bool) { return communityFromForm(f) },
	form:          communityEditor,
	publish: func(h *Handler, ctx context.Context, c bianmin.Community) error {
		items, err := office.GridItems([]bianmin.Community{c})
		if err == nil {
			_, err = h.store.Publish(ctx, office.ClassGrid, items, h.now())
		}
		return err
	},
	// The audit log names what changed, never the grid workers' phones.
	audited: func(c bianmin.Community) string { return c.Name },
	replaced: func(old, c bianmin.Community) (string, string) {
		return old.Name, changeSummary(old, c, communityLabels)
	},
	published: func(h *Handler, ctx context.Context, c bianmin.Community) (string, error) {
		return "已发布社区“" + c.Name + "”的网格数据，自助机下次同步时更新", nil
	},
	// A community with open tickets stays: they would lose their place.
	inUse: func(h *Handler, ctx context.Context, c bianmin.Community) (string, error) {
		open, err := h.openTickets(ctx, office.TicketFilter{Community: c.ID})
		if err != nil || open == 0 {
			return "", err
		}
		return "“" + c.Name + "”还有 " + strconv.Itoa(open) + " 件未关闭的工单，关闭后才能删除。", nil
	},
	remove: func(h *Handler, ctx context.Context, c bianmin.Community) error {
		_, err := office.Unpublish(ctx, h.store, office.ClassGrid, []string{c.ID}, h.now())
		return err
	},
}
