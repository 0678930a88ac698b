package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"bianmin"
	"bianmin/office"
)

// The status page of a ticket or application (SPEC §5.3). The secret from
// the slip's QR code opens it; an unknown number, a malformed one and a
// wrong or missing secret all get the very same 404 page, so the page tells
// nobody which numbers exist.

const statusNotFound = "未找到该事项"

func (h *Handler) serveStatus(w http.ResponseWriter, r *http.Request) {
	valid := func(n string) bool { _, ok := bianmin.ServiceNumberKind(n); return ok }
	pr, ok := bySecret(h, w, r, valid, statusNotFound, func(ctx context.Context, n string) (office.Progress, string, error) {
		p, err := h.residents.Progress(ctx, n)
		return p, p.Secret, err
	})
	if ok {
		h.render(w, r, http.StatusOK, statusTmpl, h.statusPage(r.Context(), pr))
	}
}

// bySecret answers the first part of a page that needs the secret from a
// slip's QR (status, receipt): no caching, the rate limit, then the lookup.
// An invalid number, an unknown one and a wrong or missing secret all get
// the same 404 page with notFoundMsg. It returns false when it has answered.
func bySecret[T any](h *Handler, w http.ResponseWriter, r *http.Request, valid func(string) bool, notFoundMsg string,
	get func(ctx context.Context, number string) (T, string, error)) (T, bool) {
	var zero T
	noStore(w)
	if ok, wait := h.pages.allow(h.clientIP(r)); !ok {
		h.tooMany(w, r, wait, "查询")
		return zero, false
	}
	number, secret := r.PathValue("number"), r.URL.Query().Get("s")
	if valid(number) && bianmin.ValidSecret(secret) {
		v, stored, err := get(r.Context(), number)
		switch bianmin.ErrorCode(err) {
		case "":
			if office.SecretMatches(stored, secret) {
				return v, true
			}
		case bianmin.ENOTFOUND:
		default:
			h.internalError(w, r, err)
			return zero, false
		}
	}
	h.notFound(w, r, notFoundMsg)
	return zero, false
}

type statusPage struct {
	Number      string
	Kind        string // in words
	State       string // in words
	Timeline    []timelineRow
	Ticket      *ticketSummary
	Application *applicationSummary
	Created     bool   // the page answers the report form's submission
	Link        string // the page's own address, shown after a submission
}

type timelineRow struct{ Label, At, Note string }

type ticketSummary struct {
	Category string
	Location string
	Phrases  []string
	Text     string
}

type applicationSummary struct {
	Name   string // masked
	Reason string
	Fee    string
}

// statusPage shows the status and what the report or application was about,
// without phone or ID numbers; a detail that cannot be read is left out
// rather than failing the page.
func (h *Handler) statusPage(ctx context.Context, pr office.Progress) statusPage {
	p := statusPage{Number: pr.Number, State: bianmin.StateLabel(pr.State)}
	for _, e := range pr.Timeline {
		p.Timeline = append(p.Timeline, timelineRow{Label: bianmin.StateLabel(e.State), At: e.At.In(h.loc).Format("2006-01-02 15:04"), Note: e.Note})
	}
	switch pr.Kind {
	case bianmin.KindTicket:
		p.Kind = "问题反映"
		t, err := h.residents.Ticket(ctx, pr.Number)
		if err != nil {
			h.log.Warn("status page: ticket details", "number", pr.Number, "err", err)
			break
		}
		p.Ticket = &ticketSummary{Category: t.Category, Location: h.location(ctx, t.Ticket), Phrases: t.Phrases, Text: t.Text}
	case bianmin.KindApplication:
		p.Kind = "临时身份证申请"
		a, err := h.residents.Application(ctx, pr.Number)
		if err != nil {
			h.log.Warn("status page: application details", "number", pr.Number, "err", err)
			break
		}
		p.Application = &applicationSummary{Name: bianmin.MaskName(a.Name), Reason: bianmin.ReasonLabel(a.Reason),
			Fee: fmt.Sprintf("%d.%02d 元", a.FeeFen/100, a.FeeFen%100)}
	}
	return p
}

// location names a ticket's place as residents say it: 花园社区 3号楼 2单元 501.
func (h *Handler) location(ctx context.Context, t bianmin.Ticket) string {
	parts := []string{t.Community, t.Building, t.Unit, t.Room}
	if grid, err := h.grid.get(ctx); err == nil {
		for _, c := range grid {
			if c.ID != t.Community {
				continue
			}
			parts[0] = c.Name
			if b, ok := c.Building(t.Building); ok {
				parts[1] = b.Name
			}
		}
	}
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}
