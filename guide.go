// Package bianmin holds the domain shared by the kiosk and the central service:
// the plain types residents and staff deal with (guides now; tickets, applications,
// payments and ratings as they arrive) and the rules that keep them valid. Storage,
// devices and user interfaces live in packages of their own and depend on this one,
// never the other way round.
package bianmin

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Guide is one service guide (办事指南): everything a resident needs to know before
// going to a window, and the source of the printed 一次性告知 checklist.
type Guide struct {
	ID         string     `json:"id"`
	Title      string     `json:"title"`
	Category   string     `json:"category"`
	Department string     `json:"department"`
	Conditions []string   `json:"conditions"`
	Materials  []Material `json:"materials"`
	Steps      []string   `json:"steps"`
	TimeLimit  string     `json:"time_limit"`
	Fee        string     `json:"fee"`
	Place      string     `json:"place"`
	Hours      string     `json:"hours"`
	Phone      string     `json:"phone"`
	LegalBasis []string   `json:"legal_basis"`
	Version    string     `json:"version"`
	Updated    string     `json:"updated"` // YYYY-MM-DD
}

// Material is one required document.
type Material struct {
	Name  string `json:"name"`
	Form  string `json:"form"` // one of MaterialForms
	Count int    `json:"count"`
	Note  string `json:"note,omitempty"`
}

// MaterialForms are the accepted values of Material.Form.
var MaterialForms = []string{"原件", "复印件", "原件和复印件"}

var guideIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// ValidGuideID reports whether id can name a guide (2–63 of a-z, 0-9 and '-',
// not starting with '-'). Servers answer impossible ids before asking storage.
func ValidGuideID(id string) bool { return guideIDPattern.MatchString(id) }

// Validate reports the first missing or malformed field. A guide that fails it is
// never stored or published, so every screen and slip can rely on complete data.
func (g *Guide) Validate() error {
	bad := func(field, why string) error {
		return Errorf(EINVALID, "guide %q: %s %s", g.ID, field, why)
	}
	if !ValidGuideID(g.ID) {
		return bad("id", "must be 2–63 lowercase letters, digits or '-'")
	}
	for field, v := range map[string]string{
		"title": g.Title, "category": g.Category, "department": g.Department,
		"time_limit": g.TimeLimit, "fee": g.Fee, "place": g.Place, "hours": g.Hours,
		"phone": g.Phone, "version": g.Version,
	} {
		if strings.TrimSpace(v) == "" {
			return bad(field, "is empty")
		}
	}
	if len(g.Conditions) == 0 {
		return bad("conditions", "is empty")
	}
	if len(g.Materials) == 0 {
		return bad("materials", "is empty")
	}
	if len(g.Steps) == 0 {
		return bad("steps", "is empty")
	}
	if len(g.LegalBasis) == 0 {
		return bad("legal_basis", "is empty")
	}
	if _, err := time.Parse(time.DateOnly, g.Updated); err != nil {
		return bad("updated", "must be YYYY-MM-DD")
	}
	for i, m := range g.Materials {
		if strings.TrimSpace(m.Name) == "" {
			return bad(fmt.Sprintf("materials[%d].name", i), "is empty")
		}
		known := false
		for _, f := range MaterialForms {
			known = known || m.Form == f
		}
		if !known {
			return bad(fmt.Sprintf("materials[%d].form", i), "must be one of "+strings.Join(MaterialForms, ", "))
		}
		if m.Count < 1 || m.Count > 99 {
			return bad(fmt.Sprintf("materials[%d].count", i), "must be 1–99")
		}
	}
	return nil
}

// ParseGuide decodes one guide document strictly (unknown keys are errors, so a
// typo in content never silently drops a field) and validates it.
func ParseGuide(data []byte) (Guide, error) {
	var g Guide
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return Guide{}, Errorf(EINVALID, "guide: %v", err)
	}
	if dec.More() {
		return Guide{}, Errorf(EINVALID, "guide: trailing data after the document")
	}
	return g, g.Validate()
}

// GuideFilter selects guides. Empty fields select everything.
type GuideFilter struct {
	Category string
	// Query matches any substring of the title, category, department or the
	// materials' names and notes, after SearchKey normalisation. It is plain text:
	// %, _ and quotes have no special meaning.
	Query string
}

// GuideService reads service guides. Both the kiosk's store and officed
// implement it.
type GuideService interface {
	// Guide returns ENOTFOUND for an unknown id.
	Guide(ctx context.Context, id string) (Guide, error)
	// Categories lists categories in display order.
	Categories(ctx context.Context) ([]string, error)
	// FindGuides returns matches best first: title matches, then category or
	// department, then materials; ties by title.
	FindGuides(ctx context.Context, f GuideFilter) ([]Guide, error)
}
