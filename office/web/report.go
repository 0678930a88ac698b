package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"bianmin"
)

// The mobile report form (扫码点单 without the kiosk, SPEC §2.4, §5.3). It
// works without JavaScript: the category is chosen by link first (so only
// its preset phrases are shown), the location by plain selects whose
// combination the server checks; report.js only narrows the pickers.

// maxText is the free text's limit in characters (bianmin.Ticket.Validate).
const maxText = 500

// maxFormBytes bounds a posted form: phrases, 500 characters and a location.
const maxFormBytes = 16 << 10

// gridCache keeps the published grid data for a while: every form view
// needs it, and it changes when staff publish.
type gridCache struct {
	load func(context.Context) ([]bianmin.Community, error)
	now  func() time.Time
	ttl  time.Duration

	mu   sync.Mutex
	at   time.Time
	data []bianmin.Community
}

// get returns the grid, loading it when older than ttl; a failed reload
// serves the last good copy.
func (g *gridCache) get(ctx context.Context) ([]bianmin.Community, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if g.data != nil && now.Sub(g.at) < g.ttl {
		return g.data, nil
	}
	data, err := g.load(ctx)
	if err != nil {
		if g.data != nil {
			return g.data, nil
		}
		return nil, err
	}
	if data == nil {
		data = []bianmin.Community{}
	}
	g.data, g.at = data, now
	return data, nil
}

// reportForm is what the resident entered, as the page shows it back.
type reportForm struct {
	Category  string
	Phrases   []string // chosen
	Text      string
	Community string
	Building  string // "community/building", unique across communities
	Unit      string
	Room      string
	Phone     string
}

type reportPage struct {
	reportForm
	Categories  []string // the category chooser, when no category is chosen
	Offered     []string // the category's preset phrases
	Communities []bianmin.Community
	Units       []string // every unit name of the grid, for the no-script picker
	Token       string
	MaxText     int
	Problems    map[string]string // field → what to correct
	Notice      string            // a message about the whole form
}

// Chosen reports whether phrase p was ticked.
func (p reportPage) Chosen(s string) bool { return slices.Contains(p.Phrases, s) }

// buildingValue is the select value of building b of community c: building
// ids are unique only within their community.
func buildingValue(c, b string) string { return c + "/" + b }

func (h *Handler) newReportPage(ctx context.Context, f reportForm) (reportPage, error) {
	grid, err := h.grid.get(ctx)
	if err != nil {
		return reportPage{}, err
	}
	p := reportPage{reportForm: f, Communities: grid, MaxText: maxText, Problems: map[string]string{}}
	if f.Category == "" {
		p.Categories = bianmin.ReportCategories
		return p, nil
	}
	p.Offered = bianmin.ReportPhrases[f.Category]
	seen := map[string]bool{}
	for _, c := range grid {
		for _, b := range c.Buildings {
			for _, u := range b.Units {
				if !seen[u] {
					seen[u] = true
					p.Units = append(p.Units, u)
				}
			}
		}
	}
	slices.SortFunc(p.Units, compareUnits)
	p.Token = h.tokens.issue()
	return p, nil
}

// compareUnits orders unit names by their number ("2单元" before "10单元").
func compareUnits(a, b string) int {
	na, nb := leadingNumber(a), leadingNumber(b)
	if na != nb {
		return na - nb
	}
	return strings.Compare(a, b)
}

func leadingNumber(s string) int {
	n, i := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < math.MaxInt32/10 {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if i == 0 {
		return math.MaxInt32
	}
	return n
}

func (h *Handler) serveReportForm(w http.ResponseWriter, r *http.Request) {
	cat := formValue(r, "category", 20)
	if cat != "" && !slices.Contains(bianmin.ReportCategories, cat) {
		cat = ""
	}
	p, err := h.newReportPage(r.Context(), reportForm{Category: cat})
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	noStore(w)
	h.render(w, r, http.StatusOK, reportTmpl, p)
}

func noStore(w http.ResponseWriter) { w.Header().Set("Cache-Control", "no-store") }

// tooMany answers 429 with when to try again.
func (h *Handler) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, what string) {
	minutes := max(1, int(math.Ceil(wait.Minutes())))
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	h.render(w, r, http.StatusTooManyRequests, messageTmpl, message{
		Title: "操作过于频繁",
		Text:  fmt.Sprintf("%s过于频繁，请%d分钟后再试。如有紧急情况，请拨打12345政务服务便民热线。", what, minutes),
	})
}

// message is a page with a title and one paragraph.
type message struct {
	Title, Text string
	Link, Label string // an optional button
}

func (h *Handler) submitReport(w http.ResponseWriter, r *http.Request) {
	noStore(w)
	client := h.clientIP(r)
	if ok, wait := h.pages.allow(client); !ok {
		h.tooMany(w, r, wait, "提交")
		return
	}
	if full, wait := h.tickets.full(client); full {
		h.tooMany(w, r, wait, "提交问题")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, messageTmpl, message{Title: "提交失败", Text: "表单内容无法识别，请重新填写。", Link: "/report", Label: "重新填写"})
		return
	}
	f := readReportForm(r.PostForm)
	tok := r.PostForm.Get("token")
	if err := h.tokens.check(tok); err != nil {
		h.refuseToken(w, r, f, err)
		return
	}
	grid, err := h.grid.get(r.Context())
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	t, problems := checkReport(f, grid)
	if len(problems) > 0 {
		p, err := h.newReportPage(r.Context(), f)
		if err != nil {
			h.internalError(w, r, err)
			return
		}
		p.Problems = problems
		p.Notice = "请按提示修改后再提交。"
		h.render(w, r, http.StatusUnprocessableEntity, reportTmpl, p)
		return
	}
	if err := h.tokens.claim(tok); err != nil {
		h.refuseToken(w, r, f, err)
		return
	}
	if err := h.residents.CreateMobileTicket(r.Context(), &t, h.now().In(h.loc)); err != nil {
		h.tokens.release(tok)
		if bianmin.ErrorCode(err) != bianmin.EINVALID {
			h.internalError(w, r, err)
			return
		}
		// The checks above mirror Ticket.Validate; should they drift, the
		// resident still gets the form back rather than an error page.
		h.log.Warn("mobile ticket refused by the store", "err", err)
		p, perr := h.newReportPage(r.Context(), f)
		if perr != nil {
			h.internalError(w, r, perr)
			return
		}
		p.Notice = "提交内容有误，请核对后重新提交。"
		h.render(w, r, http.StatusUnprocessableEntity, reportTmpl, p)
		return
	}
	h.tickets.add(client)
	h.log.Info("mobile ticket created", "number", t.Number, "category", t.Category)
	pr, err := h.residents.Progress(r.Context(), t.Number)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	sp := h.statusPage(r.Context(), pr)
	sp.Created = true
	sp.Link = statusLink(t.Number, t.Secret)
	h.render(w, r, http.StatusOK, statusTmpl, sp)
}

// refuseToken answers a post whose token does not hold with the form again
// (what was entered kept, a fresh token) and 403: nothing is stored.
func (h *Handler) refuseToken(w http.ResponseWriter, r *http.Request, f reportForm, err error) {
	if f.Category != "" && !slices.Contains(bianmin.ReportCategories, f.Category) {
		f.Category = ""
	}
	p, perr := h.newReportPage(r.Context(), f)
	if perr != nil {
		h.internalError(w, r, perr)
		return
	}
	switch {
	case errors.Is(err, errTokenExpired):
		p.Notice = "页面停留时间过长，已失效。请核对内容后重新提交。"
	case errors.Is(err, errTokenUsed):
		p.Notice = "该表单已经提交过，请勿重复提交。如需反映新问题，请核对内容后再次提交。"
	default:
		p.Notice = "表单校验失败，请核对内容后重新提交。"
	}
	h.log.Info("report form refused", "reason", err.Error())
	h.render(w, r, http.StatusForbidden, reportTmpl, p)
}

// statusLink is the path of a status page, secret included.
func statusLink(number, secret string) string {
	return "/status/" + url.PathEscape(number) + "?s=" + url.QueryEscape(secret)
}

// clean keeps text as valid UTF-8 of at most max characters (a bound
// against pasted novels; the checks report what is too long), with line
// breaks as \n and other control characters dropped.
func clean(s string, max int) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return strings.TrimSpace(s)
}

func readReportForm(v url.Values) reportForm {
	f := reportForm{
		Category:  clean(v.Get("category"), 20),
		Text:      clean(v.Get("text"), maxText+1),
		Community: clean(v.Get("community"), 60),
		Building:  clean(v.Get("building"), 100),
		Unit:      clean(v.Get("unit"), 30),
		Room:      clean(v.Get("room"), 10),
		Phone:     clean(v.Get("phone"), 30),
	}
	for i, p := range v["phrase"] {
		if i == 20 {
			break
		}
		f.Phrases = append(f.Phrases, clean(p, 60))
	}
	return f
}

// normalizePhone drops the spaces and dashes people type in numbers and
// reads full-width digits as digits.
func normalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
			return -1
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		}
		return r
	}, s)
}

// checkReport turns the form into a ticket, or says for each field what to
// correct, in the resident's words.
func checkReport(f reportForm, grid []bianmin.Community) (bianmin.Ticket, map[string]string) {
	problems := map[string]string{}
	t := bianmin.Ticket{Category: f.Category, Text: f.Text, Unit: f.Unit, Room: f.Room}
	if !slices.Contains(bianmin.ReportCategories, f.Category) {
		problems["category"] = "请选择问题类别。"
	}
	offered := bianmin.ReportPhrases[f.Category]
	for _, p := range f.Phrases {
		if !slices.Contains(offered, p) {
			problems["phrase"] = "所选问题描述与问题类别不符，请重新选择。"
			break
		}
		if !slices.Contains(t.Phrases, p) {
			t.Phrases = append(t.Phrases, p)
		}
	}
	switch {
	case utf8.RuneCountInString(f.Text) > maxText:
		problems["text"] = fmt.Sprintf("补充说明不能超过%d字。", maxText)
	case len(t.Phrases) == 0 && f.Text == "" && problems["phrase"] == "":
		problems["phrase"] = "请至少选择一项问题描述，或填写补充说明。"
	}
	checkLocation(f, grid, &t, problems)
	t.Phone = normalizePhone(f.Phone)
	if bianmin.ValidatePhone(t.Phone) != nil {
		problems["phone"] = "请填写正确的11位手机号码，如 13812345678。"
	}
	return t, problems
}

// checkLocation checks community → building → unit → room against the grid.
// Only the community is required: a problem in a lane or a square has no
// building.
func checkLocation(f reportForm, grid []bianmin.Community, t *bianmin.Ticket, problems map[string]string) {
	var c *bianmin.Community
	for i := range grid {
		if grid[i].ID == f.Community {
			c = &grid[i]
		}
	}
	if c == nil {
		problems["community"] = "请选择所在社区。"
		return
	}
	t.Community = c.ID
	if f.Building == "" {
		if f.Unit != "" || f.Room != "" {
			problems["building"] = "填写单元或房间号时，请先选择楼栋。"
		}
		return
	}
	cid, bid, _ := strings.Cut(f.Building, "/")
	b, ok := c.Building(bid)
	if cid != c.ID || !ok {
		problems["building"] = "所选楼栋不在所选社区内，请重新选择。"
		return
	}
	t.Building = b.ID
	if f.Unit != "" && !slices.Contains(b.Units, f.Unit) {
		problems["unit"] = fmt.Sprintf("%s没有%s，请重新选择。", b.Name, f.Unit)
		return
	}
	if f.Room == "" {
		return
	}
	if f.Unit == "" {
		problems["unit"] = "填写房间号时，请选择单元。"
		return
	}
	if !slices.Contains(b.Rooms(), f.Room) {
		problems["room"] = fmt.Sprintf("房间号不存在：%s共%d层，请按“楼层+两位房号”填写，如 501。", b.Name, b.Floors)
	}
}

func serveReportScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	io.WriteString(w, reportScript)
}

var reportScript = mustRead("templates/report.js")
