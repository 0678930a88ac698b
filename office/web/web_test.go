package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office/inmem"
	"bianmin/office/officetest"
	"bianmin/office/web"
)

func fixtureGuides() []bianmin.Guide {
	dibao := bianmin.Guide{
		ID: "dibao-apply", Title: "最低生活保障（低保）申请", Category: "社会救助",
		Department: "南岗区民政局（花园街道社会救助服务站受理）",
		Conditions: []string{"具有哈尔滨市户籍", "家庭月人均收入低于当地低保标准"},
		Materials: []bianmin.Material{
			{Name: "低保申请书", Form: "原件", Count: 1, Note: "窗口领取或现场填写"},
			{Name: "居民身份证", Form: "原件和复印件", Count: 2, Note: "全体家庭成员"},
			{Name: "居民户口簿", Form: "复印件", Count: 1},
		},
		Steps:     []string{"提出书面申请", "入户调查核对", "社区公示7天", "区民政局审核确认"},
		TimeLimit: "自受理之日起30个工作日内办结", Fee: "免费",
		Place: "花园街道便民服务中心一楼1号窗口", Hours: "周一至周五 8:30-11:30，13:30-17:00",
		Phone:      "0451-82681102",
		LegalBasis: []string{"《社会救助暂行办法》（国务院令第649号）"},
		Version:    "2026.2", Updated: "2026-10-15",
	}
	party := dibao
	party.ID, party.Title, party.Category, party.Department = "party-transfer", "党组织关系转接", "党群服务", "花园街道党工委"
	party.Materials = []bianmin.Material{{Name: "党员组织关系介绍信", Form: "原件", Count: 1, Note: "注明'转出'党组织名称"}}
	party.Phone = "12345 转 2"
	insurance := dibao
	insurance.ID, insurance.Title, insurance.Category, insurance.Department = "resident-medical-insurance", "城乡居民医保参保登记", "社会保障", "南岗区医疗保障局"
	insurance.Materials = []bianmin.Material{{Name: "居民身份证", Form: "原件", Count: 1, Note: "个人缴费约占50%"}}
	hostile := dibao
	hostile.ID, hostile.Title, hostile.Category = "hostile", "<script>alert(1)</script>测试", "社会救助"
	hostile.Department = `"><script>alert(2)</script>`
	hostile.Conditions = []string{"<script>alert(3)</script>"}
	hostile.Materials = []bianmin.Material{{Name: "<img src=x onerror=alert(4)>", Form: "原件", Count: 1, Note: "<script>alert(5)</script>"}}
	hostile.Steps = []string{"<script>alert(6)</script>"}
	hostile.Place = "</style><script>alert(7)</script>"
	hostile.Phone = "javascript:alert(8)"
	hostile.LegalBasis = []string{"<a href=javascript:alert(9)>x</a>"}
	return []bianmin.Guide{dibao, party, insurance, hostile}
}

type server struct {
	*httptest.Server
	logs *officetest.LogBuffer
}

func start(t *testing.T, cfg web.Config) *server {
	t.Helper()
	if cfg.Guides == nil {
		svc, err := inmem.NewGuideService(fixtureGuides())
		if err != nil {
			t.Fatal(err)
		}
		cfg.Guides = svc
	}
	logs := &officetest.LogBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h, err := web.NewHandler(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &server{Server: ts, logs: logs}
}

// do sends a request without following redirects and returns the response with
// its body read.
func (s *server) do(t *testing.T, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func (s *server) get(t *testing.T, path string, wantStatus int) string {
	t.Helper()
	resp, body := s.do(t, http.MethodGet, path)
	if resp.StatusCode != wantStatus {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, resp.StatusCode, wantStatus, body)
	}
	return body
}

func TestGuidePageShowsEveryField(t *testing.T) {
	s := start(t, web.Config{})
	resp, body := s.do(t, http.MethodGet, "/guides/dibao-apply")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	g := fixtureGuides()[0]
	want := []string{
		`<html lang="zh-CN">`, `<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"<h1>" + g.Title + "</h1>", g.Category, g.Department,
		g.TimeLimit, g.Fee, g.Place, g.Hours, g.LegalBasis[0],
		"版本 " + g.Version, "更新于 " + g.Updated,
		`<a class="tel" href="tel:0451-82681102">0451-82681102</a>`,
		`<td class="num">2份</td>`, "原件和复印件",
	}
	for _, c := range g.Conditions {
		want = append(want, "<li>"+c+"</li>")
	}
	for _, m := range g.Materials {
		want = append(want, m.Name, "<td>"+m.Form+"</td>")
		if m.Note != "" {
			want = append(want, "<td>"+m.Note+"</td>")
		}
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("guide page lacks %q", w)
		}
	}
	// Steps are numbered, in order.
	steps := regexp.MustCompile(`(?s)<ol class="steps">(.*?)</ol>`).FindStringSubmatch(body)
	if steps == nil {
		t.Fatal("no numbered step list")
	}
	last := -1
	for _, st := range g.Steps {
		i := strings.Index(steps[1], "<li>"+st+"</li>")
		if i <= last {
			t.Errorf("step %q missing or out of order", st)
		}
		last = i
	}
}

func TestTelLink(t *testing.T) {
	s := start(t, web.Config{})
	body := s.get(t, "/guides/party-transfer", http.StatusOK)
	if !strings.Contains(body, `href="tel:12345"`) || !strings.Contains(body, "12345 转 2") {
		t.Errorf("phone %q: want a tel:12345 link showing the full text", "12345 转 2")
	}
}

func TestHostileContentIsEscaped(t *testing.T) {
	s := start(t, web.Config{})
	for _, path := range []string{"/guides/hostile", "/guides/", "/guides/?q=" + "alert", "/guides/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E"} {
		body := s.get(t, path, http.StatusOK)
		for _, bad := range []string{"<script", "<img", "<a href=javascript", `href="javascript`} {
			if strings.Contains(strings.ToLower(body), bad) {
				t.Errorf("GET %s: body contains raw %q", path, bad)
			}
		}
	}
	body := s.get(t, "/guides/hostile", http.StatusOK)
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;测试") {
		t.Error("the hostile title is not shown escaped")
	}
	if strings.Contains(body, `class="tel"`) {
		t.Error("a phone without a number got a tel: link")
	}
}

func TestNotFound(t *testing.T) {
	s := start(t, web.Config{})
	for _, tc := range []struct{ name, path, message string }{
		{"unknown id", "/guides/no-such-guide", "未找到该办事指南"},
		{"upper case", "/guides/DIBAO-APPLY", "未找到该办事指南"},
		{"encoded traversal", "/guides/..%2F..%2Fetc%2Fpasswd", "未找到该办事指南"},
		{"dot dot", "/guides/%2e%2e", "未找到该办事指南"},
		{"NUL", "/guides/%00", "未找到该办事指南"},
		{"id with NUL", "/guides/dibao-apply%00", "未找到该办事指南"},
		{"too long", "/guides/" + strings.Repeat("a", 5000), "未找到该办事指南"},
		{"64 characters", "/guides/" + strings.Repeat("a", 64), "未找到该办事指南"},
		{"one character", "/guides/a", "未找到该办事指南"},
		{"leading dash", "/guides/-dibao", "未找到该办事指南"},
		{"Chinese", "/guides/%E4%BD%8E%E4%BF%9D", "未找到该办事指南"},
		{"quote", "/guides/x'%20OR%20'1'='1", "未找到该办事指南"},
		{"percent", "/guides/%25", "未找到该办事指南"},
		{"sub path", "/guides/dibao-apply/extra", "页面不存在"},
		{"other page", "/admin", "页面不存在"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := s.get(t, tc.path, http.StatusNotFound)
			if !strings.Contains(body, "<h1>"+tc.message+"</h1>") || !strings.Contains(body, `href="/guides/"`) {
				t.Errorf("404 page lacks %q or the index link:\n%s", tc.message, body)
			}
		})
	}

	// A raw ../ is cleaned by the mux into a redirect that ends at a 404.
	resp, err := http.Get(s.URL + "/guides/../etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /guides/../etc/passwd ended with %d, want 404", resp.StatusCode)
	}
	if strings.Contains(s.logs.String(), "level=ERROR") {
		t.Errorf("a bad id caused an error:\n%s", s.logs)
	}
}

func TestOnlyGetAndHead(t *testing.T) {
	s := start(t, web.Config{})
	for _, path := range []string{"/guides/dibao-apply", "/guides/", "/healthz", "/readyz", "/", "/nowhere"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "TRACE"} {
			resp, _ := s.do(t, method, path)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", method, path, resp.StatusCode)
			}
			if allow := resp.Header.Get("Allow"); !strings.Contains(allow, "GET") {
				t.Errorf("%s %s: Allow = %q", method, path, allow)
			}
		}
	}
	resp, body := s.do(t, http.MethodHead, "/guides/dibao-apply")
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Errorf("HEAD: status %d, body %d bytes; want 200 and no body", resp.StatusCode, len(body))
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	s := start(t, web.Config{})
	for _, tc := range []struct{ method, path string }{
		{"GET", "/guides/dibao-apply"}, {"GET", "/guides/"}, {"GET", "/guides/nope"},
		{"GET", "/guides"}, {"GET", "/"}, {"GET", "/healthz"}, {"GET", "/readyz"},
		{"POST", "/guides/dibao-apply"}, {"HEAD", "/guides/dibao-apply"}, {"GET", "/x/../guides/"},
	} {
		resp, _ := s.do(t, tc.method, tc.path)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s %s (%d): Content-Security-Policy = %q", tc.method, tc.path, resp.StatusCode, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s %s (%d): headers %v", tc.method, tc.path, resp.StatusCode, h)
		}
	}
}

// The inline stylesheet is allowed by its hash; if the two drift apart, browsers
// show the pages unstyled.
func TestInlineStyleMatchesPolicy(t *testing.T) {
	s := start(t, web.Config{})
	resp, body := s.do(t, http.MethodGet, "/guides/dibao-apply")
	m := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no <style> element")
	}
	sum := sha256.Sum256([]byte(m[1]))
	want := "style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
		t.Errorf("CSP %q does not allow the inline style (%s)", csp, want)
	}
	if strings.Contains(body, "style=") {
		t.Error("style attributes are blocked by the CSP; use the stylesheet")
	}
}

func TestIndexByCategory(t *testing.T) {
	s := start(t, web.Config{})
	body := s.get(t, "/guides/", http.StatusOK)
	// 社会救助 holds two guides, so it comes first; within it '<' sorts before 最.
	order := []string{"<h2>社会救助</h2>", `href="/guides/hostile"`, `href="/guides/dibao-apply"`, "<h2>党群服务</h2>", `href="/guides/party-transfer"`, "<h2>社会保障</h2>", `href="/guides/resident-medical-insurance"`}
	last := -1
	for _, w := range order {
		i := strings.Index(body, w)
		if i <= last {
			t.Errorf("index: %q missing or out of order", w)
		}
		last = i
	}
	if !strings.Contains(body, `<form class="search" method="get" action="/guides/"`) || !strings.Contains(body, `name="q"`) {
		t.Error("index has no search form")
	}

	body = s.get(t, "/guides/?category=%E7%A4%BE%E4%BC%9A%E4%BF%9D%E9%9A%9C", http.StatusOK) // 社会保障
	if !strings.Contains(body, `href="/guides/resident-medical-insurance"`) || strings.Contains(body, `href="/guides/dibao-apply"`) {
		t.Error("category filter: want only 社会保障 guides")
	}
	if !strings.Contains(body, `href="/guides/?category=%e7%a4%be%e4%bc%9a%e4%bf%9d%e9%9a%9c" aria-current="page"`) {
		t.Error("category filter: the chosen category is not marked current")
	}
}

func TestIndexSearch(t *testing.T) {
	s := start(t, web.Config{})
	link := func(id string) string { return `href="/guides/` + id + `"` }
	for _, tc := range []struct {
		name, q string
		want    []string // ids in result order
	}{
		{"one character", "党", []string{"party-transfer"}},
		{"two characters", "低保", []string{"dibao-apply"}},
		{"two characters, materials, ties by title", "身份", []string{"resident-medical-insurance", "dibao-apply"}},
		{"percent is text", "%", []string{"resident-medical-insurance"}},
		{"underscore is text", "_", nil},
		{"quote is text", "'", []string{"party-transfer"}},
		{"SQL", "' OR '1'='1", nil},
		{"LIKE wildcard", "%保%", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := s.get(t, "/guides/?q="+urlQuery(tc.q), http.StatusOK)
			last := -1
			for _, id := range tc.want {
				i := strings.Index(body, link(id))
				if i <= last {
					t.Errorf("q=%q: %s missing or out of order", tc.q, id)
				}
				last = i
			}
			if n := strings.Count(body, `<li><a href="/guides/`); n != len(tc.want) {
				t.Errorf("q=%q: %d results, want %d", tc.q, n, len(tc.want))
			}
			if len(tc.want) == 0 && !strings.Contains(body, "没有找到") {
				t.Errorf("q=%q: no 'nothing found' message", tc.q)
			}
		})
	}
}

func urlQuery(s string) string {
	r := strings.NewReplacer("%", "%25", "'", "%27", " ", "+", "_", "_", "=", "%3D")
	return r.Replace(s)
}

func TestRedirects(t *testing.T) {
	s := start(t, web.Config{})
	for _, path := range []string{"/", "/guides"} {
		resp, _ := s.do(t, http.MethodGet, path)
		if resp.StatusCode/100 != 3 || resp.Header.Get("Location") != "/guides/" {
			t.Errorf("GET %s: %d Location %q, want a redirect to /guides/", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	s := start(t, web.Config{})
	if body := s.get(t, "/healthz", http.StatusOK); strings.TrimSpace(body) != "ok" {
		t.Errorf("healthz body %q", body)
	}
	if body := s.get(t, "/readyz", http.StatusOK); strings.TrimSpace(body) != "ok" {
		t.Errorf("readyz body %q", body)
	}

	notYet := start(t, web.Config{Ready: func(context.Context) error { return errors.New("still loading") }})
	notYet.get(t, "/readyz", http.StatusServiceUnavailable)
	notYet.get(t, "/healthz", http.StatusOK)

	broken := start(t, web.Config{Guides: failingGuides{}})
	broken.get(t, "/readyz", http.StatusServiceUnavailable)
}

// failingGuides is a guide store whose disk has gone away.
type failingGuides struct{}

var errDisk = errors.New("disk I/O error at sector 1234")

func (failingGuides) Guide(context.Context, string) (bianmin.Guide, error) {
	return bianmin.Guide{}, errDisk
}
func (failingGuides) Categories(context.Context) ([]string, error) { return nil, errDisk }
func (failingGuides) FindGuides(context.Context, bianmin.GuideFilter) ([]bianmin.Guide, error) {
	return nil, errDisk
}

func TestInternalErrorsStayInLogs(t *testing.T) {
	s := start(t, web.Config{Guides: failingGuides{}})
	for _, path := range []string{"/guides/dibao-apply", "/guides/", "/guides/?q=x"} {
		body := s.get(t, path, http.StatusInternalServerError)
		if strings.Contains(body, "sector") || !strings.Contains(body, "服务暂时不可用") {
			t.Errorf("GET %s: the page should apologise without the cause:\n%s", path, body)
		}
	}
	if !strings.Contains(s.logs.String(), "sector 1234") {
		t.Errorf("the cause is not logged:\n%s", s.logs)
	}
}

type panickingGuides struct{ failingGuides }

func (panickingGuides) Guide(context.Context, string) (bianmin.Guide, error) { panic("boom") }

func TestPanicBecomesErrorPage(t *testing.T) {
	s := start(t, web.Config{Guides: panickingGuides{}})
	body := s.get(t, "/guides/dibao-apply", http.StatusInternalServerError)
	if !strings.Contains(body, "服务暂时不可用") {
		t.Errorf("panic page:\n%s", body)
	}
	if !strings.Contains(s.logs.String(), "boom") {
		t.Errorf("the panic is not logged:\n%s", s.logs)
	}
}

func TestRequestLog(t *testing.T) {
	s := start(t, web.Config{})
	s.get(t, "/guides/?q=%E7%8E%8B%E5%B0%8F%E6%98%8E13812345678", http.StatusOK) // 王小明13812345678
	s.get(t, "/guides/nope", http.StatusNotFound)
	logs := s.logs.String()
	for _, w := range []string{
		`msg=request method=GET path=/guides/ status=200`,
		`msg=request method=GET path=/guides/nope status=404`,
		"duration=",
	} {
		if !strings.Contains(logs, w) {
			t.Errorf("request log lacks %q:\n%s", w, logs)
		}
	}
	for _, secret := range []string{"13812345678", "%E7%8E%8B", "王小明", "q="} {
		if strings.Contains(logs, secret) {
			t.Errorf("request log contains the query (%q):\n%s", secret, logs)
		}
	}
}

func TestNewHandlerNeedsGuides(t *testing.T) {
	if _, err := web.NewHandler(web.Config{}); err == nil {
		t.Error("NewHandler without a guide service succeeded")
	}
}
