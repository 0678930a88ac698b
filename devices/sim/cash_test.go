package sim

import (
	"bytes"
	"encoding/hex"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"bianmin/devices/cctalk"
)

func startCash(t *testing.T) (*Bench, *Cash, serial.Port) {
	t.Helper()
	dir := t.TempDir()
	c := NewCash()
	b, err := Start(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, c, host(t, filepath.Join(dir, "cash"))
}

// request sends a frame from the host to dest and returns the raw reply,
// checking the echo first when the bus echoes.
func request(t *testing.T, p serial.Port, mode cctalk.Mode, echo bool, dest byte, h cctalk.Header, data ...byte) []byte {
	t.Helper()
	req, err := cctalk.Encode(mode, cctalk.Frame{Dest: dest, Src: cctalk.AddrHost, Header: h, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	write(t, p, req)
	if echo {
		if got := readN(t, p, len(req)); !bytes.Equal(got, req) {
			t.Fatalf("echo % x, want % x", got, req)
		}
	}
	head := readN(t, p, 2)
	return append(head, readN(t, p, int(head[1])+3)...)
}

// ask is request in simple checksum mode with echo, decoded and checked to be
// an ACK from dest.
func ask(t *testing.T, p serial.Port, dest byte, h cctalk.Header, data ...byte) []byte {
	t.Helper()
	f, err := cctalk.Decode(cctalk.Checksum, request(t, p, cctalk.Checksum, true, dest, h, data...))
	if err != nil {
		t.Fatalf("%v: %v", h, err)
	}
	if f.Dest != cctalk.AddrHost || f.Src != dest || f.Header != cctalk.HeaderACK {
		t.Fatalf("%v: reply %+v", h, f)
	}
	return f.Data
}

func unhexs(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every header of the protocol notes, answered byte for byte. The reply bytes
// were computed with an independent implementation (a few lines of Python).
func TestCashAnswersEveryHeader(t *testing.T) {
	_, _, p := startCash(t)
	for _, tc := range []struct {
		name   string
		dest   byte
		header cctalk.Header
		data   []byte
		reply  string
	}{
		{"simple poll bill", 40, cctalk.HeaderSimplePoll, nil, "01 00 28 00 d7"},
		{"simple poll coin", 2, cctalk.HeaderSimplePoll, nil, "01 00 02 00 fd"},
		{"manufacturer", 40, cctalk.HeaderManufacturerID, nil, "01 03 28 00 53 49 4d eb"},
		{"category bill", 40, cctalk.HeaderEquipmentCategory, nil, "01 0e 28 00 42 69 6c 6c 20 56 61 6c 69 64 61 74 6f 72 80"},
		{"category coin", 2, cctalk.HeaderEquipmentCategory, nil, "01 0d 02 00 43 6f 69 6e 20 41 63 63 65 70 74 6f 72 16"},
		{"product", 40, cctalk.HeaderProductCode, nil, "01 06 28 00 53 49 4d 2d 42 56 23"},
		{"serial 123456", 40, cctalk.HeaderSerialNumber, nil, "01 03 28 00 40 e2 01 b1"},
		{"self-check", 40, cctalk.HeaderSelfCheck, nil, "01 01 28 00 00 d6"},
		{"modify inhibit", 40, cctalk.HeaderModifyInhibit, []byte{0x3f, 0x00}, "01 00 28 00 d7"},
		{"request inhibit", 40, cctalk.HeaderRequestInhibit, nil, "01 02 28 00 3f 00 96"},
		{"modify inhibit, one byte", 40, cctalk.HeaderModifyInhibit, []byte{0x3f}, "01 00 28 05 d2"},
		{"request master inhibit, inhibited", 40, cctalk.HeaderRequestMasterInhibit, nil, "01 01 28 00 00 d6"},
		{"modify master inhibit", 40, cctalk.HeaderModifyMasterInhibit, []byte{1}, "01 00 28 00 d7"},
		{"request master inhibit, accepting", 40, cctalk.HeaderRequestMasterInhibit, nil, "01 01 28 00 01 d5"},
		{"bill events", 40, cctalk.HeaderReadBillEvents, nil, "01 0b 28 00 00 00 00 00 00 00 00 00 00 00 00 cc"},
		{"bill events from the coin acceptor", 2, cctalk.HeaderReadBillEvents, nil, "01 00 02 05 f8"},
		{"coin buffer", 2, cctalk.HeaderReadCoinBuffer, nil, "01 0b 02 00 00 00 00 00 00 00 00 00 00 00 00 f2"},
		{"coin buffer from the bill validator", 40, cctalk.HeaderReadCoinBuffer, nil, "01 00 28 05 d2"},
		{"bill id 4", 40, cctalk.HeaderBillID, []byte{4}, "01 07 28 00 43 4e 30 30 32 30 41 3c"},
		{"bill id 6", 40, cctalk.HeaderBillID, []byte{6}, "01 07 28 00 43 4e 30 31 30 30 41 3d"},
		{"bill id of an unused type", 40, cctalk.HeaderBillID, []byte{9}, "01 07 28 00 2e 2e 2e 2e 2e 2e 2e 8e"},
		{"route with escrow empty", 40, cctalk.HeaderRouteBill, []byte{1}, "01 01 28 00 fe d8"},
		{"unknown header", 40, cctalk.Header(200), nil, "01 00 28 05 d2"},
		{"reset", 2, cctalk.HeaderReset, nil, "01 00 02 00 fd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := request(t, p, cctalk.Checksum, true, tc.dest, tc.header, tc.data...)
			if want := unhexs(t, tc.reply); !bytes.Equal(got, want) {
				t.Errorf("reply % x, want % x", got, want)
			}
		})
	}
	t.Run("nobody at address 3", func(t *testing.T) {
		req, _ := cctalk.Encode(cctalk.Checksum, cctalk.Frame{Dest: 3, Src: 1, Header: cctalk.HeaderSimplePoll})
		write(t, p, req)
		readN(t, p, len(req)) // the echo: the bus carries it whoever listens
		p.SetReadTimeout(200 * time.Millisecond)
		buf := make([]byte, 16)
		if n, _ := p.Read(buf); n != 0 {
			t.Errorf("answer % x from nobody", buf[:n])
		}
	})
}

func enableAll(t *testing.T, p serial.Port) {
	t.Helper()
	for _, a := range []byte{40, 2} {
		ask(t, p, a, cctalk.HeaderModifyInhibit, 0xff, 0xff)
		ask(t, p, a, cctalk.HeaderModifyMasterInhibit, 1)
	}
}

func billBuffer(t *testing.T, p serial.Port) cctalk.Buffer {
	t.Helper()
	b, err := cctalk.ParseBuffer(ask(t, p, 40, cctalk.HeaderReadBillEvents))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCashEscrow(t *testing.T) {
	b, c, p := startCash(t)
	c.SetEscrowTimeout(200 * time.Millisecond)
	enableAll(t, p)
	pair := func(a, b byte) cctalk.Pair { return cctalk.Pair{A: a, B: b} }
	for _, tc := range []struct {
		name    string
		amount  string
		route   []byte // nil: none, wait for the timeout
		reply   []byte // data of the route reply
		events  []cctalk.Pair
		stacked int
	}{
		{"stack", "2000", []byte{cctalk.RouteStack}, nil, []cctalk.Pair{pair(4, 1), pair(4, 0)}, 2000},
		{"return", "10000", []byte{cctalk.RouteReturn}, nil, []cctalk.Pair{pair(6, 1), pair(0, 1)}, 0},
		{"timeout", "100", nil, nil, []cctalk.Pair{pair(1, 1), pair(0, 1)}, 0},
		{"extend then stack", "500", []byte{cctalk.RouteExtend}, nil, []cctalk.Pair{pair(2, 1), pair(2, 0)}, 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := billBuffer(t, p)
			stacked := c.Totals().Stacked
			if _, err := b.Do("bill", tc.amount); err != nil {
				t.Fatal(err)
			}
			if amount := c.Escrow(); amount == 0 {
				t.Fatal("nothing in escrow")
			}
			switch {
			case tc.route == nil:
				time.Sleep(400 * time.Millisecond)
			case tc.route[0] == cctalk.RouteExtend:
				ask(t, p, 40, cctalk.HeaderRouteBill, tc.route...)
				time.Sleep(150 * time.Millisecond) // past the first timeout: extended
				if got := ask(t, p, 40, cctalk.HeaderRouteBill, cctalk.RouteStack); len(got) != 0 {
					t.Fatalf("route after extend: % x", got)
				}
			default:
				if got := ask(t, p, 40, cctalk.HeaderRouteBill, tc.route...); len(got) != 0 {
					t.Fatalf("route reply % x", got)
				}
			}
			after := billBuffer(t, p)
			got, err := after.Since(before.Counter)
			if err != nil {
				t.Fatal(err)
			}
			var pairs []cctalk.Pair
			for _, e := range got {
				pairs = append(pairs, e.Pair)
			}
			if !slices.Equal(pairs, tc.events) {
				t.Errorf("events %v, want %v", pairs, tc.events)
			}
			if d := c.Totals().Stacked - stacked; d != tc.stacked {
				t.Errorf("stacked %d 分, want %d", d, tc.stacked)
			}
			if c.Escrow() != 0 {
				t.Error("escrow not empty")
			}
		})
	}
	t.Run("route while jammed fails", func(t *testing.T) {
		if _, err := b.Do("bill", "1000"); err != nil {
			t.Fatal(err)
		}
		b.Do("jam")
		if got := ask(t, p, 40, cctalk.HeaderRouteBill, cctalk.RouteStack); !bytes.Equal(got, []byte{cctalk.RouteFailed}) {
			t.Errorf("route reply % x, want ff", got)
		}
		if got := ask(t, p, 40, cctalk.HeaderSelfCheck); got[0] == 0 {
			t.Error("self-check passes while jammed")
		}
		b.Do("jam", "clear")
		if got := ask(t, p, 40, cctalk.HeaderSelfCheck); got[0] != 0 {
			t.Errorf("self-check after clearing: %d", got[0])
		}
	})
}

func TestCashRefusesAndFaults(t *testing.T) {
	b, c, p := startCash(t)
	newest := func() cctalk.Pair { return billBuffer(t, p).Events[0] }
	// Disabled at power-up: a bill is refused and logged so.
	if _, err := b.Do("bill", "2000"); err == nil || !strings.Contains(err.Error(), "master inhibit") {
		t.Errorf("bill while inhibited: %v", err)
	}
	if e := newest(); e != (cctalk.Pair{B: byte(cctalk.BillMasterInhibit)}) {
		t.Errorf("newest event %v", e)
	}
	ask(t, p, 40, cctalk.HeaderModifyMasterInhibit, 1)
	ask(t, p, 40, cctalk.HeaderModifyInhibit, 0x08, 0) // only type 4, 20 元
	if _, err := b.Do("bill", "5000"); err == nil {
		t.Error("inhibited type taken")
	}
	if e := newest(); e != (cctalk.Pair{B: byte(cctalk.BillInhibitedSerial)}) {
		t.Errorf("newest event %v", e)
	}
	for _, tc := range []struct {
		name  string
		event []string
		want  string // error from a bill of 2000 after it
		pair  cctalk.Pair
	}{
		{"denomination it does not take", []string{"bill", "3000"}, "takes no bill of 3000 分 (it takes 100, 500, 1000, 2000, 5000, 10000)", cctalk.Pair{}},
		{"jam", []string{"jam"}, "bill jammed in transport (unsafe)", cctalk.Pair{B: 6}},
		{"stacker full", []string{"stacker", "full"}, "stacker full", cctalk.Pair{B: 14}},
		{"stacker removed", []string{"stacker", "removed"}, "stacker removed", cctalk.Pair{B: 11}},
		{"fraud", []string{"fraud"}, "", cctalk.Pair{B: 17}},
		{"string fraud", []string{"fraud", "string"}, "", cctalk.Pair{B: 18}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Do("cash", "jam", "clear")
			b.Do("stacker", "ok")
			before := billBuffer(t, p).Counter
			_, err := b.Do(tc.event...)
			if tc.pair == (cctalk.Pair{}) {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%v: %v, want %q", tc.event, err, tc.want)
				}
				if billBuffer(t, p).Counter != before {
					t.Error("a refused denomination was logged")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e := newest(); e != tc.pair {
				t.Errorf("newest event %v, want %v", e, tc.pair)
			}
			_, err = b.Do("bill", "2000")
			if tc.want == "" {
				if err != nil {
					t.Errorf("bill after %v: %v", tc.event, err)
				}
				ask(t, p, 40, cctalk.HeaderRouteBill, cctalk.RouteReturn)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("bill after %v: %v, want %q", tc.event, err, tc.want)
			}
		})
	}
	if _, err := b.Do("coin", "20"); err == nil || !strings.Contains(err.Error(), "no coin of 20 分") {
		t.Errorf("coin of 20 分: %v", err)
	}
	if !strings.Contains(c.State(), "bill validator accepting") {
		t.Errorf("state %q", c.State())
	}
}

func TestCashCounterWrapAndReset(t *testing.T) {
	b, c, p := startCash(t)
	enableAll(t, p)
	for range 300 {
		if _, err := c.Coin(100); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := cctalk.ParseBuffer(ask(t, p, 2, cctalk.HeaderReadCoinBuffer))
	if err != nil {
		t.Fatal(err)
	}
	if buf.Counter != 45 || buf.Events[0] != (cctalk.Pair{A: 3, B: 1}) {
		t.Errorf("after 300 coins: %+v", buf)
	}
	if _, err := b.Do("cash", "reset"); err != nil {
		t.Fatal(err)
	}
	buf, _ = cctalk.ParseBuffer(ask(t, p, 2, cctalk.HeaderReadCoinBuffer))
	if buf != (cctalk.Buffer{}) {
		t.Errorf("after reset: %+v", buf)
	}
	if got := ask(t, p, 2, cctalk.HeaderRequestMasterInhibit); got[0] != 0 {
		t.Error("accepting after reset")
	}
	// The reset command does the same to one device.
	enableAll(t, p)
	c.Coin(50)
	ask(t, p, 2, cctalk.HeaderReset)
	if bill, coin := c.Counters(); coin != 0 || bill != 0 {
		t.Errorf("counters after reset command: %d %d", bill, coin)
	}
}

func TestCashEchoOffAndCRC(t *testing.T) {
	b, c, p := startCash(t)
	b.Do("cash", "echo", "off")
	if got := request(t, p, cctalk.Checksum, false, 2, cctalk.HeaderSimplePoll); !bytes.Equal(got, unhexs(t, "01 00 02 00 fd")) {
		t.Errorf("without echo: % x", got)
	}
	b.Do("cash", "crc", "on")
	// ACK in CRC mode: CRC-16/XMODEM of 01 00 00 is 0x3730.
	if got := request(t, p, cctalk.CRC16, false, 2, cctalk.HeaderSimplePoll); !bytes.Equal(got, unhexs(t, "01 00 30 00 37")) {
		t.Errorf("CRC ACK: % x", got)
	}
	got := request(t, p, cctalk.CRC16, false, 40, cctalk.HeaderBillID, 4)
	if f, err := cctalk.Decode(cctalk.CRC16, got); err != nil || string(f.Data) != "CN0020A" {
		t.Errorf("CRC bill id: %+v, %v", f, err)
	}
	// A simple-checksum request means nothing to a CRC bus.
	write(t, p, unhexs(t, "28 00 01 fe d9"))
	p.SetReadTimeout(200 * time.Millisecond)
	buf := make([]byte, 16)
	if n, _ := p.Read(buf); n != 0 {
		t.Errorf("answered % x", buf[:n])
	}
	if !strings.Contains(c.State(), "echo off, crc16") {
		t.Errorf("state %q", c.State())
	}
}

func TestCashBusyAndMute(t *testing.T) {
	b, _, p := startCash(t)
	b.Do("cash", "busy", "2")
	for range 2 {
		if got := request(t, p, cctalk.Checksum, true, 40, cctalk.HeaderSimplePoll); !bytes.Equal(got, unhexs(t, "01 00 28 06 d1")) {
			t.Errorf("busy reply % x", got)
		}
	}
	ask(t, p, 40, cctalk.HeaderSimplePoll)
	b.Do("cash", "coin-acceptor", "off")
	write(t, p, unhexs(t, "02 00 01 fe ff"))
	readN(t, p, 5) // echo only
	p.SetReadTimeout(200 * time.Millisecond)
	if n, _ := p.Read(make([]byte, 16)); n != 0 {
		t.Error("a coin acceptor that is not fitted answered")
	}
	if _, err := b.Do("coin", "100"); err == nil {
		t.Error("coin taken without a coin acceptor")
	}
	ask(t, p, 40, cctalk.HeaderSimplePoll)
	b.Do("cash", "coin-acceptor", "on")
	ask(t, p, 2, cctalk.HeaderSimplePoll)
	b.Do("cash", "mute", "on")
	write(t, p, unhexs(t, "28 00 01 fe d9"))
	readN(t, p, 5) // echo only
	p.SetReadTimeout(200 * time.Millisecond)
	buf := make([]byte, 16)
	if n, _ := p.Read(buf); n != 0 {
		t.Errorf("mute device answered % x", buf[:n])
	}
}

// The cash unit's unnamed events do not clash with the printer's: both run on
// one bench, "jam" reaches the validator and "printer jam" the printer.
func TestCashBesidePrinter(t *testing.T) {
	dir := t.TempDir()
	c, pr := NewCash(), NewPrinter()
	b, err := Start(dir, pr, c)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := b.Do("jam"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.State(), "bill jammed") || strings.Contains(pr.State(), "jam") {
		t.Errorf("cash %q, printer %q", c.State(), pr.State())
	}
	if _, err := b.Do("printer", "jam"); err != nil || !strings.Contains(pr.State(), "jam") {
		t.Errorf("printer jam: %v %q", err, pr.State())
	}
	for _, bad := range [][]string{{"bill", "abc"}, {"coin"}, {"stacker", "upside-down"}, {"cash", "echo", "maybe"}, {"cash", "frobnicate"}} {
		if _, err := b.Do(bad...); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// With a baud rate set, a poll takes at least its wire time: 5 bytes out and
// 16 back at 9600 baud, 21.9 ms (the echo shares the request's wire time).
func TestCashPacing(t *testing.T) {
	dir := t.TempDir()
	c := NewCash()
	c.SetBaud(9600)
	b, err := Start(dir, c)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := host(t, filepath.Join(dir, "cash"))
	ask(t, p, 40, cctalk.HeaderSimplePoll)
	const n = 5
	start := time.Now()
	for range n {
		ask(t, p, 40, cctalk.HeaderReadBillEvents)
	}
	if per, wire := time.Since(start)/n, 21*10*time.Second/9600; per < wire {
		t.Errorf("a poll took %v, less than its wire time %v", per, wire)
	}
}
