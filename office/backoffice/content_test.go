package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/office"
	"bianmin/office/backoffice"
	"bianmin/office/officetest"
	"bianmin/sync/wire"
)

// feedSince returns the feed's changes of class after cursor, and its end.
func (e *officeEnv) feedSince(t *testing.T, cursor int64, class string) ([]wire.Change, int64) {
	t.Helper()
	ch, err := e.store.Changes(context.Background(), office.ChangesQuery{Cursor: cursor, Class: class, Limit: office.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	return ch.Changes, ch.Cursor
}

// feedEnd is the change feed's end.
func (e *officeEnv) feedEnd(t *testing.T) int64 {
	t.Helper()
	_, end := e.feedSince(t, 0, "")
	return end
}

// guideForm is the editor's form for g, as a browser posts it: list fields
// one per line, the materials as rows with blank rows after them.
func guideForm(g bianmin.Guide, isNew bool) url.Values {
	f := url.Values{"id": {g.ID}, "title": {g.Title}, "category": {g.Category}, "department": {g.Department},
		"conditions": {strings.Join(g.Conditions, "\r\n")}, "steps": {strings.Join(g.Steps, "\n")},
		"time_limit": {g.TimeLimit}, "fee": {g.Fee}, "place": {g.Place}, "hours": {g.Hours}, "phone": {g.Phone},
		"legal_basis": {strings.Join(g.LegalBasis, "\n")}, "version": {g.Version}}
	if isNew {
		f.Set("new", "1")
	}
	for _, m := range append(slices.Clone(g.Materials), bianmin.Material{Form: "原件", Count: 1}, bianmin.Material{Form: "原件", Count: 1}) {
		f.Add("mat_name", m.Name)
		f.Add("mat_form", m.Form)
		f.Add("mat_count", strconv.Itoa(m.Count))
		f.Add("mat_note", m.Note)
	}
	return f
}

func (e *officeEnv) guides(t *testing.T) []bianmin.Guide {
	t.Helper()
	gs := officetest.GuideFixtures()
	if err := e.store.PublishGuides(context.Background(), gs, officetest.T0); err != nil {
		t.Fatal(err)
	}
	return gs
}

func TestGuideEditPreviewPublish(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	g := e.guides(t)[0]
	b := e.login(t, "admin")
	status, _, body := b.get("/staff/content")
	if status != http.StatusOK || !strings.Contains(body, g.Title) || !strings.Contains(body, "/staff/content/guides/"+g.ID) {
		t.Fatalf("content page: %d\n%s", status, tableText(body))
	}
	status, _, body = b.get("/staff/content/guides/" + g.ID)
	if status != http.StatusOK || !strings.Contains(body, `value="`+g.Title+`"`) || !strings.Contains(body, g.Materials[0].Name) {
		t.Fatalf("editor: %d\n%s", status, body)
	}

	edited := g
	edited.Title = g.Title + "（2026年修订）"
	edited.Materials = append(slices.Clone(g.Materials), bianmin.Material{Name: "近期一寸免冠照片", Form: "原件", Count: 2, Note: "白底"})
	edited.Version = "2026.2"
	end := e.feedEnd(t)

	// Preview: shown as residents will see it, with the publish button;
	// nothing is published yet.
	status, _, body = b.post("/staff/content/guides/preview", guideForm(edited, false))
	if status != http.StatusOK || !strings.Contains(body, `class="preview"`) || !strings.Contains(body, "近期一寸免冠照片（原件 2 份） — 白底") ||
		!strings.Contains(body, `formaction="/staff/content/guides/publish"`) || !strings.Contains(body, "2026-11-25") {
		t.Fatalf("preview: %d\n%s", status, tableText(body))
	}
	if e.feedEnd(t) != end {
		t.Fatal("preview published")
	}
	if got, _ := e.store.Guide(ctx, g.ID); got.Title != g.Title {
		t.Fatal("preview changed the guide")
	}

	// Publish: stored, on the feed for kiosks, audited.
	status, loc, _ := b.post("/staff/content/guides/publish", guideForm(edited, false))
	if status != http.StatusSeeOther || loc != "/staff/content" {
		t.Fatalf("publish: %d %q", status, loc)
	}
	got, err := e.store.Guide(ctx, g.ID)
	if err != nil || got.Title != edited.Title || len(got.Materials) != len(g.Materials)+1 || got.Updated != "2026-11-25" ||
		got.Version != "2026.2" || !slices.Equal(got.Conditions, g.Conditions) {
		t.Errorf("published guide = %+v, %v", got, err)
	}
	changes, _ := e.feedSince(t, end, office.ClassGuides)
	if len(changes) != 1 || changes[0].Key != g.ID || changes[0].Op != "put" {
		t.Fatalf("feed after publishing: %+v", changes)
	}
	if kg, err := bianmin.ParseGuide(changes[0].Data); err != nil || kg.Title != edited.Title { // what a kiosk does with it
		t.Errorf("the kiosk reads %+v, %v", kg, err)
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "guide.publish"})
	if len(log) != 1 || log[0].Actor != "admin" || log[0].Subject != "guide/"+g.ID ||
		!strings.Contains(log[0].After, "标题") || !strings.Contains(log[0].After, "所需材料") || strings.Contains(log[0].After, "办理条件") {
		t.Errorf("audit = %+v", log)
	}
	if _, _, body := b.get(loc); !strings.Contains(body, "已发布指南《"+edited.Title+"》") {
		t.Error("no flash after publishing")
	}
}

func TestGuideRefusals(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	gs := e.guides(t)
	g := gs[0]
	b := e.login(t, "admin")
	b.get("/staff/content/guides/" + g.ID)
	end, before := e.feedEnd(t), e.counts(t)
	for _, tc := range []struct {
		name   string
		edit   func(g *bianmin.Guide)
		isNew  bool
		status int
		want   string
	}{
		{"empty title", func(g *bianmin.Guide) { g.Title = "  " }, false, 422, "标题不能为空"},
		{"no conditions", func(g *bianmin.Guide) { g.Conditions = nil }, false, 422, "办理条件不能为空"},
		{"material count 0", func(g *bianmin.Guide) {
			g.Materials = append(g.Materials, bianmin.Material{Name: "照片", Form: "原件"})
		}, false, 422, "项材料的份数须为 1–99"},
		{"unknown form", func(g *bianmin.Guide) { g.Materials[0].Form = "扫描件" }, false, 422, "第 1 项材料的形式须为以下之一：原件、复印件、原件和复印件"},
		{"bad new id", func(g *bianmin.Guide) { g.ID = "低保" }, true, 422, "编号须为 2–63 个小写字母"},
		{"reserved id", func(g *bianmin.Guide) { g.ID = "new" }, true, 422, "保留字"},
		{"new with a taken id", func(g *bianmin.Guide) {}, true, 409, "已被指南《" + g.Title + "》使用"},
		{"edit of a deleted guide", func(g *bianmin.Guide) { g.ID = "never-was" }, false, 404, "已被删除"},
	} {
		bad := g
		bad.Materials = slices.Clone(g.Materials)
		tc.edit(&bad)
		for _, action := range []string{"preview", "publish"} {
			status, _, body := b.post("/staff/content/guides/"+action, guideForm(bad, tc.isNew))
			if status != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s (%s): %d, want %d saying %q\n%s", tc.name, action, status, tc.status, tc.want, tableText(body))
			}
			// The form comes back with what was typed.
			if tc.status == 422 && tc.name == "material count 0" && !strings.Contains(body, `value="照片"`) {
				t.Errorf("%s: the typed material is gone", tc.name)
			}
		}
	}
	// Without the CSRF token, or as a clerk or unit staff: refused.
	if status, _, body := b.post("/staff/content/guides/publish", withCSRF(guideForm(g, false), "")); status != http.StatusForbidden {
		t.Errorf("publish without CSRF: %d\n%s", status, tableText(body))
	}
	for _, who := range []string{"clerk", "water"} {
		o := e.login(t, who)
		if status, _, _ := o.get("/staff/content"); status != http.StatusNotFound {
			t.Errorf("%s GET content: %d", who, status)
		}
		if status, _, _ := o.post("/staff/content/guides/publish", guideForm(g, false)); status != http.StatusNotFound {
			t.Errorf("%s publish: %d", who, status)
		}
	}
	if e.feedEnd(t) != end {
		t.Error("a refusal published")
	}
	if got, _ := e.store.Guide(ctx, g.ID); got.Title != g.Title || got.Updated != g.Updated {
		t.Error("a refusal changed the guide")
	}
	c := e.counts(t)
	c.Sessions, c.AuditEntries = before.Sessions, before.AuditEntries // the logins above
	if c != before {
		t.Errorf("refusals changed counts: %+v → %+v", before, c)
	}
	if log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "guide."}); len(log) != 0 {
		t.Errorf("refusals audited: %+v", log)
	}
}

// withCSRF sets the form's token; "" leaves it out.
func withCSRF(f url.Values, token string) url.Values {
	f.Set("csrf", token)
	return f
}

func TestGuideNewAndDelete(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	if status, _, body := b.get("/staff/content/guides/new"); status != http.StatusOK || !strings.Contains(body, `name="new" value="1"`) {
		t.Fatalf("new guide form: %d", status)
	}
	g := officetest.GuideFixtures()[0]
	g.ID, g.Title = "laonian-youdai", `老年优待证办理<script>alert("x")</script>`
	status, _, body := b.post("/staff/content/guides/preview", guideForm(g, true))
	if status != http.StatusOK || strings.Contains(body, `<script>alert`) || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("preview of a title with markup: %d\n%s", status, body)
	}
	if status, _, _ := b.post("/staff/content/guides/publish", guideForm(g, true)); status != http.StatusSeeOther {
		t.Fatalf("publish a new guide: %d", status)
	}
	if got, err := e.store.Guide(ctx, g.ID); err != nil || got.Title != g.Title {
		t.Fatalf("new guide: %+v, %v", got, err)
	}
	if log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "guide.publish"}); len(log) != 1 || log[0].Before != "新建" {
		t.Errorf("audit of a new guide: %+v", log)
	}

	b.get("/staff/content/guides/" + g.ID)
	if status, _, _ := b.post("/staff/content/guides/"+g.ID+"/delete", nil); status != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d", status)
	}
	if _, err := e.store.Guide(ctx, g.ID); err != nil {
		t.Fatal("deleted without confirming")
	}
	end := e.feedEnd(t)
	if status, loc, _ := b.post("/staff/content/guides/"+g.ID+"/delete", url.Values{"confirm": {"1"}}); status != http.StatusSeeOther || loc != "/staff/content" {
		t.Errorf("delete: %d %q", status, loc)
	}
	if _, err := e.store.Guide(ctx, g.ID); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
		t.Errorf("after delete: %v", err)
	}
	if changes, _ := e.feedSince(t, end, office.ClassGuides); len(changes) != 1 || changes[0].Op != "delete" || changes[0].Key != g.ID {
		t.Errorf("feed after delete: %+v", changes)
	}
	if status, _, _ := b.post("/staff/content/guides/"+g.ID+"/delete", url.Values{"confirm": {"1"}}); status != http.StatusNotFound {
		t.Errorf("delete again: %d", status)
	}
	if status, _, _ := b.get("/staff/content/guides/" + g.ID); status != http.StatusNotFound {
		t.Errorf("editor of a deleted guide: %d", status)
	}
}

// unitForm is the unit editor's form for u.
func unitForm(u bianmin.Unit, isNew bool) url.Values {
	f := url.Values{"id": {u.ID}, "name": {u.Name}, "kind": {u.Kind}, "phone": {u.Phone}, "address": {u.Address},
		"responsibilities": {strings.Join(u.Responsibilities, "\n")}, "categories": u.Categories}
	if isNew {
		f.Set("new", "1")
	}
	return f
}

func (e *officeEnv) unit(t *testing.T, id string) *bianmin.Unit {
	t.Helper()
	units, err := office.LoadUnits(context.Background(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	for i := range units {
		if units[i].ID == id {
			return &units[i]
		}
	}
	return nil
}

func TestUnitEditPublishDelete(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	u := *e.unit(t, "water")
	if status, _, body := b.get("/staff/content/units/water"); status != http.StatusOK || !strings.Contains(body, u.Name) {
		t.Fatalf("unit editor: %d", status)
	}
	edited := u
	edited.Responsibilities = append(slices.Clone(u.Responsibilities), "停水提前24小时公告")
	edited.Categories = nil // water no longer takes 供水 reports: nobody does
	end := e.feedEnd(t)
	if status, _, body := b.post("/staff/content/units/preview", unitForm(edited, false)); status != http.StatusOK ||
		!strings.Contains(body, "停水提前24小时公告") || !strings.Contains(body, "不受理工单") {
		t.Fatalf("unit preview: %d\n%s", status, tableText(body))
	}
	if e.feedEnd(t) != end {
		t.Fatal("preview published")
	}
	status, loc, _ := b.post("/staff/content/units/publish", unitForm(edited, false))
	if status != http.StatusSeeOther {
		t.Fatalf("publish unit: %d", status)
	}
	if got := e.unit(t, "water"); got == nil || !slices.Equal(got.Responsibilities, edited.Responsibilities) || len(got.Categories) != 0 {
		t.Errorf("published unit = %+v", got)
	}
	if changes, _ := e.feedSince(t, end, office.ClassUnits); len(changes) != 1 || changes[0].Key != "water" {
		t.Errorf("units feed: %+v", changes)
	}
	// The flash warns that 供水 reports now have no unit.
	if _, _, body := b.get(loc); !strings.Contains(body, "没有单位受理“供水”类问题") {
		t.Errorf("no warning about uncovered categories:\n%s", tableText(body))
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "unit.publish"})
	if len(log) != 1 || !strings.Contains(log[0].After, "职责清单") || !strings.Contains(log[0].After, "受理类别") {
		t.Errorf("audit = %+v", log)
	}

	// Refusals.
	end = e.feedEnd(t)
	for _, tc := range []struct {
		name   string
		edit   func(u *bianmin.Unit)
		isNew  bool
		status int
		want   string
	}{
		{"bad phone", func(u *bianmin.Unit) { u.Phone = "86321000" }, false, 422, "电话须为带区号的座机"},
		{"no duties", func(u *bianmin.Unit) { u.Responsibilities = nil }, false, 422, "职责清单须填写 1–30 条职责"},
		{"unknown category", func(u *bianmin.Unit) { u.Categories = []string{"供水", "外星人"} }, false, 422, "“外星人”不是问题类别"},
		{"unknown kind", func(u *bianmin.Unit) { u.Kind = "公司" }, false, 422, "类型须为以下之一"},
		{"new with a taken id", func(u *bianmin.Unit) {}, true, 409, "已被成员单位"},
	} {
		bad := u
		tc.edit(&bad)
		if status, _, body := b.post("/staff/content/units/publish", unitForm(bad, tc.isNew)); status != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d saying %q\n%s", tc.name, status, tc.status, tc.want, tableText(body))
		}
	}
	if e.feedEnd(t) != end {
		t.Error("a refused unit was published")
	}

	// A new unit.
	nu := bianmin.Unit{ID: "gas", Name: "哈尔滨中庆燃气南岗营业所", Kind: "公用事业单位", Phone: "96633", Address: "南岗区学府路1号",
		Responsibilities: []string{"燃气泄漏抢修", "燃气表故障处理"}, Categories: []string{"安全隐患"}}
	if status, _, _ := b.post("/staff/content/units/publish", unitForm(nu, true)); status != http.StatusSeeOther {
		t.Errorf("new unit: %d", status)
	}
	if got := e.unit(t, "gas"); got == nil || got.Name != nu.Name {
		t.Errorf("new unit = %+v", got)
	}

	// Delete: refused while the unit has an open ticket or an active
	// account; done when it has neither.
	number := e.tickets(t, 1)[0]
	for _, tr := range []office.Transition{{State: bianmin.StateAccepted}, {State: bianmin.StateDispatched, Unit: "gas", Deadline: e.clock.Now().Add(time.Hour)}} {
		tr.Number, tr.At = number, e.clock.Now()
		if _, err := e.store.Advance(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if status, _, body := b.post("/staff/content/units/gas/delete", url.Values{"confirm": {"1"}}); status != http.StatusConflict || !strings.Contains(body, "1 件未关闭的工单") {
		t.Errorf("delete a unit with an open ticket: %d\n%s", status, tableText(body))
	}
	if status, _, body := b.post("/staff/content/units/water/delete", url.Values{"confirm": {"1"}}); status != http.StatusConflict || !strings.Contains(body, "还有启用的账号（water）") {
		t.Errorf("delete a unit with an account: %d\n%s", status, tableText(body))
	}
	if status, _, _ := b.post("/staff/content/units/drainage/delete", nil); status != http.StatusUnprocessableEntity {
		t.Errorf("delete without confirming: %d", status)
	}
	if e.unit(t, "gas") == nil || e.unit(t, "water") == nil || e.unit(t, "drainage") == nil {
		t.Fatal("a refused delete deleted")
	}
	if status, _, _ := b.post("/staff/content/units/drainage/delete", url.Values{"confirm": {"1"}}); status != http.StatusSeeOther {
		t.Errorf("delete drainage: %d", status)
	}
	if e.unit(t, "drainage") != nil {
		t.Error("drainage still published")
	}
	if status, _, _ := b.get("/staff/content/units/drainage"); status != http.StatusNotFound {
		t.Errorf("editor of a deleted unit: %d", status)
	}
}

// communityForm is the grid editor's form for c, with a blank row in each
// table.
func communityForm(c bianmin.Community, isNew bool) url.Values {
	f := url.Values{"id": {c.ID}, "name": {c.Name}, "address": {c.Address}}
	if isNew {
		f.Set("new", "1")
	}
	for _, w := range append(slices.Clone(c.GridWorkers), bianmin.GridWorker{}) {
		f.Add("w_name", w.Name)
		f.Add("w_phone", w.Phone)
		f.Add("w_grid", w.Grid)
	}
	for _, b := range append(slices.Clone(c.Buildings), bianmin.Building{}) {
		f.Add("b_id", b.ID)
		f.Add("b_name", b.Name)
		f.Add("b_units", strings.Join(b.Units, "、"))
		floors, rooms := "", ""
		if b.Floors > 0 {
			floors, rooms = strconv.Itoa(b.Floors), strconv.Itoa(b.RoomsPerFloor)
		}
		f.Add("b_floors", floors)
		f.Add("b_rooms", rooms)
	}
	return f
}

func (e *officeEnv) community(t *testing.T, id string) *bianmin.Community {
	t.Helper()
	grid, err := office.LoadGrid(context.Background(), e.store)
	if err != nil {
		t.Fatal(err)
	}
	for i := range grid {
		if grid[i].ID == id {
			return &grid[i]
		}
	}
	return nil
}

func TestGridEditPublishDelete(t *testing.T) {
	e := newOffice(t, backoffice.Config{})
	ctx := context.Background()
	b := e.login(t, "admin")
	c := *e.community(t, "huayuan")
	if status, _, body := b.get("/staff/content/grid/huayuan"); status != http.StatusOK || !strings.Contains(body, c.GridWorkers[0].Phone) {
		t.Fatalf("grid editor: %d", status)
	}
	edited := c
	edited.Buildings = append(slices.Clone(c.Buildings), bianmin.Building{ID: "5", Name: "5号楼", Units: []string{"1单元", "2单元"}, Floors: 18, RoomsPerFloor: 4})
	edited.GridWorkers = append(slices.Clone(c.GridWorkers), bianmin.GridWorker{Name: "赵敏", Phone: "13800000102", Grid: "第二网格"})
	if status, _, body := b.post("/staff/content/grid/preview", communityForm(edited, false)); status != http.StatusOK ||
		!strings.Contains(body, "5号楼") || !strings.Contains(body, "101 … 1804") {
		t.Fatalf("grid preview: %d\n%s", status, tableText(body))
	}
	end := e.feedEnd(t)
	if status, _, _ := b.post("/staff/content/grid/publish", communityForm(edited, false)); status != http.StatusSeeOther {
		t.Fatalf("publish grid: %d", status)
	}
	got := e.community(t, "huayuan")
	if got == nil || len(got.Buildings) != len(c.Buildings)+1 || len(got.GridWorkers) != 2 || !slices.Equal(got.Buildings[len(got.Buildings)-1].Units, []string{"1单元", "2单元"}) {
		t.Errorf("published community = %+v", got)
	}
	if changes, _ := e.feedSince(t, end, office.ClassGrid); len(changes) != 1 || changes[0].Key != "huayuan" {
		t.Errorf("grid feed: %+v", changes)
	}
	log, _ := e.store.AuditLog(ctx, office.AuditFilter{Action: "grid.publish"})
	if len(log) != 1 || !strings.Contains(log[0].After, "楼栋") || !strings.Contains(log[0].After, "网格员") || strings.Contains(log[0].After, "13800000102") {
		t.Errorf("audit = %+v (no grid worker's phone in it)", log)
	}

	end = e.feedEnd(t)
	for _, tc := range []struct {
		name string
		edit func(c *bianmin.Community)
		want string
	}{
		{"bad worker phone", func(c *bianmin.Community) { c.GridWorkers[0].Phone = "0451-1234567" }, "第 1 位网格员的手机号须为 11 位手机号"},
		{"no buildings", func(c *bianmin.Community) { c.Buildings = nil }, "楼栋须填写 1–500 栋楼"},
		{"too many floors", func(c *bianmin.Community) { c.Buildings[0].Floors = 61 }, "第 1 栋楼的层数须为 1–60"},
		{"building id twice", func(c *bianmin.Community) { c.Buildings[1].ID = c.Buildings[0].ID }, "已被另一栋楼使用"},
		{"no units", func(c *bianmin.Community) { c.Buildings[0].Units = nil }, "第 1 栋楼的单元须填写 1–20 个单元"},
	} {
		bad := c
		bad.GridWorkers = slices.Clone(c.GridWorkers)
		bad.Buildings = slices.Clone(c.Buildings)
		tc.edit(&bad)
		if status, _, body := b.post("/staff/content/grid/publish", communityForm(bad, false)); status != 422 || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want 422 saying %q\n%s", tc.name, status, tc.want, tableText(body))
		}
	}
	if e.feedEnd(t) != end {
		t.Error("a refused community was published")
	}

	// huayuan has the kiosk's tickets (sample tickets are located there).
	e.tickets(t, 1)
	if status, _, body := b.post("/staff/content/grid/huayuan/delete", url.Values{"confirm": {"1"}}); status != http.StatusConflict || !strings.Contains(body, "件未关闭的工单") {
		t.Errorf("delete a community with open tickets: %d\n%s", status, tableText(body))
	}
	if status, _, _ := b.post("/staff/content/grid/haicheng/delete", url.Values{"confirm": {"1"}}); status != http.StatusSeeOther {
		t.Errorf("delete haicheng: %d", status)
	}
	if e.community(t, "haicheng") != nil || e.community(t, "huayuan") == nil {
		t.Error("delete deleted the wrong community")
	}
}
