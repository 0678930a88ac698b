package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bianmin/devices/cctalk"
)

// Cash simulates the kiosk's cash unit: a ccTalk bill validator (address 40)
// and coin acceptor (address 2) on one bus, the link "cash". Each device keeps
// a five-deep event buffer with its counter (1…255, wrapping to 1; 0 after a
// reset) and answers every command of shared/protocols/cctalk.md with real
// frames. As on a single-wire bus, every byte from the host comes back to it
// (the echo) unless SetEcho(false).
//
// A bill goes into escrow and waits for route bill (154): stack logs it
// stacked, return logs it returned, and no route within the escrow timeout
// returns it. Coins are accepted at once. Faults log the status codes a real
// validator would. The devices stay powered while the link is unplugged: bills
// and coins inserted meanwhile are in the buffer when the host comes back.
// Safe for concurrent use.
type Cash struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change, for Wait

	echo          bool
	mode          cctalk.Mode
	baud          int
	escrowTimeout time.Duration
	busy          int  // answer BUSY to this many more requests
	mute          bool // answer nothing
	noCoin        bool // no coin acceptor fitted: nothing answers at address 2
	requests      int

	bill cashUnit
	coin cashUnit

	escrow    int // bill type in escrow, 0 for none
	escrowSeq int // tells a stale escrow timer from the current one
	jam       cctalk.BillStatus
	jammed    bool
	removed   bool // stacker removed
	full      bool // stacker full
	faulty    bool // stacker faulty

	totals CashTotals
}

// cashUnit is the state one device on the bus keeps.
type cashUnit struct {
	addr     byte
	category string
	product  string
	serial   uint32
	types    map[int]int // type -> 分
	buf      cctalk.Buffer
	inhibit  uint16 // bit n-1 set: type n enabled
	master   bool   // accepting
}

// CashTotals is what the simulated cash unit took in since it was made.
type CashTotals struct {
	Stacked       int // 分 of bills stacked
	Bills         int // bills stacked
	Returned      int // bills returned from escrow, by route or timeout
	Coins         int // 分 of coins accepted
	CoinsAccepted int
}

// Simulated denominations: bill types 1…6 are 1, 5, 10, 20, 50 and 100 元;
// coin types 1…3 are 1 角, 5 角 and 1 元. Amounts are in 分.
var (
	SimBills = map[int]int{1: 100, 2: 500, 3: 1000, 4: 2000, 5: 5000, 6: 10000}
	SimCoins = map[int]int{1: 10, 2: 50, 3: 100}
)

// Identity of the simulated devices.
const (
	SimManufacturer = "SIM"
	SimBillProduct  = "SIM-BV"
	SimCoinProduct  = "SIM-CA"
	SimBillSerial   = 123456
	SimCoinSerial   = 654321
	// SimSelfCheckFault is the self-check answer while the validator is jammed or
	// its stacker is out, full or faulty: ccTalk's "unspecified fault".
	SimSelfCheckFault = 255
	// DefaultEscrowTimeout is how long a bill waits in escrow for a route.
	DefaultEscrowTimeout = 5 * time.Second
)

var _ Device = (*Cash)(nil)

// NewCash returns a powered-up cash unit: counters 0, everything inhibited,
// echo on, simple checksums, as fast as the pty.
func NewCash() *Cash {
	c := &Cash{
		changed:       make(chan struct{}),
		echo:          true,
		escrowTimeout: DefaultEscrowTimeout,
		bill: cashUnit{addr: cctalk.AddrBill, category: cctalk.CategoryBill, product: SimBillProduct,
			serial: SimBillSerial, types: SimBills},
		coin: cashUnit{addr: cctalk.AddrCoin, category: cctalk.CategoryCoin, product: SimCoinProduct,
			serial: SimCoinSerial, types: SimCoins},
	}
	return c
}

// Name is "cash".
func (c *Cash) Name() string { return "cash" }

// SetEcho turns the echo of the host's bytes on (a single-wire bus) or off
// (an RS-232 adapter that does not loop the line back).
func (c *Cash) SetEcho(on bool) { c.set(func() { c.echo = on }) }

// SetCRC switches both devices to CRC-16 frames, or back to simple checksums.
func (c *Cash) SetCRC(on bool) {
	c.set(func() {
		c.mode = cctalk.Checksum
		if on {
			c.mode = cctalk.CRC16
		}
	})
}

// SetBaud paces the link like an 8N1 line at baud (10 bits a byte) from the
// next connection on; 0 means as fast as the pty.
func (c *Cash) SetBaud(baud int) { c.set(func() { c.baud = max(baud, 0) }) }

// SetEscrowTimeout sets how long a bill waits in escrow before it is returned.
func (c *Cash) SetEscrowTimeout(d time.Duration) {
	c.set(func() {
		if d <= 0 {
			d = DefaultEscrowTimeout
		}
		c.escrowTimeout = d
	})
}

// SetBusy makes both devices answer BUSY to the next n requests.
func (c *Cash) SetBusy(n int) { c.set(func() { c.busy = max(n, 0) }) }

// SetMute makes both devices answer nothing, as a dead or foreign device would.
func (c *Cash) SetMute(on bool) { c.set(func() { c.mute = on }) }

// SetCoinFitted takes the coin acceptor off the bus (false), as in a kiosk
// with a bill validator only, or puts it back.
func (c *Cash) SetCoinFitted(on bool) { c.set(func() { c.noCoin = !on }) }

func (c *Cash) set(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f()
	c.notify()
}

// notify wakes Wait; the caller holds mu.
func (c *Cash) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// Serve plays the bus on conn until a read or write fails. The echo is written
// as bytes are read, unpaced: it is the host's own transmission, which the
// paced read has already timed.
func (c *Cash) Serve(conn io.ReadWriter) error {
	c.mu.Lock()
	rw := Pace(conn, c.baud)
	c.mu.Unlock()
	s := cctalk.Stream{To: []byte{cctalk.AddrBill, cctalk.AddrCoin}}
	buf := make([]byte, 512)
	for {
		n, err := rw.Read(buf)
		if n > 0 {
			c.mu.Lock()
			echo, mode := c.echo, c.mode
			c.mu.Unlock()
			if echo {
				if _, werr := conn.Write(buf[:n]); werr != nil {
					return werr
				}
			}
			if s.Mode != mode {
				s = cctalk.Stream{Mode: mode, To: s.To}
			}
			s.Write(buf[:n])
			for {
				f, ferr := s.Next()
				if errors.Is(ferr, cctalk.ErrNeedMore) {
					break
				}
				if ferr != nil {
					continue // noise on the bus: devices ignore it
				}
				if reply := c.handle(f); reply != nil {
					if _, werr := rw.Write(reply); werr != nil {
						return werr
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// handle answers one request; nil is no answer.
func (c *Cash) handle(f cctalk.Frame) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.notify()
	u := c.unit(f.Dest)
	if u == nil {
		return nil
	}
	c.requests++
	if c.mute {
		return nil
	}
	reply := func(h cctalk.Header, data []byte) []byte {
		b, err := cctalk.Encode(c.mode, cctalk.Frame{Dest: cctalk.AddrHost, Src: u.addr, Header: h, Data: data})
		if err != nil {
			return nil
		}
		return b
	}
	ack := func(data ...byte) []byte { return reply(cctalk.HeaderACK, data) }
	nak := func() []byte { return reply(cctalk.HeaderNAK, nil) }
	if c.busy > 0 {
		c.busy--
		return reply(cctalk.HeaderBusy, nil)
	}
	isBill := u == &c.bill
	switch f.Header {
	case cctalk.HeaderSimplePoll:
		return ack()
	case cctalk.HeaderManufacturerID:
		return ack([]byte(SimManufacturer)...)
	case cctalk.HeaderEquipmentCategory:
		return ack([]byte(u.category)...)
	case cctalk.HeaderProductCode:
		return ack([]byte(u.product)...)
	case cctalk.HeaderSerialNumber:
		return ack(byte(u.serial), byte(u.serial>>8), byte(u.serial>>16))
	case cctalk.HeaderSelfCheck:
		if isBill && (c.jammed || c.removed || c.full || c.faulty) {
			return ack(SimSelfCheckFault)
		}
		return ack(0)
	case cctalk.HeaderModifyInhibit:
		if len(f.Data) != 2 {
			return nak()
		}
		u.inhibit = uint16(f.Data[0]) | uint16(f.Data[1])<<8
		return ack()
	case cctalk.HeaderRequestInhibit:
		return ack(byte(u.inhibit), byte(u.inhibit>>8))
	case cctalk.HeaderModifyMasterInhibit:
		if len(f.Data) != 1 {
			return nak()
		}
		u.master = f.Data[0]&1 == 1
		return ack()
	case cctalk.HeaderRequestMasterInhibit:
		if u.master {
			return ack(1)
		}
		return ack(0)
	case cctalk.HeaderReadCoinBuffer:
		if isBill {
			return nak()
		}
		return ack(u.buf.Bytes()...)
	case cctalk.HeaderReadBillEvents:
		if !isBill {
			return nak()
		}
		return ack(u.buf.Bytes()...)
	case cctalk.HeaderBillID:
		if !isBill || len(f.Data) != 1 {
			return nak()
		}
		return ack([]byte(simBillID(u.types[int(f.Data[0])]))...)
	case cctalk.HeaderRouteBill:
		if !isBill || len(f.Data) != 1 {
			return nak()
		}
		switch {
		case c.escrow == 0:
			return ack(cctalk.RouteEscrowEmpty)
		case c.jammed:
			return ack(cctalk.RouteFailed)
		}
		switch f.Data[0] {
		case cctalk.RouteStack:
			c.stack()
		case cctalk.RouteReturn:
			c.returnBill()
		case cctalk.RouteExtend:
			c.armEscrow()
		default:
			return nak()
		}
		return ack()
	case cctalk.HeaderReset:
		r := ack()
		c.reset(u)
		return r
	}
	return nak()
}

// simBillID is the id the validator reports for a bill of amount 分.
func simBillID(amount int) string {
	if amount <= 0 || amount%100 != 0 || amount > 999900 {
		return cctalk.NoBill
	}
	return cctalk.BillID{Country: "CN", Value: amount / 100, Issue: 'A'}.String()
}

func (c *Cash) unit(addr byte) *cashUnit {
	switch addr {
	case c.bill.addr:
		return &c.bill
	case c.coin.addr:
		if c.noCoin {
			return nil
		}
		return &c.coin
	}
	return nil
}

// stack, returnBill, armEscrow and reset change state; the caller holds mu.
func (c *Cash) stack() {
	c.bill.buf.Push(cctalk.Pair{A: byte(c.escrow)})
	c.totals.Stacked += c.bill.types[c.escrow]
	c.totals.Bills++
	c.escrow = 0
	c.escrowSeq++
}

func (c *Cash) returnBill() {
	c.bill.buf.Push(cctalk.Pair{A: 0, B: byte(cctalk.BillReturned)})
	c.totals.Returned++
	c.escrow = 0
	c.escrowSeq++
}

// armEscrow (re)starts the escrow timeout of the bill in escrow.
func (c *Cash) armEscrow() {
	c.escrowSeq++
	seq := c.escrowSeq
	time.AfterFunc(c.escrowTimeout, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.escrow != 0 && c.escrowSeq == seq {
			c.returnBill()
			c.notify()
		}
	})
}

// reset is a power cycle of u: counter 0, an empty buffer, everything
// inhibited. A bill in the validator's escrow goes back to the customer, and
// nothing says so: the buffer starts afresh. Jams and the stacker stay as they
// are; a reset does not fix the mechanics.
func (c *Cash) reset(u *cashUnit) {
	u.buf = cctalk.Buffer{}
	u.inhibit, u.master = 0, false
	if u == &c.bill && c.escrow != 0 {
		c.escrow = 0
		c.escrowSeq++
		c.totals.Returned++
	}
}

// typeOf is the type of u for amount 分, 0 if none.
func (u *cashUnit) typeOf(amount int) int {
	for _, t := range slices.Sorted(maps.Keys(u.types)) {
		if u.types[t] == amount {
			return t
		}
	}
	return 0
}

func (u *cashUnit) amounts() string {
	var a []int
	for _, v := range u.types {
		a = append(a, v)
	}
	slices.Sort(a)
	s := make([]string, len(a))
	for i, v := range a {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ", ")
}

func (u *cashUnit) enabled(t int) bool { return t >= 1 && t <= 16 && u.inhibit&(1<<(t-1)) != 0 }

// Bill inserts a bill of amount 分. It goes into escrow and waits for route
// bill, unless the validator refuses it: a denomination it does not take (an
// error, nothing logged), a bill already in escrow, a jam or a stacker out or
// full (an error), acceptance disabled (logs master inhibit active) or the type
// inhibited (logs inhibited bill).
func (c *Cash) Bill(amount int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.notify()
	t := c.bill.typeOf(amount)
	switch {
	case t == 0:
		return 0, fmt.Errorf("bill: the validator takes no bill of %d 分 (it takes %s)", amount, c.bill.amounts())
	case c.escrow != 0:
		return 0, errors.New("bill: a bill is already in escrow")
	case c.jammed:
		return 0, fmt.Errorf("bill: refused: %s", c.jam)
	case c.removed:
		return 0, errors.New("bill: refused: stacker removed")
	case c.full:
		return 0, errors.New("bill: refused: stacker full")
	case !c.bill.master:
		c.bill.buf.Push(cctalk.Pair{B: byte(cctalk.BillMasterInhibit)})
		return 0, errors.New("bill: refused: master inhibit active (acceptance disabled)")
	case !c.bill.enabled(t):
		c.bill.buf.Push(cctalk.Pair{B: byte(cctalk.BillInhibitedSerial)})
		return 0, fmt.Errorf("bill: refused: bill type %d is inhibited", t)
	}
	c.bill.buf.Push(cctalk.Pair{A: byte(t), B: 1})
	c.escrow = t
	c.armEscrow()
	return t, nil
}

// Coin inserts a coin of amount 分: accepted and logged at once, unless the
// acceptor does not take it (an error) or has it inhibited (logs inhibited
// coin, and an error).
func (c *Cash) Coin(amount int) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.notify()
	t := c.coin.typeOf(amount)
	switch {
	case c.noCoin:
		return 0, errors.New("coin: no coin acceptor fitted")
	case t == 0:
		return 0, fmt.Errorf("coin: the acceptor takes no coin of %d 分 (it takes %s)", amount, c.coin.amounts())
	case !c.coin.master || !c.coin.enabled(t):
		c.coin.buf.Push(cctalk.Pair{B: byte(cctalk.CoinInhibited)})
		return 0, errors.New("coin: refused: inhibited (acceptance disabled)")
	}
	c.coin.buf.Push(cctalk.Pair{A: byte(t), B: 1})
	c.totals.Coins += amount
	c.totals.CoinsAccepted++
	return t, nil
}

// BillStatus logs a bill validator status event and changes the state it
// reports: jams stop it until ClearJam, stacker removed and full stop it until
// stacker inserted or OK.
func (c *Cash) BillStatus(s cctalk.BillStatus) {
	c.set(func() {
		switch s {
		case cctalk.BillJammedUnsafe, cctalk.BillJammedStacker, cctalk.StackerJammed, cctalk.BillJammedSafe:
			c.jammed, c.jam = true, s
		case cctalk.StackerRemoved:
			c.removed, c.full = true, false
		case cctalk.StackerInserted:
			c.removed = false
		case cctalk.StackerFull:
			c.full = true
		case cctalk.StackerFaulty:
			c.faulty = true
		case cctalk.StackerOK:
			c.removed, c.full, c.faulty = false, false, false
		}
		c.bill.buf.Push(cctalk.Pair{B: byte(s)})
	})
}

// ClearJam frees the transport. Nothing is logged; the self-check answers 0
// again (if the stacker is fine).
func (c *Cash) ClearJam() { c.set(func() { c.jammed = false }) }

// CoinError logs a coin acceptor error event.
func (c *Cash) CoinError(code cctalk.CoinError) {
	c.set(func() { c.coin.buf.Push(cctalk.Pair{B: byte(code)}) })
}

// Reset power-cycles both devices: see the reset command (1).
func (c *Cash) Reset() {
	c.set(func() {
		c.reset(&c.bill)
		c.reset(&c.coin)
	})
}

// Totals returns what the unit took in so far.
func (c *Cash) Totals() CashTotals {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.totals
}

// Counters returns the event counters of the bill validator and the coin acceptor.
func (c *Cash) Counters() (bill, coin byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bill.buf.Counter, c.coin.buf.Counter
}

// Escrow returns the amount in escrow, 0 for none.
func (c *Cash) Escrow() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bill.types[c.escrow]
}

// Accepting reports whether the devices' master inhibits are off.
func (c *Cash) Accepting() (bill, coin bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bill.master, c.coin.master
}

// Requests is the number of requests addressed to either device so far.
func (c *Cash) Requests() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Wait blocks until cond (called with the unit locked) is true or ctx ends.
func (c *Cash) Wait(ctx context.Context, cond func() bool) error {
	for {
		c.mu.Lock()
		ok, changed := cond(), c.changed
		c.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sim: cash: %w", ctx.Err())
		}
	}
}

// Events are the cash unit's unnamed events. Its other controls need the
// device named: "cash reset".
func (c *Cash) Events() []string { return []string{"bill", "coin", "jam", "stacker", "fraud"} }

// Handle applies the cash unit's control events:
//
//	bill AMOUNT                  a bill of AMOUNT 分 into escrow (reply: its type)
//	coin AMOUNT                  a coin of AMOUNT 分
//	jam [unsafe|stacker|safe|clear]   bill jammed (default unsafe), or freed
//	stacker full|removed|inserted|ok|faulty|jammed
//	fraud [opto|string|tamper|pulled]  (default opto)
//	coin-error CODE              a coin acceptor error event
//	reset                        power-cycle both devices (counters 0)
//	echo on|off   crc on|off   busy N   mute on|off   escrow-timeout DURATION
//	coin-acceptor on|off         fit or remove the coin acceptor
func (c *Cash) Handle(event string, args []string) (string, bool, error) {
	arg := ""
	if len(args) > 0 {
		arg = args[0]
	}
	if len(args) > 1 {
		return "", true, fmt.Errorf("%s: too many arguments", event)
	}
	bad := func(want string) (string, bool, error) {
		return "", true, fmt.Errorf("%s: want %s, not %q", event, want, arg)
	}
	switch event {
	case "bill", "coin":
		amount, err := strconv.Atoi(arg)
		if err != nil || amount <= 0 {
			return bad("an amount in 分")
		}
		if event == "bill" {
			t, err := c.Bill(amount)
			if err != nil {
				return "", true, err
			}
			return fmt.Sprintf("bill type %d in escrow", t), true, nil
		}
		t, err := c.Coin(amount)
		if err != nil {
			return "", true, err
		}
		return fmt.Sprintf("coin type %d accepted", t), true, nil
	case "jam":
		switch arg {
		case "", "unsafe":
			c.BillStatus(cctalk.BillJammedUnsafe)
		case "stacker":
			c.BillStatus(cctalk.BillJammedStacker)
		case "safe":
			c.BillStatus(cctalk.BillJammedSafe)
		case "clear":
			c.ClearJam()
		default:
			return bad("unsafe, stacker, safe or clear")
		}
	case "stacker":
		s, ok := map[string]cctalk.BillStatus{"full": cctalk.StackerFull, "removed": cctalk.StackerRemoved,
			"inserted": cctalk.StackerInserted, "ok": cctalk.StackerOK, "faulty": cctalk.StackerFaulty,
			"jammed": cctalk.StackerJammed}[arg]
		if !ok {
			return bad("full, removed, inserted, ok, faulty or jammed")
		}
		c.BillStatus(s)
	case "fraud":
		s, ok := map[string]cctalk.BillStatus{"": cctalk.OptoFraud, "opto": cctalk.OptoFraud,
			"string": cctalk.StringFraud, "tamper": cctalk.BillTamper, "pulled": cctalk.BillPulledBack}[arg]
		if !ok {
			return bad("opto, string, tamper or pulled")
		}
		c.BillStatus(s)
	case "coin-error":
		code, err := strconv.Atoi(arg)
		if err != nil || code < 1 || code > 255 {
			return bad("a code 1…255")
		}
		c.CoinError(cctalk.CoinError(code))
	case "reset":
		if arg != "" {
			return bad("nothing")
		}
		c.Reset()
	case "echo", "crc", "mute", "coin-acceptor":
		on, ok := flag(arg, "on", "off")
		if !ok {
			return bad("on or off")
		}
		map[string]func(bool){"echo": c.SetEcho, "crc": c.SetCRC, "mute": c.SetMute, "coin-acceptor": c.SetCoinFitted}[event](on)
	case "busy":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 0 {
			return bad("a number of requests")
		}
		c.SetBusy(n)
	case "escrow-timeout":
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return bad("a duration such as 5s")
		}
		c.SetEscrowTimeout(d)
	default:
		return "", false, nil
	}
	return "", true, nil
}

// State is e.g. "bill validator accepting, counter 7, escrow 2000 分; coin
// acceptor inhibited, counter 3; stacked 12000 分 in 5 bills, coins 300 分;
// echo on, checksum".
func (c *Cash) State() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	unit := func(name string, u *cashUnit) string {
		s := name + " inhibited"
		if u.master {
			s = name + " accepting"
		}
		return fmt.Sprintf("%s, counter %d", s, u.buf.Counter)
	}
	bill := unit("bill validator", &c.bill)
	if c.escrow != 0 {
		bill += fmt.Sprintf(", escrow %d 分", c.bill.types[c.escrow])
	}
	for _, f := range []struct {
		on   bool
		text string
	}{{c.jammed, c.jam.String()}, {c.removed, "stacker removed"}, {c.full, "stacker full"}, {c.faulty, "stacker faulty"}} {
		if f.on {
			bill += ", " + f.text
		}
	}
	echo := "echo off"
	if c.echo {
		echo = "echo on"
	}
	coin := unit("coin acceptor", &c.coin)
	if c.noCoin {
		coin = "no coin acceptor"
	}
	parts := []string{bill, coin,
		fmt.Sprintf("stacked %d 分 in %d bills, coins %d 分", c.totals.Stacked, c.totals.Bills, c.totals.Coins),
		echo + ", " + c.mode.String()}
	if c.baud > 0 {
		parts[3] += fmt.Sprintf(", %d baud", c.baud)
	}
	if c.mute {
		parts[3] += ", mute"
	}
	return strings.Join(parts, "; ")
}
