// Package inmem holds in-memory implementations of the bianmin service
// interfaces. They are immutable after construction and safe for concurrent use.
// officed serves from its SQLite store (office/sqlite); these are the reference
// fakes for tests, and the store's contract suite checks its search against them.
package inmem

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"bianmin"
)

var _ bianmin.GuideService = (*GuideService)(nil)

// GuideService is a read-only bianmin.GuideService over a fixed set of guides.
//
// Its search semantics deliberately match kiosk/store and office/sqlite, so a
// resident gets the same results on the kiosk and on their phone.
type GuideService struct {
	byID       map[string]*guideEntry
	sorted     []*guideEntry // by title, then id: the tie order of FindGuides
	categories []string
}

// guideEntry is a guide with its search keys computed once.
type guideEntry struct {
	guide     bianmin.Guide
	title     string
	category  string
	dept      string
	materials []string // SearchKey of every material's name and note
}

// NewGuideService validates every guide and indexes it. An invalid guide or a
// repeated id is an EINVALID error and no service is returned: a half-loaded
// set would show residents an incomplete list without anyone noticing.
// The guides are copied, so the caller may reuse the slice.
func NewGuideService(guides []bianmin.Guide) (*GuideService, error) {
	s := &GuideService{byID: make(map[string]*guideEntry, len(guides))}
	count := map[string]int{}
	for i := range guides {
		g := cloneGuide(guides[i])
		if err := g.Validate(); err != nil {
			return nil, err
		}
		if _, dup := s.byID[g.ID]; dup {
			return nil, bianmin.Errorf(bianmin.EINVALID, "guide %q: duplicate id", g.ID)
		}
		e := &guideEntry{
			guide:    g,
			title:    bianmin.SearchKey(g.Title),
			category: bianmin.SearchKey(g.Category),
			dept:     bianmin.SearchKey(g.Department),
		}
		for _, m := range g.Materials {
			e.materials = append(e.materials, bianmin.SearchKey(m.Name), bianmin.SearchKey(m.Note))
		}
		s.byID[g.ID] = e
		s.sorted = append(s.sorted, e)
		if count[g.Category] == 0 {
			s.categories = append(s.categories, g.Category)
		}
		count[g.Category]++
	}
	slices.SortFunc(s.sorted, func(a, b *guideEntry) int {
		return cmp.Or(strings.Compare(a.guide.Title, b.guide.Title), strings.Compare(a.guide.ID, b.guide.ID))
	})
	// Same order as kiosk/store: the categories holding most guides first.
	slices.SortFunc(s.categories, func(a, b string) int {
		return cmp.Or(count[b]-count[a], strings.Compare(a, b))
	})
	return s, nil
}

// Len reports how many guides the service holds.
func (s *GuideService) Len() int { return len(s.byID) }

// Guide implements bianmin.GuideService. The returned guide is a copy.
func (s *GuideService) Guide(ctx context.Context, id string) (bianmin.Guide, error) {
	if err := ctx.Err(); err != nil {
		return bianmin.Guide{}, err
	}
	e, ok := s.byID[id]
	if !ok {
		return bianmin.Guide{}, bianmin.Errorf(bianmin.ENOTFOUND, "no guide with id %q", id)
	}
	return cloneGuide(e.guide), nil
}

// Categories implements bianmin.GuideService: categories holding most guides
// first, then by name.
func (s *GuideService) Categories(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return slices.Clone(s.categories), nil
}

// Search ranks, best first, as documented on bianmin.GuideService.
const (
	rankTitle = iota
	rankCategoryOrDepartment
	rankMaterials
	noMatch
)

// FindGuides implements bianmin.GuideService. The query is SearchKey-normalised
// and matched as a plain substring, so one- and two-character queries (低保, 医保)
// work and %, _ and quotes are ordinary characters. An empty query matches
// every guide. Results are copies.
func (s *GuideService) FindGuides(ctx context.Context, f bianmin.GuideFilter) ([]bianmin.Guide, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := bianmin.SearchKey(f.Query)
	var buckets [noMatch][]bianmin.Guide
	for _, e := range s.sorted { // title order, so each bucket is already tie-sorted
		if f.Category != "" && e.guide.Category != f.Category {
			continue
		}
		if r := e.rank(q); r < noMatch {
			buckets[r] = append(buckets[r], cloneGuide(e.guide))
		}
	}
	var out []bianmin.Guide
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out, nil
}

func (e *guideEntry) rank(q string) int {
	switch {
	case strings.Contains(e.title, q):
		return rankTitle
	case strings.Contains(e.category, q) || strings.Contains(e.dept, q):
		return rankCategoryOrDepartment
	case slices.ContainsFunc(e.materials, func(m string) bool { return strings.Contains(m, q) }):
		return rankMaterials
	}
	return noMatch
}

// cloneGuide copies the slices of g so that neither the caller's input nor a
// returned value can change what the service holds.
func cloneGuide(g bianmin.Guide) bianmin.Guide {
	g.Conditions = slices.Clone(g.Conditions)
	g.Materials = slices.Clone(g.Materials)
	g.Steps = slices.Clone(g.Steps)
	g.LegalBasis = slices.Clone(g.LegalBasis)
	return g
}
