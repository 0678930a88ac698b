package inmem_test

import (
	"context"
	"slices"
	"testing"

	"bianmin"
	"bianmin/office/inmem"
)

// guide returns a complete, valid guide; materials alternate name, note.
func guide(id, title, category, dept string, materials ...string) bianmin.Guide {
	g := bianmin.Guide{
		ID: id, Title: title, Category: category, Department: dept,
		Conditions: []string{"本市户籍居民"},
		Steps:      []string{"窗口提交材料", "审核办结"},
		TimeLimit:  "即办", Fee: "免费", Place: "花园街道便民服务中心一楼",
		Hours: "周一至周五 8:30-17:00", Phone: "0451-82681102",
		LegalBasis: []string{"《社会救助暂行办法》"}, Version: "1", Updated: "2026-01-02",
	}
	for i := 0; i+1 < len(materials); i += 2 {
		g.Materials = append(g.Materials, bianmin.Material{Name: materials[i], Form: "原件", Count: 1, Note: materials[i+1]})
	}
	return g
}

// Titles in code-point order: 临 < 党 < 城 < 居 < 最, i.e. B, D, C, E, A.
var fixtures = []bianmin.Guide{
	guide("dibao-apply", "最低生活保障（低保）申请", "社会救助", "南岗区民政局",
		"低保申请书", "窗口领取", "居民身份证", "全体家庭成员"), // A
	guide("temporary-assistance", "临时救助申请", "社会救助", "南岗区民政局",
		"临时救助申请书", "", "低保证", "已纳入低保的家庭提供"), // B
	guide("resident-medical-insurance", "城乡居民医保参保登记", "社会保障", "南岗区医疗保障局",
		"居民身份证", "个人缴费约占50%", "居民户口簿", ""), // C
	guide("party-transfer", "党组织关系转接", "党群服务", "花园街道党工委",
		"党员证明", "注明'转出'党组织名称"), // D
	guide("residence-permit", "居住证办理", "户籍证件", "南岗公安分局",
		"居民身份证", "", "租房合同", "Lease Contract"), // E
}

func newService(t *testing.T) *inmem.GuideService {
	t.Helper()
	s, err := inmem.NewGuideService(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(gs []bianmin.Guide) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.ID)
	}
	return out
}

func TestFindGuides(t *testing.T) {
	const (
		A = "dibao-apply"
		B = "temporary-assistance"
		C = "resident-medical-insurance"
		D = "party-transfer"
		E = "residence-permit"
	)
	s := newService(t)
	for _, tc := range []struct {
		name string
		f    bianmin.GuideFilter
		want []string
	}{
		{"empty query lists all by title", bianmin.GuideFilter{}, []string{B, D, C, E, A}},
		{"one character", bianmin.GuideFilter{Query: "党"}, []string{D}},
		{"two characters, title before materials", bianmin.GuideFilter{Query: "低保"}, []string{A, B}},
		{"two characters in title", bianmin.GuideFilter{Query: "医保"}, []string{C}},
		{"department ties by title", bianmin.GuideFilter{Query: "民政"}, []string{B, A}},
		{"category", bianmin.GuideFilter{Query: "社会救助"}, []string{B, A}},
		{"title beats materials", bianmin.GuideFilter{Query: "证"}, []string{E, B, D, C, A}},
		{"material note", bianmin.GuideFilter{Query: "全体家庭"}, []string{A}},
		{"half-width query finds full-width title", bianmin.GuideFilter{Query: "(低保)"}, []string{A}},
		{"full-width Latin, any case", bianmin.GuideFilter{Query: "ｌｅａｓｅ"}, []string{E}},
		{"surrounding space ignored", bianmin.GuideFilter{Query: "  医保 \t"}, []string{C}},
		{"percent is text", bianmin.GuideFilter{Query: "%"}, []string{C}},
		{"underscore is text", bianmin.GuideFilter{Query: "_"}, []string{}},
		{"quote is text", bianmin.GuideFilter{Query: "'"}, []string{D}},
		{"injection is text", bianmin.GuideFilter{Query: "' OR 1=1 --"}, []string{}},
		{"no match", bianmin.GuideFilter{Query: "不存在的事项"}, []string{}},
		{"category filter", bianmin.GuideFilter{Category: "社会救助"}, []string{B, A}},
		{"category filter and query", bianmin.GuideFilter{Category: "社会救助", Query: "身份证"}, []string{A}},
		{"unknown category", bianmin.GuideFilter{Category: "不存在"}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.FindGuides(context.Background(), tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tc.want) {
				t.Errorf("FindGuides(%+v) = %v, want %v", tc.f, ids(got), tc.want)
			}
		})
	}
}

func TestCategoriesMostUsedFirst(t *testing.T) {
	got, err := newService(t).Categories(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"社会救助", "党群服务", "户籍证件", "社会保障"}
	if !slices.Equal(got, want) {
		t.Errorf("Categories() = %v, want %v", got, want)
	}
}

func TestGuide(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	g, err := s.Guide(ctx, "dibao-apply")
	if err != nil {
		t.Fatal(err)
	}
	if g.Title != fixtures[0].Title || len(g.Materials) != 2 {
		t.Errorf("Guide(dibao-apply) = %+v", g)
	}

	// A returned guide is the caller's to change.
	g.Materials[0].Name = "changed"
	g.Steps[0] = "changed"
	again, _ := s.Guide(ctx, "dibao-apply")
	if again.Materials[0].Name != "低保申请书" || again.Steps[0] != "窗口提交材料" {
		t.Errorf("changing a returned guide changed the service: %+v", again)
	}

	for _, id := range []string{"unknown", "", "../dibao-apply", "DIBAO-APPLY"} {
		if _, err := s.Guide(ctx, id); bianmin.ErrorCode(err) != bianmin.ENOTFOUND {
			t.Errorf("Guide(%q) error = %v, want code %s", id, err, bianmin.ENOTFOUND)
		}
	}
}

func TestInputIsCopied(t *testing.T) {
	in := []bianmin.Guide{guide("dibao-apply", "低保申请", "社会救助", "民政局", "申请书", "")}
	s, err := inmem.NewGuideService(in)
	if err != nil {
		t.Fatal(err)
	}
	in[0].Materials[0].Name = "changed"
	g, _ := s.Guide(context.Background(), "dibao-apply")
	if g.Materials[0].Name != "申请书" {
		t.Errorf("changing the input changed the service: %q", g.Materials[0].Name)
	}
}

func TestNewGuideServiceRejects(t *testing.T) {
	noTitle := guide("no-title", "", "社会救助", "民政局", "申请书", "")
	badForm := guide("bad-form", "低保申请", "社会救助", "民政局", "申请书", "")
	badForm.Materials[0].Form = "扫描件"
	for _, tc := range []struct {
		name   string
		guides []bianmin.Guide
	}{
		{"missing title", []bianmin.Guide{noTitle}},
		{"bad material form", []bianmin.Guide{badForm}},
		{"bad id", []bianmin.Guide{guide("../etc", "低保申请", "社会救助", "民政局", "申请书", "")}},
		{"duplicate id", []bianmin.Guide{fixtures[0], fixtures[1], fixtures[0]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := inmem.NewGuideService(tc.guides)
			if bianmin.ErrorCode(err) != bianmin.EINVALID || s != nil {
				t.Errorf("NewGuideService = %v, %v; want nil, code %s", s, err, bianmin.EINVALID)
			}
		})
	}
}

func TestCancelledContext(t *testing.T) {
	s := newService(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.FindGuides(ctx, bianmin.GuideFilter{}); err == nil {
		t.Error("FindGuides with a cancelled context succeeded")
	}
}
