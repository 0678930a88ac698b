package cash_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"bianmin/devices/cash"
	"bianmin/devices/cctalk"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

const wait = 10 * time.Second

// sink is a journal in memory. fail makes the next n Credit calls fail.
type sink struct {
	mu      sync.Mutex
	changed chan struct{}
	credits []cash.Credit
	events  []cash.Event
	calls   int // Credit calls, failed ones included
	fail    int
}

func newSink() *sink { return &sink{changed: make(chan struct{})} }

func (s *sink) Credit(_ context.Context, c cash.Credit) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	s.calls++
	if s.fail > 0 {
		s.fail--
		return errors.New("journal: disk full")
	}
	s.credits = append(s.credits, c)
	return nil
}

func (s *sink) Event(_ context.Context, e cash.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.notify()
	s.events = append(s.events, e)
}

func (s *sink) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *sink) failNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = n
}

// until waits for cond, called with the sink locked.
func (s *sink) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(wait)
	for {
		s.mu.Lock()
		ok, changed := cond(), s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			t.Fatalf("timed out waiting for %s; credits %v; events %v", what, s.credits, s.events)
		}
	}
}

// event waits for an event of kind (from dev, if not empty) after the first
// `after` events and returns it.
func (s *sink) event(t *testing.T, after int, kind cash.Kind) cash.Event {
	t.Helper()
	var found cash.Event
	s.until(t, "event "+string(kind), func() bool {
		for _, e := range s.events[min(after, len(s.events)):] {
			if e.Kind == kind {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

func (s *sink) nEvents() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}

func (s *sink) snapshot() ([]cash.Credit, []cash.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.credits), slices.Clone(s.events)
}

func (s *sink) total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.credits {
		n += c.Amount
	}
	return n
}

type rig struct {
	dir    string
	bench  *sim.Bench
	sim    *sim.Cash
	clock  *simtest.Clock
	sink   *sink
	policy atomic.Pointer[func(int) cash.Route]
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir := t.TempDir()
	c := sim.NewCash()
	return &rig{dir: dir, bench: simtest.Start(t, dir, c), sim: c, clock: simtest.NewClock(simtest.Epoch), sink: newSink()}
}

func (r *rig) config() cash.Config {
	return cash.Config{
		Port: filepath.Join(r.dir, "cash"), Echo: true, Coin: &cash.Unit{}, Poll: 100 * time.Millisecond,
		Timeout: 300 * time.Millisecond, Sink: r.sink, Now: r.clock.Now,
		EscrowPolicy: func(amount int) cash.Route {
			if p := r.policy.Load(); p != nil {
				return (*p)(amount)
			}
			return cash.Stack
		},
	}
}

func (r *rig) setPolicy(p func(int) cash.Route) { r.policy.Store(&p) }

func (r *rig) open(t *testing.T, cfg cash.Config) *cash.Driver {
	t.Helper()
	return simtest.Open(t, cash.Open, cfg)
}

// enabled opens a driver on the rig's config and enables acceptance.
func (r *rig) enabled(t *testing.T) *cash.Driver {
	t.Helper()
	d := r.open(t, r.config())
	if err := d.Enable(ctx(t)); err != nil {
		t.Fatal(err)
	}
	return d
}

// awaitAccepting waits until done holds of what the simulated acceptors
// accept (bill, coin), and fails the test with what otherwise.
func (r *rig) awaitAccepting(t *testing.T, what string, done func(bill, coin bool) bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !done(r.sim.Accepting()) {
		if time.Now().After(deadline) {
			t.Fatal(what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) do(t *testing.T, words ...string) string {
	t.Helper()
	return simtest.Do(t, r.bench, words...)
}

func ctx(t *testing.T) context.Context { return simtest.Context(t, wait) }

func TestOpenIdentifiesAndEnables(t *testing.T) {
	r := newRig(t)
	d := r.open(t, r.config())
	st, err := d.Status(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Connected || st.Accepting || st.Enabled || st.Coin == nil {
		t.Errorf("status after open: %+v", st)
	}
	if b := st.Bill; b.Category != cctalk.CategoryBill || b.Manufacturer != sim.SimManufacturer ||
		b.Product != sim.SimBillProduct || b.Serial != sim.SimBillSerial || b.Addr != 40 || !b.Online {
		t.Errorf("bill validator: %+v", b)
	}
	if c := st.Coin; c.Category != cctalk.CategoryCoin || c.Serial != sim.SimCoinSerial || c.Addr != 2 {
		t.Errorf("coin acceptor: %+v", c)
	}
	if bill, coin := r.sim.Accepting(); bill || coin {
		t.Error("devices accept before Enable")
	}
	if err := d.Enable(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if bill, coin := r.sim.Accepting(); !bill || !coin {
		t.Errorf("after Enable: bill %v coin %v", bill, coin)
	}
	if err := d.Ready(ctx(t)); err != nil {
		t.Errorf("Ready = %v", err)
	}
	if st := d.State(); !st.Accepting || !st.Enabled {
		t.Errorf("State after Enable: %+v", st)
	}
	if err := d.Disable(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if bill, coin := r.sim.Accepting(); bill || coin {
		t.Errorf("after Disable: bill %v coin %v", bill, coin)
	}
}

func TestOpenErrors(t *testing.T) {
	r := newRig(t)
	printerDir := t.TempDir()
	simtest.Start(t, printerDir, sim.NewPrinter())
	for _, tc := range []struct {
		name  string
		edit  func(*cash.Config)
		want  error
		words []string // in the message
	}{
		{"wrong denomination", func(c *cash.Config) { c.Bill.Denominations = map[int]int{4: 5000} }, cash.ErrDenomination,
			[]string{"bill type 4 is CN0020A (2000 分) but configured as 5000 分"}},
		{"type the validator lacks", func(c *cash.Config) { c.Bill.Denominations = map[int]int{1: 100, 7: 20000} }, cash.ErrDenomination,
			[]string{"bill type 7", "no bill of that type"}},
		{"coin acceptor missing", func(c *cash.Config) { c.Coin = &cash.Unit{Addr: 3} }, cash.ErrNoAnswer,
			[]string{"coin acceptor", "no answer"}},
		{"bill validator at the coin address", func(c *cash.Config) { c.Bill.Addr, c.Coin = 2, nil }, cash.ErrWrongDevice,
			[]string{`address 2 is a "Coin Acceptor", not a bill validator`}},
		{"not a ccTalk device", func(c *cash.Config) { c.Port = filepath.Join(printerDir, "printer") }, cash.ErrNoAnswer,
			[]string{"bill validator", "is this a ccTalk device"}},
		{"no such port", func(c *cash.Config) { c.Port = filepath.Join(r.dir, "nothing") }, serialport.ErrNotFound, []string{"no such port"}},
		{"poll too slow", func(c *cash.Config) { c.Poll = time.Second }, cash.ErrConfig, []string{"100–200 ms"}},
		{"no sink", func(c *cash.Config) { c.Sink = nil }, cash.ErrConfig, []string{"Sink"}},
		{"same address twice", func(c *cash.Config) { c.Coin = &cash.Unit{Addr: 40} }, cash.ErrConfig, []string{"both at address 40"}},
		{"type out of range", func(c *cash.Config) { c.Bill.Denominations = map[int]int{17: 100} }, cash.ErrConfig, []string{"type 17"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := r.config()
			tc.edit(&cfg)
			d, err := cash.Open(cfg)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "cash: open: ") {
				t.Errorf("Open = %v, want %v", err, tc.want)
			}
			for _, w := range tc.words {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
	// The failed opens left the port free and the devices disabled.
	d := r.open(t, r.config())
	if _, err := d.Status(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

func TestBillAndCoinRoundTrips(t *testing.T) {
	r := newRig(t)
	r.sim.SetEscrowTimeout(300 * time.Millisecond)
	r.enabled(t)
	type credit struct {
		dev    cash.Device
		typ    int
		amount int
	}
	for _, tc := range []struct {
		name    string
		policy  func(int) cash.Route
		event   []string
		credits []credit
		kinds   []cash.Kind // events expected, in order, among those that follow
		route   cash.Route  // of the escrow event, if any
	}{
		{"escrow then stack", nil, []string{"bill", "2000"}, []credit{{cash.Bill, 4, 2000}}, []cash.Kind{cash.KindEscrow}, cash.Stack},
		{"escrow then return", func(a int) cash.Route {
			if a > 5000 {
				return cash.Return
			}
			return cash.Stack
		}, []string{"bill", "10000"}, nil, []cash.Kind{cash.KindEscrow, cash.KindReturned}, cash.Return},
		{"undecided policy returns", func(int) cash.Route { return 0 }, []string{"bill", "100"}, nil,
			[]cash.Kind{cash.KindEscrow, cash.KindReturned}, cash.Return},
		{"escrow timeout", func(int) cash.Route { time.Sleep(600 * time.Millisecond); return cash.Stack }, []string{"bill", "5000"}, nil,
			[]cash.Kind{cash.KindEscrow, cash.KindRouteFailed, cash.KindReturned}, cash.Stack},
		{"coin", nil, []string{"coin", "100"}, []credit{{cash.Coin, 3, 100}}, nil, 0},
		{"small coin", nil, []string{"coin", "10"}, []credit{{cash.Coin, 1, 10}}, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.setPolicy(func(a int) cash.Route {
				if tc.policy != nil {
					return tc.policy(a)
				}
				return cash.Stack
			})
			before, _ := r.sink.snapshot()
			nev := r.sink.nEvents()
			stacked := r.sim.Totals().Stacked
			r.do(t, tc.event...)
			last := cash.KindEscrow
			if len(tc.kinds) > 0 {
				last = tc.kinds[len(tc.kinds)-1]
				r.sink.event(t, nev, last)
			}
			if len(tc.credits) > 0 {
				r.sink.until(t, "credit", func() bool { return len(r.sink.credits) > len(before) })
			}
			// Nothing more arrives late.
			time.Sleep(300 * time.Millisecond)
			credits, events := r.sink.snapshot()
			var got []credit
			for _, c := range credits[len(before):] {
				got = append(got, credit{c.Device, c.Type, c.Amount})
				if c.Counter == 0 || c.At.IsZero() {
					t.Errorf("credit without counter or time: %+v", c)
				}
			}
			if !slices.Equal(got, tc.credits) {
				t.Errorf("credits %v, want %v", got, tc.credits)
			}
			var kinds []cash.Kind
			for _, e := range events[nev:] {
				kinds = append(kinds, e.Kind)
				if e.Kind == cash.KindEscrow && e.Route != tc.route {
					t.Errorf("escrow routed %v, want %v", e.Route, tc.route)
				}
			}
			if !slices.Equal(kinds, tc.kinds) {
				t.Errorf("events %v, want %v", kinds, tc.kinds)
			}
			wantStacked := 0
			for _, c := range tc.credits {
				if c.dev == cash.Bill {
					wantStacked += c.amount
				}
			}
			if got := r.sim.Totals().Stacked - stacked; got != wantStacked {
				t.Errorf("validator stacked %d 分, want %d", got, wantStacked)
			}
		})
	}
}

func TestFaultsAreTypedEvents(t *testing.T) {
	r := newRig(t)
	d := r.enabled(t)
	for _, tc := range []struct {
		name   string
		inject []string
		kind   cash.Kind
		status cctalk.BillStatus // for bill status events
		dev    cash.Device
		err    error      // of the event
		ready  error      // Ready afterwards
		clear  [][]string // what a technician does; Ready is nil after it
	}{
		{"jam", []string{"jam"}, cash.KindJam, cctalk.BillJammedUnsafe, cash.Bill, cash.ErrJammed, cash.ErrJammed, [][]string{{"jam", "clear"}}},
		{"jam in stacker", []string{"jam", "stacker"}, cash.KindJam, cctalk.BillJammedStacker, cash.Bill, cash.ErrJammed, cash.ErrJammed, [][]string{{"jam", "clear"}}},
		{"jam safe", []string{"jam", "safe"}, cash.KindJam, cctalk.BillJammedSafe, cash.Bill, cash.ErrJammed, cash.ErrJammed, [][]string{{"jam", "clear"}}},
		{"stacker full", []string{"stacker", "full"}, cash.KindStacker, cctalk.StackerFull, cash.Bill, cash.ErrStackerFull, cash.ErrStackerFull, [][]string{{"stacker", "removed"}, {"stacker", "inserted"}}},
		{"stacker removed", []string{"stacker", "removed"}, cash.KindStacker, cctalk.StackerRemoved, cash.Bill, cash.ErrStackerRemoved, cash.ErrStackerRemoved, [][]string{{"stacker", "inserted"}}},
		{"stacker faulty", []string{"stacker", "faulty"}, cash.KindStacker, cctalk.StackerFaulty, cash.Bill, cash.ErrStackerFaulty, cash.ErrStackerFaulty, [][]string{{"stacker", "ok"}}},
		{"stacker jammed", []string{"stacker", "jammed"}, cash.KindJam, cctalk.StackerJammed, cash.Bill, cash.ErrJammed, cash.ErrJammed, [][]string{{"jam", "clear"}}},
		{"opto fraud", []string{"fraud"}, cash.KindFraud, cctalk.OptoFraud, cash.Bill, cash.ErrFraud, nil, nil},
		{"string fraud", []string{"fraud", "string"}, cash.KindFraud, cctalk.StringFraud, cash.Bill, cash.ErrFraud, nil, nil},
		{"tamper", []string{"fraud", "tamper"}, cash.KindFraud, cctalk.BillTamper, cash.Bill, cash.ErrFraud, nil, nil},
		{"pulled back", []string{"fraud", "pulled"}, cash.KindFraud, cctalk.BillPulledBack, cash.Bill, cash.ErrFraud, nil, nil},
		{"coin error", []string{"cash", "coin-error", "14"}, cash.KindFault, 0, cash.Coin, cash.ErrFault, nil, nil},
		{"coin rejected", []string{"cash", "coin-error", "1"}, cash.KindRejected, 0, cash.Coin, nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := r.sink.nEvents()
			r.do(t, tc.inject...)
			e := r.sink.event(t, n, tc.kind)
			if e.Device != tc.dev || tc.dev == cash.Bill && (!e.HasStatus || e.Status != tc.status) || e.Counter == 0 {
				t.Errorf("event %+v, want %v %v", e, tc.dev, tc.status)
			}
			if tc.err == nil && e.Err != nil || !errors.Is(e.Err, tc.err) {
				t.Errorf("event error %v, want %v", e.Err, tc.err)
			}
			err := d.Ready(ctx(t))
			if tc.ready == nil && err != nil || !errors.Is(err, tc.ready) {
				t.Fatalf("Ready = %v, want %v", err, tc.ready)
			}
			if tc.ready != nil {
				// The kiosk refuses cash now; the validator refuses bills too.
				if !strings.HasPrefix(err.Error(), "cash: ready: bill validator: ") {
					t.Errorf("Ready error %q does not name the device", err)
				}
				n := r.sink.nEvents()
				for _, ev := range tc.clear {
					r.do(t, ev...)
				}
				// A jam freed by hand logs nothing: the self-check of Ready
				// (or of the poll loop, now and then) finds it gone. The
				// stacker's events say it is back.
				for end := time.Now().Add(wait); d.Ready(ctx(t)) != nil; time.Sleep(50 * time.Millisecond) {
					if time.Now().After(end) {
						t.Fatalf("Ready after %v: %v", tc.clear, d.Ready(ctx(t)))
					}
				}
				r.sink.event(t, n, cash.KindCleared)
			}
		})
	}
	// And it still takes money afterwards.
	r.do(t, "bill", "500")
	r.sink.until(t, "credit after faults", func() bool { return len(r.sink.credits) == 1 && r.sink.credits[0].Amount == 500 })
}

func TestDeviceReset(t *testing.T) {
	r := newRig(t)
	r.enabled(t)
	r.do(t, "coin", "50")
	r.do(t, "bill", "100")
	r.sink.until(t, "coin and bill", func() bool { return len(r.sink.credits) == 2 })
	n := r.sink.nEvents()
	r.do(t, "cash", "reset")
	r.sink.until(t, "two resets", func() bool {
		k := 0
		for _, e := range r.sink.events[n:] {
			if e.Kind == cash.KindReset && errors.Is(e.Err, cash.ErrReset) {
				k++
			}
		}
		return k == 2
	})
	// The driver set the devices up again: they accept, and count from 1.
	r.awaitAccepting(t, "devices not enabled again after reset", func(bill, coin bool) bool { return bill && coin })
	r.do(t, "coin", "100")
	r.do(t, "bill", "1000")
	r.sink.until(t, "credits after reset", func() bool { return len(r.sink.credits) == 4 })
	credits, _ := r.sink.snapshot()
	if c := credits[2]; c.Device != cash.Coin || c.Amount != 100 || c.Counter != 1 {
		t.Errorf("first coin after reset: %+v", c)
	}
	if c := credits[3]; c.Device != cash.Bill || c.Amount != 1000 || c.Counter != 2 { // escrow was 1
		t.Errorf("first bill after reset: %+v", c)
	}
}

// More than five events while the cable is out: five are credited, the rest
// raise the alarm.
func TestEventsLostWhileUnplugged(t *testing.T) {
	r := newRig(t)
	r.enabled(t)
	r.do(t, "unplug", "cash")
	r.sink.event(t, 0, cash.KindDisconnected)
	for range 7 {
		r.do(t, "coin", "50")
	}
	r.do(t, "replug", "cash")
	r.clock.Advance(time.Minute)
	lost := r.sink.event(t, 0, cash.KindLost)
	if lost.Device != cash.Coin || lost.Missed != 2 || !errors.Is(lost.Err, cash.ErrEventsLost) {
		t.Errorf("lost event %+v", lost)
	}
	r.sink.until(t, "five credits", func() bool { return len(r.sink.credits) == 5 })
	time.Sleep(300 * time.Millisecond)
	credits, _ := r.sink.snapshot()
	for i, c := range credits {
		if c.Counter != 3+i || c.Amount != 50 {
			t.Errorf("credit %d: %+v, want counter %d", i, c, 3+i)
		}
	}
	if len(credits) != 5 {
		t.Errorf("%d credits", len(credits))
	}
}

// Unplugged mid-session, with bills going in all the while: the driver
// recovers by itself and credits exactly what was stacked.
func TestUnplugReplugLosesNothing(t *testing.T) {
	r := newRig(t)
	r.sim.SetEscrowTimeout(500 * time.Millisecond)
	d := r.enabled(t)
	amounts := []int{100, 500, 1000, 2000, 5000, 10000}
	insert := func(i int) {
		a := amounts[i%len(amounts)]
		if i%3 == 2 {
			r.bench.Do("coin", fmt.Sprint(50*(1+i%2)))
			return
		}
		// The validator refuses a bill while another waits in escrow; wait.
		for k := 0; k < 200; k++ {
			if _, err := r.bench.Do("bill", fmt.Sprint(a)); err == nil || !strings.Contains(err.Error(), "escrow") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for round := range 3 {
		for i := range 6 {
			insert(round*6 + i)
			time.Sleep(time.Duration(i*23) * time.Millisecond)
		}
		// Pull the cable with a bill in escrow, and insert more while it is out.
		r.bench.Do("bill", "2000")
		r.do(t, "unplug", "cash")
		insert(round)
		r.bench.Do("coin", "100")
		time.Sleep(200 * time.Millisecond)
		r.do(t, "replug", "cash")
		r.clock.Advance(time.Minute)
	}
	// Let every escrow end and every event be read.
	time.Sleep(time.Second)
	want := r.sim.Totals()
	r.sink.until(t, "credits to match", func() bool {
		n := 0
		for _, c := range r.sink.credits {
			n += c.Amount
		}
		return n == want.Stacked+want.Coins
	})
	time.Sleep(300 * time.Millisecond)
	credits, events := r.sink.snapshot()
	if got, w := r.sink.total(), r.sim.Totals(); got != w.Stacked+w.Coins {
		t.Errorf("credited %d 分, the unit took %d 分 in bills and %d 分 in coins", got, w.Stacked, w.Coins)
	}
	seen := map[string]bool{}
	for _, c := range credits {
		k := fmt.Sprint(c.Device, c.Counter)
		if seen[k] {
			t.Errorf("credited twice: %+v", c)
		}
		seen[k] = true
	}
	var disc, reconn int
	for _, e := range events {
		switch e.Kind {
		case cash.KindDisconnected:
			disc++
		case cash.KindReconnected:
			reconn++
		case cash.KindLost:
			t.Errorf("events lost: %+v", e)
		}
	}
	if disc != 3 || reconn != 3 {
		t.Errorf("%d disconnects, %d reconnects; want 3 each", disc, reconn)
	}
	if st := d.State(); !st.Connected || !st.Accepting {
		t.Errorf("state after replugs: %+v", st)
	}
}

// A journal that fails once still gets the credit, exactly once; while it
// fails the acceptor takes no more cash.
func TestSinkFailsOnceThenSucceeds(t *testing.T) {
	r := newRig(t)
	d := r.enabled(t)
	r.sink.failNext(1)
	r.do(t, "bill", "2000")
	pending := r.sink.event(t, 0, cash.KindCreditPending)
	if pending.Amount != 2000 || !errors.Is(pending.Err, cash.ErrCreditPending) || !strings.Contains(pending.Err.Error(), "disk full") {
		t.Errorf("pending event %+v", pending)
	}
	// Held: the clock stands still, so no retry yet.
	r.awaitAccepting(t, "acceptance not held while a credit is pending", func(bill, _ bool) bool { return !bill })
	if err := d.Ready(ctx(t)); !errors.Is(err, cash.ErrCreditPending) {
		t.Errorf("Ready while pending = %v", err)
	}
	if st := d.State(); st.Pending != 1 || st.Accepting {
		t.Errorf("state while pending: %+v", st)
	}
	// A bill inserted meanwhile is refused by the validator.
	if _, err := r.bench.Do("bill", "500"); err == nil {
		t.Error("validator took a bill while the journal fails")
	}
	r.clock.Advance(time.Second)
	r.sink.until(t, "the credit", func() bool { return len(r.sink.credits) == 1 })
	r.awaitAccepting(t, "acceptance not resumed after the credit was journaled", func(bill, _ bool) bool { return bill })
	time.Sleep(300 * time.Millisecond)
	credits, _ := r.sink.snapshot()
	if len(credits) != 1 || credits[0].Amount != 2000 || credits[0].Device != cash.Bill {
		t.Errorf("credits %+v", credits)
	}
	r.sink.mu.Lock()
	calls := r.sink.calls
	r.sink.mu.Unlock()
	if calls != 2 {
		t.Errorf("%d Credit calls, want 2 (one failed)", calls)
	}
	if err := d.Ready(ctx(t)); err != nil {
		t.Errorf("Ready after delivery: %v", err)
	}
}

// Credits the journal never took are offered again by the next driver.
func TestResumeAfterRestart(t *testing.T) {
	r := newRig(t)
	d := r.enabled(t)
	r.do(t, "coin", "100")
	r.sink.until(t, "first coin", func() bool { return len(r.sink.credits) == 1 })
	journaled := r.sink.credits[0].Counter
	r.sink.failNext(1000)
	r.do(t, "coin", "50")
	r.do(t, "coin", "10")
	r.sink.event(t, 0, cash.KindCreditPending)
	if err := d.Close(); !errors.Is(err, cash.ErrCreditPending) {
		t.Errorf("Close with credits pending = %v", err)
	}
	if bill, coin := r.sim.Accepting(); bill || coin {
		t.Error("devices still accept after Close")
	}
	r.sink.failNext(0)

	for _, tc := range []struct {
		name   string
		resume int
		want   []int
	}{
		{"without resume", 0, nil},
		{"with resume", journaled, []int{50, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSink()
			cfg := r.config()
			cfg.Sink = s
			cfg.Coin.Resume = tc.resume
			d := r.open(t, cfg)
			time.Sleep(500 * time.Millisecond)
			d.Close()
			var got []int
			for _, c := range s.credits {
				got = append(got, c.Amount)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("credits %v, want %v", got, tc.want)
			}
		})
	}
}

func TestEchoAndCRCModes(t *testing.T) {
	for _, tc := range []struct {
		name             string
		simEcho, drvEcho bool
		crc              bool
		echoErrors       bool
	}{
		{"echo", true, true, false, false},
		{"no echo", false, false, false, false},
		{"unexpected echo", true, false, false, false},
		{"missing echo", false, true, false, true},
		{"crc with echo", true, true, true, false},
		{"crc without echo", false, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.sim.SetEcho(tc.simEcho)
			r.sim.SetCRC(tc.crc)
			cfg := r.config()
			cfg.Echo, cfg.CRC = tc.drvEcho, tc.crc
			d := r.open(t, cfg)
			if err := d.Enable(ctx(t)); err != nil {
				t.Fatal(err)
			}
			r.do(t, "bill", "5000")
			r.do(t, "coin", "50")
			r.sink.until(t, "credits", func() bool { return len(r.sink.credits) == 2 })
			if got := d.State().EchoErrors > 0; got != tc.echoErrors {
				t.Errorf("echo errors %d", d.State().EchoErrors)
			}
		})
	}
	t.Run("crc mismatch", func(t *testing.T) {
		r := newRig(t)
		r.sim.SetCRC(true)
		_, err := cash.Open(r.config())
		if !errors.Is(err, cctalk.ErrChecksum) && !errors.Is(err, cash.ErrNoAnswer) {
			t.Errorf("Open with simple checksums against a CRC bus = %v", err)
		}
	})
}

func TestBusyIsWaitedOut(t *testing.T) {
	r := newRig(t)
	d := r.open(t, r.config())
	r.do(t, "cash", "busy", "4")
	if _, err := d.Status(ctx(t)); err != nil {
		t.Fatalf("Status through BUSY: %v", err)
	}
	r.do(t, "cash", "busy", "1000")
	_, err := d.Status(ctx(t))
	if err != nil {
		t.Fatalf("Status = %v", err)
	}
	if err := d.Ready(ctx(t)); !errors.Is(err, cash.ErrNoAnswer) && !errors.Is(err, cctalk.ErrBusy) {
		t.Errorf("Ready while always BUSY = %v", err)
	}
	r.do(t, "cash", "busy", "0")
	if err := d.Ready(ctx(t)); err != nil {
		t.Errorf("Ready after BUSY = %v", err)
	}
}

func TestReconnectBackoff(t *testing.T) {
	r := newRig(t)
	d := r.open(t, r.config())
	r.do(t, "unplug", "cash")
	r.sink.event(t, 0, cash.KindDisconnected)
	if _, err := d.Status(ctx(t)); !errors.Is(err, cash.ErrDisconnected) {
		t.Fatalf("unplugged Status = %v", err)
	}
	if err := d.Ready(ctx(t)); !errors.Is(err, cash.ErrDisconnected) {
		t.Errorf("unplugged Ready = %v", err)
	}
	r.do(t, "replug", "cash")
	before := r.sim.Requests()
	// The failed reopens armed a backoff that the stopped clock never ends.
	time.Sleep(500 * time.Millisecond)
	if _, err := d.Status(ctx(t)); !errors.Is(err, cash.ErrDisconnected) {
		t.Errorf("Status within backoff = %v", err)
	}
	if n := r.sim.Requests() - before; n != 0 {
		t.Errorf("%d requests reached the devices within the backoff", n)
	}
	r.clock.Advance(time.Minute)
	if _, err := d.Status(ctx(t)); err != nil {
		t.Errorf("Status after backoff = %v", err)
	}
	r.sink.event(t, 0, cash.KindReconnected)
}

func TestDisableStillCreditsBillInFlight(t *testing.T) {
	r := newRig(t)
	d := r.enabled(t)
	gate := make(chan struct{})
	r.setPolicy(func(int) cash.Route { <-gate; return cash.Stack })
	r.do(t, "bill", "1000")
	// The policy is deciding; the kiosk disables meanwhile.
	time.Sleep(200 * time.Millisecond)
	if err := d.Disable(ctx(t)); err != nil {
		t.Fatal(err)
	}
	close(gate)
	r.sink.until(t, "credit", func() bool { return len(r.sink.credits) == 1 })
	if bill, coin := r.sim.Accepting(); bill || coin {
		t.Error("devices accept after Disable")
	}
}

func TestCloseStopsEverything(t *testing.T) {
	r := newRig(t)
	d := r.enabled(t)
	r.do(t, "coin", "50")
	// Close delivers what its last poll finds, and leaves the devices disabled.
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if len(r.sink.credits) != 1 {
		t.Errorf("credits after Close: %v", r.sink.credits)
	}
	if bill, coin := r.sim.Accepting(); bill || coin {
		t.Error("devices accept after Close")
	}
	n := r.sim.Requests()
	if err := d.Enable(ctx(t)); !errors.Is(err, cash.ErrClosed) {
		t.Errorf("Enable after Close = %v", err)
	}
	if _, err := d.Status(ctx(t)); !errors.Is(err, cash.ErrClosed) {
		t.Errorf("Status after Close = %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if r.sim.Requests() != n {
		t.Error("the closed driver still talks to the devices")
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}
