package bianmin

import (
	"regexp"
	"time"
)

// Status is the progress of a ticket or a temporary-ID application as
// residents see it: on the kiosk's "check progress" screen (the "tickets"
// class of the change feed carries one per number) and on the public status
// page. It never carries personal data: no phone, ID number or name.
type Status struct {
	Number   string        `json:"number"`
	Kind     string        `json:"kind"`  // KindTicket or KindApplication
	State    string        `json:"state"` // one of TicketStates or ApplicationStates
	Timeline []StatusEntry `json:"timeline"`
}

// StatusEntry is one event of a status timeline, oldest first. Most entries
// are state changes; a StateRated entry records a rating and leaves the
// state as it was.
type StatusEntry struct {
	State string    `json:"state"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

// States of tickets and applications (SPEC §2.4, §2.5, §5.2).
const (
	StateSubmitted = "submitted" // received from a kiosk or the mobile form

	// Tickets.
	StateAccepted   = "accepted"    // 接单
	StateDispatched = "dispatched"  // 吹哨派单 to a member unit
	StateResolved   = "resolved"    // 办结: the unit recorded its result
	StateCalledBack = "called_back" // 回访 done
	StateClosed     = "closed"
	StateReopened   = "reopened"
	StateDuplicate  = "duplicate" // merged into another ticket

	// Applications.
	StateIssued    = "issued"    // card made, ready for pickup
	StateCollected = "collected" // picked up
	StateRejected  = "rejected"  // refused with a reason; the fee is due for refund
	StateRefunded  = "refunded"  // a rejected application's fee was paid back

	// StateRated marks a timeline entry for a rating; it is never a state.
	StateRated = "rated"
)

// TicketStates and ApplicationStates are the states each kind can be in.
var (
	TicketStates = []string{StateSubmitted, StateAccepted, StateDispatched, StateResolved,
		StateCalledBack, StateClosed, StateReopened, StateDuplicate}
	ApplicationStates = []string{StateSubmitted, StateAccepted, StateIssued, StateCollected, StateRejected, StateRefunded}
)

// ValidState reports whether state is one a ticket or application (kind) can
// be in.
func ValidState(kind, state string) bool {
	switch kind {
	case KindTicket:
		return oneOf(state, TicketStates)
	case KindApplication:
		return oneOf(state, ApplicationStates)
	}
	return false
}

var stateLabels = map[string]string{
	StateSubmitted: "已提交", StateAccepted: "已受理", StateDispatched: "已派单",
	StateResolved: "已办结", StateCalledBack: "已回访", StateClosed: "已关闭",
	StateReopened: "重新办理", StateDuplicate: "重复工单（已合并）",
	StateIssued: "已制证，待领取", StateCollected: "已领取", StateRejected: "未通过（退费）",
	StateRefunded: "工本费已退还",
	StateRated:    "已评价",
}

// StateLabel is the Chinese name of a state (or of StateRated) for screens
// and pages; an unknown state is shown as it is.
func StateLabel(state string) string {
	if l, ok := stateLabels[state]; ok {
		return l
	}
	return state
}

// ServiceNumberKind returns the kind a public number belongs to: T… a
// ticket, A… an application. ok is false for anything that is not such a
// number.
func ServiceNumberKind(number string) (kind string, ok bool) {
	if !numberPattern.MatchString(number) {
		return "", false
	}
	switch number[0] {
	case 'T':
		return KindTicket, true
	case 'A':
		return KindApplication, true
	}
	return "", false
}

// ValidSecret reports whether s has the form of a status page secret
// (NewSecret); servers answer malformed secrets without a lookup.
func ValidSecret(s string) bool { return secretPattern.MatchString(s) }

var statePattern = regexp.MustCompile(`^[a-z_]{1,32}$`)

// Validate checks a status document as the feed carries it.
func (s *Status) Validate() error {
	kind, ok := ServiceNumberKind(s.Number)
	switch {
	case !ok:
		return bad("status", "number", "%q is not a ticket or application number", s.Number)
	case s.Kind != kind:
		return bad("status", "kind", "%q does not match number %s", s.Kind, s.Number)
	case !ValidState(s.Kind, s.State):
		return bad("status", "state", "%q is not a %s state", s.State, s.Kind)
	case len(s.Timeline) == 0 || len(s.Timeline) > 200:
		return bad("status", "timeline", "must have 1–200 entries")
	}
	for _, e := range s.Timeline {
		if !statePattern.MatchString(e.State) || e.At.IsZero() || !textOK(e.Note, 200) {
			return bad("status", "timeline", "has a malformed entry")
		}
	}
	return nil
}

// ParseStatus decodes a status document of the "tickets" feed class
// strictly and validates it.
func ParseStatus(data []byte) (Status, error) {
	var s Status
	if err := decodeStrict("status", data, &s); err != nil {
		return Status{}, err
	}
	return s, s.Validate()
}
