package office

import (
	"context"
	"time"
)

// The back office's reads of tickets and applications: filtered pages for
// the lists and the dashboard's figures. Stores keep them indexed: a street
// office accumulates hundreds of thousands of tickets and every page must
// stay fast.

// TicketFilter selects tickets. Zero fields select everything.
type TicketFilter struct {
	State     string // one of bianmin.TicketStates
	Open      bool   // only tickets not closed and not duplicates
	Category  string
	Community string // community id (grid data)
	Unit      string // member unit id the ticket is dispatched to
	// Overdue selects tickets dispatched or reopened whose deadline is before
	// Now (TicketInfo.Overdue).
	Overdue  bool
	CallBack bool      // only tickets waiting for a call-back (low rating)
	Now      time.Time // required with Overdue
	Offset   int
	Limit    int // 1–MaxListPage; 0 means DefaultListPage
}

// ApplicationFilter selects applications. Zero fields select everything.
type ApplicationFilter struct {
	State     string // one of bianmin.ApplicationStates
	RefundDue bool   // only rejected ones whose fee is due for refund
	Offset    int
	Limit     int
}

// Page sizes of the lists.
const (
	DefaultListPage = 50
	MaxListPage     = 500
)

// TicketPage is one page of a ticket list, newest first (overdue lists:
// the most overdue first), and how many tickets the filter selects in all.
type TicketPage struct {
	Tickets []TicketInfo
	Total   int
}

// ApplicationPage is one page of applications, newest first.
type ApplicationPage struct {
	Applications []ApplicationInfo
	Total        int
}

// StateCount is how many open tickets of a category are in a state.
type StateCount struct {
	State, Category string
	Count           int
}

// TicketStats are the dashboard's figures.
type TicketStats struct {
	Open     []StateCount // tickets not closed or duplicate, by state and category
	Overdue  int          // dispatched or reopened with the deadline passed
	CallBack int          // waiting for a call-back
	// Resolved counts tickets whose last 办结 is at or after Since, and
	// AvgResolve is their mean time from submission to that 办结.
	Resolved   int
	AvgResolve time.Duration
	// Ratings counts ratings received at or after Since by level:
	// Ratings[0] is level 1 (非常不满意) … Ratings[4] level 5 (非常满意).
	Ratings [5]int
	// ApplicationsOpen counts applications waiting for staff (submitted,
	// accepted or issued and not collected); RefundsDue rejected ones.
	ApplicationsOpen, RefundsDue int
}

// CaseService is what the back office lists and counts.
type CaseService interface {
	// Tickets returns one page of the tickets f selects. EINVALID for a
	// malformed filter.
	Tickets(ctx context.Context, f TicketFilter) (TicketPage, error)
	// Applications returns one page of the applications f selects.
	Applications(ctx context.Context, f ApplicationFilter) (ApplicationPage, error)
	// TicketStats computes the dashboard's figures: overdue as of now,
	// resolutions and ratings since since (the start of the month).
	TicketStats(ctx context.Context, now, since time.Time) (TicketStats, error)
}

// PageLimit is the page size a filter's Limit asks for, within
// 1–MaxListPage. Stores use it so every store pages alike.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultListPage
	case n > MaxListPage:
		return MaxListPage
	}
	return n
}
