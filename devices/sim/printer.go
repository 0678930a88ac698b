package sim

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"bianmin/devices/escpos"
)

// Paper is the state of a simulated printer's paper roll.
type Paper int

const (
	PaperOK   Paper = iota
	PaperNear       // near end: still prints
	PaperEnd        // out: the printer stops
)

func (p Paper) String() string {
	switch p {
	case PaperNear:
		return "paper near end"
	case PaperEnd:
		return "paper end"
	}
	return "paper ok"
}

// Answer is how a simulated printer answers status requests.
type Answer int

const (
	AnswerStatus  Answer = iota // a real printer
	AnswerGarbage               // a device answering a byte that is no status reply
	AnswerMute                  // a device that answers nothing: not a printer
)

// GarbageByte is what a printer in AnswerGarbage mode answers: it fails the
// (b & 0x93) == 0x12 check of a reply and does not start an ASB block either.
const GarbageByte = 0xFF

// Printer simulates an ESC/POS receipt printer. Like a real one it answers each
// DLE EOT n (1..4) as soon as it arrives, wherever it is in the stream (inside
// image data too), with the bits of its injected state; and while stopped (paper
// end, cover open, offline, jam, cutter error) it drops print data. What it
// prints is kept, decoded, for tests. Safe for concurrent use.
type Printer struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change, for Wait

	paper   Paper
	cover   bool // open
	offline bool
	jam     bool
	cutter  bool
	answer  Answer
	baud    int

	capture      *os.File
	captureErr   error
	received     int64
	dropped      int64 // print data bytes dropped while stopped
	requests     int
	printed      []escpos.Cmd // the most recent, up to keepPrinted bytes
	printedBytes int
}

var _ Device = (*Printer)(nil)

// NewPrinter returns a healthy printer that reads as fast as it is written to.
func NewPrinter() *Printer { return &Printer{changed: make(chan struct{})} }

// Name is "printer".
func (p *Printer) Name() string { return "printer" }

// SetBaud makes the printer take bytes at the rate of an 8N1 line at baud (10
// bits a byte), as the wire would deliver them; 0 means as fast as they come.
func (p *Printer) SetBaud(baud int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.baud = max(baud, 0)
}

// CaptureTo appends every byte the printer receives, status requests included,
// to the file at path (created if needed). Close closes it.
func (p *Printer) CaptureTo(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("sim: capture: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.capture != nil {
		p.capture.Close()
	}
	p.capture, p.captureErr = f, nil
	return nil
}

// Close closes the capture file.
func (p *Printer) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.capture == nil {
		return nil
	}
	err := p.capture.Close()
	p.capture = nil
	return err
}

// SetPaper, SetCover, SetOffline, SetJam, SetCutterError and SetAnswer inject
// state; the next status request sees it.
func (p *Printer) SetPaper(s Paper) { p.set(func() { p.paper = s }) }

// SetCover opens (true) or closes the cover.
func (p *Printer) SetCover(open bool) { p.set(func() { p.cover = open }) }

// SetOffline takes the printer offline without a cause it reports.
func (p *Printer) SetOffline(on bool) { p.set(func() { p.offline = on }) }

// SetJam jams the paper (a mechanical error) or clears the jam.
func (p *Printer) SetJam(on bool) { p.set(func() { p.jam = on }) }

// SetCutterError sets or clears an autocutter error.
func (p *Printer) SetCutterError(on bool) { p.set(func() { p.cutter = on }) }

// SetAnswer chooses how status requests are answered.
func (p *Printer) SetAnswer(a Answer) { p.set(func() { p.answer = a }) }

// Reset clears all faults and what was printed; baud and capture stay.
func (p *Printer) Reset() {
	p.set(func() {
		p.paper, p.cover, p.offline, p.jam, p.cutter, p.answer = PaperOK, false, false, false, false, AnswerStatus
		p.printed, p.printedBytes, p.received, p.dropped, p.requests = nil, 0, 0, 0, 0
	})
}

func (p *Printer) set(f func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f()
	p.notify()
}

// notify wakes Wait; the caller holds mu.
func (p *Printer) notify() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// stopped reports whether the printer has stopped printing; the caller holds mu.
func (p *Printer) stopped() bool {
	return p.paper == PaperEnd || p.cover || p.offline || p.jam || p.cutter
}

// reply is the answer to DLE EOT n in the current state; the caller holds mu.
// Bits as in the ESC/POS notes: a printer out of paper answers n=1, 2, 4 with
// 1A 32 7E.
func (p *Printer) reply(n byte) byte {
	if p.answer == AnswerGarbage {
		return GarbageByte
	}
	b := byte(0x12)
	on := func(cond bool, bits byte) {
		if cond {
			b |= bits
		}
	}
	switch n {
	case 1:
		on(p.stopped(), 0x08)
	case 2:
		on(p.cover, 0x04)
		on(p.paper == PaperEnd, 0x20)
		on(p.jam || p.cutter, 0x40)
	case 3:
		on(p.jam, 0x04)
		on(p.cutter, 0x08)
	case 4:
		on(p.paper != PaperOK, 0x0C)
		on(p.paper == PaperEnd, 0x60)
	}
	return b
}

// Serve plays the printer on conn until a read or write fails. A new connection
// starts with a fresh parser, as a printer powered on again would.
func (p *Printer) Serve(conn io.ReadWriter) error {
	var (
		parser escpos.Parser
		rt     realtime
		due    time.Time // when the bytes taken so far are through the wire
		buf    = make([]byte, 4096)
	)
	for {
		p.mu.Lock()
		baud := p.baud
		p.mu.Unlock()
		size := len(buf)
		if baud > 0 {
			size = max(1, min(len(buf), baud/1000)) // about 10 ms of wire
		}
		n, err := conn.Read(buf[:size])
		if n > 0 {
			p.mu.Lock()
			baud = p.baud // it may have been set while the read waited
			p.mu.Unlock()
			if baud > 0 {
				// Bytes that were waiting follow the previous ones on the wire
				// without a gap, so a late wake-up is caught up, not lost; only
				// a line that really went quiet starts its clock again.
				if now := time.Now(); now.Sub(due) > 20*time.Millisecond {
					due = now
				}
				due = due.Add(time.Duration(n) * 10 * time.Second / time.Duration(baud))
				time.Sleep(time.Until(due))
			}
			if out := p.take(buf[:n], &parser, &rt); len(out) > 0 {
				if _, werr := conn.Write(out); werr != nil {
					return werr
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// take processes bytes from the host and returns the replies to send.
func (p *Printer) take(b []byte, parser *escpos.Parser, rt *realtime) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.notify()
	if p.capture != nil && p.captureErr == nil {
		_, p.captureErr = p.capture.Write(b)
	}
	p.received += int64(len(b))

	var out []byte
	for _, c := range b {
		if n, ok := rt.next(c); ok {
			p.requests++
			if p.answer != AnswerMute {
				out = append(out, p.reply(n))
			}
		}
	}
	for _, cmd := range parser.Feed(b) {
		switch {
		case cmd.Kind == escpos.KindStatusRequest:
			// Answered above, from the raw stream.
		case p.stopped():
			p.dropped += int64(len(cmd.Raw))
		default:
			p.printed = append(p.printed, cmd)
			p.printedBytes += len(cmd.Raw)
		}
	}
	// A demo kiosk runs for days: keep only the recent past.
	drop := 0
	for p.printedBytes > keepPrinted && drop < len(p.printed)-1 {
		p.printedBytes -= len(p.printed[drop].Raw)
		drop++
	}
	if drop > 0 {
		p.printed = append([]escpos.Cmd(nil), p.printed[drop:]...)
	}
	return out
}

// keepPrinted bounds the bytes of commands Printed remembers.
const keepPrinted = 8 << 20

// realtime finds DLE EOT n (n = 1..4) in the raw stream, as a printer's
// receive interrupt does: before and regardless of command parsing.
type realtime struct {
	prev [2]byte
}

func (r *realtime) next(c byte) (n byte, ok bool) {
	if r.prev == [2]byte{0x10, 0x04} && c >= 1 && c <= 4 {
		r.prev = [2]byte{}
		return c, true
	}
	r.prev = [2]byte{r.prev[1], c}
	return 0, false
}

// Printed returns the commands printed so far, the most recent 8 MB of them
// (status requests and data dropped while stopped are not in it).
func (p *Printer) Printed() []escpos.Cmd {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]escpos.Cmd(nil), p.printed...)
}

// Text is the plain text printed so far, lines ending in "\n".
func (p *Printer) Text() string { return escpos.PlainText(p.Printed()) }

// Received is the number of bytes received so far, status requests included.
func (p *Printer) Received() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.received
}

// Requests is the number of status requests received so far.
func (p *Printer) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Wait blocks until done(printed) is true or ctx ends.
func (p *Printer) Wait(ctx context.Context, done func(printed []escpos.Cmd) bool) error {
	for {
		p.mu.Lock()
		ok, changed := done(p.printed), p.changed
		p.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("sim: printer: %w", ctx.Err())
		}
	}
}

// WaitText blocks until the printed text contains s or ctx ends.
func (p *Printer) WaitText(ctx context.Context, s string) error {
	return p.Wait(ctx, func(c []escpos.Cmd) bool { return strings.Contains(escpos.PlainText(c), s) })
}

// Events are the printer's unnamed events: the paper, cover and offline states
// of SPEC §3. Fault modes shared in name with other devices (jam, garbage,
// mute, reset …) need the device named: "printer jam".
func (p *Printer) Events() []string {
	return []string{"paper", "cover", "offline", "cutter", "printed"}
}

// Handle applies the printer's control events:
//
//	paper end|near|ok   cover open|closed   offline on|off
//	jam [clear]         cutter error|ok     answer status|garbage|mute
//	garbage on|off      mute on|off         (short for answer garbage|mute|status)
//	reset               printed (reply: bytes received, lines printed, bytes dropped)
func (p *Printer) Handle(event string, args []string) (string, bool, error) {
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
	case "paper":
		switch arg {
		case "end", "out":
			p.SetPaper(PaperEnd)
		case "near":
			p.SetPaper(PaperNear)
		case "ok":
			p.SetPaper(PaperOK)
		default:
			return bad("end, near or ok")
		}
	case "cover":
		switch arg {
		case "open":
			p.SetCover(true)
		case "closed", "close":
			p.SetCover(false)
		default:
			return bad("open or closed")
		}
	case "offline":
		on, ok := flag(arg, "on", "off")
		if !ok {
			return bad("on or off")
		}
		p.SetOffline(on)
	case "jam":
		on, ok := flag(arg, "", "clear")
		if !ok {
			return bad("nothing or clear")
		}
		p.SetJam(on)
	case "cutter":
		on, ok := flag(arg, "error", "ok")
		if !ok {
			return bad("error or ok")
		}
		p.SetCutterError(on)
	case "answer":
		switch arg {
		case "status":
			p.SetAnswer(AnswerStatus)
		case "garbage":
			p.SetAnswer(AnswerGarbage)
		case "mute":
			p.SetAnswer(AnswerMute)
		default:
			return bad("status, garbage or mute")
		}
	case "garbage", "mute":
		on, ok := flag(arg, "on", "off")
		if !ok {
			return bad("on or off")
		}
		a := map[string]Answer{"garbage": AnswerGarbage, "mute": AnswerMute}[event]
		if !on {
			a = AnswerStatus
		}
		p.SetAnswer(a)
	case "reset":
		p.Reset()
	case "printed":
		p.mu.Lock()
		defer p.mu.Unlock()
		return fmt.Sprintf("%d bytes received, %d lines printed, %d bytes dropped while stopped", p.received,
			strings.Count(escpos.PlainText(p.printed), "\n"), p.dropped), true, nil
	default:
		return "", false, nil
	}
	return "", true, nil
}

// State is e.g. "paper ok, cover closed, online" plus any fault and mode.
func (p *Printer) State() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts := []string{p.paper.String()}
	if p.cover {
		parts = append(parts, "cover open")
	} else {
		parts = append(parts, "cover closed")
	}
	if p.offline {
		parts = append(parts, "offline")
	} else {
		parts = append(parts, "online")
	}
	if p.jam {
		parts = append(parts, "jam")
	}
	if p.cutter {
		parts = append(parts, "cutter error")
	}
	switch p.answer {
	case AnswerGarbage:
		parts = append(parts, "answers garbage")
	case AnswerMute:
		parts = append(parts, "mute")
	}
	if p.baud > 0 {
		parts = append(parts, fmt.Sprintf("%d baud", p.baud))
	}
	if p.captureErr != nil {
		parts = append(parts, "capture failed: "+p.captureErr.Error())
	}
	return strings.Join(parts, ", ")
}

// RunPrinter starts a bench in dir with a printer at DIR/printer and the control
// socket at DIR/control; capture, if not empty, is the file that gets every
// byte the printer receives. Close the bench to stop.
func RunPrinter(dir, capture string) (*Bench, *Printer, error) {
	p := NewPrinter()
	if capture != "" {
		if err := p.CaptureTo(capture); err != nil {
			return nil, nil, err
		}
	}
	b, err := Start(dir, p)
	if err != nil {
		p.Close()
		return nil, nil, err
	}
	return b, p, nil
}

// flag reads a two-way argument: yes gives true, no false, anything else !ok.
func flag(arg, yes, no string) (on, ok bool) {
	switch arg {
	case yes:
		return true, true
	case no:
		return false, true
	}
	return false, false
}
