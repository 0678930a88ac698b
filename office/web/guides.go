package web

import (
	"html/template"
	"net/http"
	"strings"
	"unicode/utf8"

	"bianmin"
)

// maxQuery bounds the search text (in runes). Guide titles are far shorter, so
// a longer query cannot match anything a shorter prefix would not; the bound
// keeps a pasted novel from costing a scan per byte.
const maxQuery = 64

const guideNotFound = "未找到该办事指南"

type guidePage struct {
	Guide bianmin.Guide
	Tel   template.URL // empty when the phone holds no dialable number
}

func (h *Handler) serveGuide(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !bianmin.ValidGuideID(id) {
		h.notFound(w, r, guideNotFound)
		return
	}
	g, err := h.guides.Guide(r.Context(), id)
	if err != nil {
		h.lookupFailed(w, r, err, guideNotFound)
		return
	}
	h.render(w, r, http.StatusOK, guideTmpl, guidePage{Guide: g, Tel: telURL(g.Phone)})
}

// telURL returns a tel: link for the first number in phone ("0451-82681102",
// "12345 转 2"), or "" when phone does not start with one. Only digits, '+' and
// '-' reach the URL, which is why it may be marked safe for html/template (whose
// URL filter would otherwise replace the tel: scheme).
func telURL(phone string) template.URL {
	s := strings.TrimSpace(phone)
	end, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digits++
		case c == '+' && i == 0, c == '-' && i > 0:
		default:
			i = len(s) // stop at the first other byte
			continue
		}
		end = i + 1
	}
	if digits < 3 {
		return ""
	}
	return template.URL("tel:" + strings.TrimRight(s[:end], "-"))
}

type indexPage struct {
	Query      string
	Category   string
	MaxQuery   int
	Categories []string
	Results    []bianmin.Guide // when Query is set: ranked, best first
	Groups     []guideGroup    // otherwise: by category
}

type guideGroup struct {
	Category string
	Guides   []bianmin.Guide
}

func (h *Handler) serveIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := indexPage{
		Query:    formValue(r, "q", maxQuery),
		Category: formValue(r, "category", maxQuery),
		MaxQuery: maxQuery,
	}
	cats, err := h.guides.Categories(ctx)
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	p.Categories = cats
	found, err := h.guides.FindGuides(ctx, bianmin.GuideFilter{Category: p.Category, Query: p.Query})
	if err != nil {
		h.internalError(w, r, err)
		return
	}
	if p.Query != "" {
		p.Results = found
	} else {
		p.Groups = groupByCategory(found, cats)
	}
	h.render(w, r, http.StatusOK, indexTmpl, p)
}

// formValue returns the query parameter trimmed, as valid UTF-8 and at most max
// runes long.
func formValue(r *http.Request, key string, max int) string {
	v := strings.ToValidUTF8(strings.TrimSpace(r.URL.Query().Get(key)), "")
	if utf8.RuneCountInString(v) > max {
		v = string([]rune(v)[:max])
	}
	return v
}

// groupByCategory keeps the service's category order; a guide whose category is
// missing from it (a store mid-update) still shows, in a group at the end.
func groupByCategory(guides []bianmin.Guide, order []string) []guideGroup {
	index := map[string]int{}
	var groups []guideGroup
	for _, c := range order {
		index[c] = len(groups)
		groups = append(groups, guideGroup{Category: c})
	}
	for _, g := range guides {
		i, ok := index[g.Category]
		if !ok {
			i = len(groups)
			index[g.Category] = i
			groups = append(groups, guideGroup{Category: g.Category})
		}
		groups[i].Guides = append(groups[i].Guides, g)
	}
	out := groups[:0]
	for _, g := range groups {
		if len(g.Guides) > 0 {
			out = append(out, g)
		}
	}
	return out
}
