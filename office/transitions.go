package office

import (
	"strings"
	"time"
	"unicode/utf8"

	"bianmin"
)

// The legal state changes of tickets and applications (SPEC §5.2), in one
// place: every store refuses the others in the transaction that would make
// them (CheckTransition), so two clerks acting at once cannot break the
// loop, and the back office offers only these.
//
// Tickets: 接单 → 吹哨派单 (to a member unit, with a deadline; may be
// re-dispatched to another unit) → 办结 (the unit's result) → 回访 (the
// resident's rating in the call) → 关闭. A ticket resolved, called back,
// closed or marked duplicate can be reopened, and then goes through 接单 or
// 派单 again. A report that repeats another is marked duplicate before it is
// dispatched.
var ticketTransitions = map[string][]string{
	bianmin.StateSubmitted:  {bianmin.StateAccepted, bianmin.StateDuplicate},
	bianmin.StateAccepted:   {bianmin.StateDispatched, bianmin.StateDuplicate},
	bianmin.StateDispatched: {bianmin.StateDispatched, bianmin.StateResolved},
	bianmin.StateResolved:   {bianmin.StateCalledBack, bianmin.StateReopened},
	bianmin.StateCalledBack: {bianmin.StateClosed, bianmin.StateReopened},
	bianmin.StateClosed:     {bianmin.StateReopened},
	bianmin.StateReopened:   {bianmin.StateAccepted, bianmin.StateDispatched, bianmin.StateDuplicate},
	bianmin.StateDuplicate:  {bianmin.StateReopened},
}

// Applications: 受理 → 制证 (ready for pickup) → 领取; or 驳回 with a reason
// before the card is made, which makes the fee due for refund, and then 退费
// when the counter has paid it back (the refund due goes to zero).
var applicationTransitions = map[string][]string{
	bianmin.StateSubmitted: {bianmin.StateAccepted, bianmin.StateRejected},
	bianmin.StateAccepted:  {bianmin.StateIssued, bianmin.StateRejected},
	bianmin.StateIssued:    {bianmin.StateCollected},
	bianmin.StateRejected:  {bianmin.StateRefunded},
}

// NextStates lists the states a ticket or application (kind) in state from
// may move to, in the order the back office offers them.
func NextStates(kind, from string) []string {
	switch kind {
	case bianmin.KindTicket:
		return ticketTransitions[from]
	case bianmin.KindApplication:
		return applicationTransitions[from]
	}
	return nil
}

// CanTransition reports whether kind may move from one state to another.
func CanTransition(kind, from, to string) bool {
	for _, s := range NextStates(kind, from) {
		if s == to {
			return true
		}
	}
	return false
}

var actionLabels = map[string]map[string]string{
	bianmin.KindTicket: {
		bianmin.StateAccepted: "接单", bianmin.StateDispatched: "派单", bianmin.StateResolved: "办结",
		bianmin.StateCalledBack: "回访", bianmin.StateClosed: "关闭", bianmin.StateReopened: "重新办理",
		bianmin.StateDuplicate: "标记重复",
	},
	bianmin.KindApplication: {
		bianmin.StateAccepted: "受理", bianmin.StateIssued: "制证完成", bianmin.StateCollected: "确认领取",
		bianmin.StateRejected: "驳回", bianmin.StateRefunded: "登记工本费已退还",
	},
}

// ActionLabel is the Chinese verb for moving a kind to state to (接单, 派单 …).
func ActionLabel(kind, to string) string {
	if l, ok := actionLabels[kind][to]; ok {
		return l
	}
	return bianmin.StateLabel(to)
}

// Limits of the fields staff type.
const (
	MaxResultLen = 180 // 办结 result; it reaches the resident's timeline as a note
	MaxReasonLen = 180 // an application's rejection reason, likewise
)

// CheckTransition checks that a record of kind now in state from may make
// tr, and that tr carries what its target state needs: a member unit and a
// deadline after tr.At to dispatch, a result to resolve, the resident's
// rating (1–5) to record a call-back, the duplicated ticket's number to mark
// a duplicate, a reason to reject. Stores call it inside the transaction,
// with the state they read there; what needs the database (the unit is
// published, the duplicated ticket exists) they check themselves.
//
// An illegal change is ECONFLICT, a missing or malformed field EINVALID;
// both messages are Chinese, fit for the back office's pages.
func CheckTransition(kind, from string, tr Transition) error {
	if !CanTransition(kind, from, tr.State) {
		return illegalTransition(kind, from, tr.State)
	}
	switch {
	case kind == bianmin.KindTicket && tr.State == bianmin.StateDispatched:
		if tr.Unit == "" {
			return bianmin.Errorf(bianmin.EINVALID, "派单须选择承办的成员单位")
		}
		if tr.Deadline.IsZero() || !tr.Deadline.After(tr.At) {
			return bianmin.Errorf(bianmin.EINVALID, "派单须给出晚于现在的办结时限")
		}
		if tr.Deadline.Sub(tr.At) > 366*24*time.Hour {
			return bianmin.Errorf(bianmin.EINVALID, "办结时限不能超过一年")
		}
	case kind == bianmin.KindTicket && tr.State == bianmin.StateResolved:
		if !fieldOK(tr.Result, MaxResultLen) {
			return bianmin.Errorf(bianmin.EINVALID, "办结须填写办理结果（不超过 %d 字）", MaxResultLen)
		}
	case kind == bianmin.KindTicket && tr.State == bianmin.StateCalledBack:
		if tr.Rating < 1 || tr.Rating > 5 {
			return bianmin.Errorf(bianmin.EINVALID, "回访须记录居民的评价（五级之一）")
		}
	case kind == bianmin.KindTicket && tr.State == bianmin.StateDuplicate:
		if _, ok := bianmin.ServiceNumberKind(tr.DuplicateOf); !ok || tr.DuplicateOf[0] != 'T' {
			return bianmin.Errorf(bianmin.EINVALID, "标记重复须填写原工单编号")
		}
		if tr.DuplicateOf == tr.Number {
			return bianmin.Errorf(bianmin.EINVALID, "工单不能与自己重复")
		}
	case kind == bianmin.KindApplication && tr.State == bianmin.StateRejected:
		if !fieldOK(tr.Reason, MaxReasonLen) {
			return bianmin.Errorf(bianmin.EINVALID, "驳回须填写原因（不超过 %d 字）", MaxReasonLen)
		}
	}
	return nil
}

// fieldOK reports whether s is 1–max characters of printable text.
func fieldOK(s string, max int) bool {
	return strings.TrimSpace(s) != "" && utf8.RuneCountInString(s) <= max && validNote(s)
}

// illegalTransition explains why a change is not allowed and what is.
func illegalTransition(kind, from, to string) error {
	what := "工单"
	if kind == bianmin.KindApplication {
		what = "申请"
	}
	msg := what + "当前状态为「" + bianmin.StateLabel(from) + "」，不能" + ActionLabel(kind, to)
	switch {
	case kind == bianmin.KindTicket && to == bianmin.StateResolved:
		msg += "：须先派单给成员单位"
	case kind == bianmin.KindTicket && to == bianmin.StateReopened:
		msg += "：只有已办结、已回访、已关闭或重复的工单才能重新办理"
	case kind == bianmin.KindTicket && to == bianmin.StateClosed:
		msg += "：须先办结并回访"
	case kind == bianmin.KindTicket && to == bianmin.StateCalledBack:
		msg += "：须先办结"
	}
	next := NextStates(kind, from)
	if len(next) == 0 {
		msg += "。该" + what + "已办理完毕"
	} else {
		labels := make([]string, len(next))
		for i, s := range next {
			labels[i] = ActionLabel(kind, s)
		}
		msg += "。当前可以：" + strings.Join(labels, "、")
	}
	return bianmin.Errorf(bianmin.ECONFLICT, "%s", msg)
}

// ChinaTime is China Standard Time, UTC+8 all year: the time zone of the
// street office, for times staff read (deadlines, the audit log).
var ChinaTime = time.FixedZone("CST", 8*3600)
