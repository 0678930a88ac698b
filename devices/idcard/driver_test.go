package idcard_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"bianmin/devices/idcard"
	"bianmin/devices/serialport"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

// step is the per-step timeout of the tests: faults that answer nothing cost
// one of these.
const step = 300 * time.Millisecond

type rig struct {
	dir   string
	bench *sim.Bench
	sim   *sim.IDCard
	clock *simtest.Clock
}

func newRig(t testing.TB) *rig {
	t.Helper()
	dir := t.TempDir()
	r := sim.NewIDCard()
	return &rig{dir: dir, bench: simtest.Start(t, dir, r), sim: r, clock: simtest.NewClock(simtest.Epoch)}
}

func (r *rig) config() idcard.Config {
	return idcard.Config{Port: filepath.Join(r.dir, "idcard"), StatusTimeout: step, FindTimeout: step,
		SelectTimeout: step, ReadTimeout: step, Now: r.clock.Now}
}

func (r *rig) open(t testing.TB) *idcard.Driver {
	t.Helper()
	return simtest.Open(t, idcard.Open, r.config())
}

// do sends a control event; fault words get the device named.
func (r *rig) do(t testing.TB, words ...string) {
	t.Helper()
	switch words[0] {
	case "fail-read", "corrupt", "truncate", "mute", "ok":
		words = append([]string{"idcard"}, words...)
	}
	simtest.Do(t, r.bench, words...)
}

func (r *rig) insert(t testing.TB, c idcard.Card) {
	t.Helper()
	if err := r.sim.Insert(c); err != nil {
		t.Fatal(err)
	}
}

func ctx(t testing.TB) context.Context { return simtest.Context(t, 20*time.Second) }

// Every card type, read through the driver from the simulator on a pty.
func TestReadEachCardType(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	withAddress := sim.SampleIDCard(idcard.Resident)
	withAddress.AdditionalAddress = "黑龙江省哈尔滨市道里区尚志大街100号"
	elder := idcard.Card{Type: idcard.Resident, Name: "欧阳建国", Gender: "男", Nation: "鄂伦春", Birth: "1949-12-31",
		Address: "黑龙江省黑河市爱辉区", IDNumber: "11010519491231002X", Authority: "黑河市公安局爱辉分局",
		ValidFrom: "2010-01-01", ValidTo: "长期"}
	for _, tc := range []struct {
		name string
		card idcard.Card
	}{
		{"resident", sim.SampleIDCard(idcard.Resident)},
		{"resident with additional address", withAddress},
		{"resident without expiry", elder},
		{"hkmo_tw", sim.SampleIDCard(idcard.HKMOTW)},
		{"foreign", sim.SampleIDCard(idcard.Foreign)},
		{"foreign2023", sim.SampleIDCard(idcard.Foreign2023)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.insert(t, tc.card)
			got, err := d.Read(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.card {
				t.Errorf("read %s, want %s (masked; see the JSON tests)", got, tc.card)
			}
			if err := d.State(); err != nil {
				t.Errorf("State() = %v", err)
			}
		})
	}
}

func TestReadWithoutCard(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	_, err := d.Read(ctx(t))
	if !errors.Is(err, idcard.ErrNoCard) || err.Error() != "idcard: read: no card (SW3 80)" {
		t.Fatalf("Read = %v", err)
	}
	if err := d.State(); err != nil {
		t.Errorf("no card is no reader fault: State() = %v", err)
	}
	r.insert(t, sim.SampleIDCard(idcard.Resident))
	if _, err := d.Read(ctx(t)); err != nil {
		t.Fatal(err)
	}
	r.do(t, "card-remove")
	if _, err := d.Read(ctx(t)); !errors.Is(err, idcard.ErrNoCard) {
		t.Errorf("Read after card-remove = %v", err)
	}
}

// Every injected fault gives its typed error, and after "ok" and a replug the
// same driver reads again.
func TestFaultsThenRecovery(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fault  []string
		want   error
		msg    string
		state  bool // the fault shows in State
		answer bool // the reader answered something
	}{
		{"fail-read", []string{"fail-read"}, idcard.ErrReadFailed, "idcard: read: read failed (SW3 41)", false, true},
		{"corrupt", []string{"corrupt"}, idcard.ErrChecksum, "idcard: read: bad checksum: CD, want 97", true, true},
		{"truncate", []string{"truncate"}, idcard.ErrTruncated, "idcard: read: truncated frame: reply to find card incomplete after 300ms", true, true},
		{"mute", []string{"mute"}, idcard.ErrNoAnswer, "idcard: read: no answer (is this an ID-card reader?)", true, false},
		{"unplug", []string{"unplug"}, idcard.ErrDisconnected, "", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			d := r.open(t)
			want := sim.SampleIDCard(idcard.Resident)
			r.insert(t, want)
			r.do(t, tc.fault...)
			start := time.Now()
			_, err := d.Read(ctx(t))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Read = %v, want %v", err, tc.want)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
			if el := time.Since(start); el > 3*step {
				t.Errorf("the fault took %v to report", el)
			}
			if st := d.State(); (st != nil) != tc.state || tc.state && !errors.Is(st, tc.want) {
				t.Errorf("State() = %v", st)
			}
			if tc.name != "unplug" {
				r.do(t, "ok")
			}
			r.do(t, "replug")
			r.clock.Advance(time.Minute) // past any backoff
			got, err := d.Read(ctx(t))
			if err != nil {
				t.Fatalf("Read after replug: %v", err)
			}
			if got != want {
				t.Errorf("read %s", got)
			}
			if err := d.State(); err != nil {
				t.Errorf("State() after recovery = %v", err)
			}
		})
	}
}

// A corrupt reply on one step does not poison the next call, without replug.
func TestRecoverWithoutReplug(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.insert(t, sim.SampleIDCard(idcard.Foreign))
	for _, f := range []string{"corrupt", "truncate", "mute", "fail-read"} {
		r.do(t, f)
		if _, err := d.Read(ctx(t)); err == nil {
			t.Fatalf("%s: Read succeeded", f)
		}
		r.do(t, "ok")
		if _, err := d.Read(ctx(t)); err != nil {
			t.Fatalf("after %s: %v", f, err)
		}
	}
}

func TestOpen(t *testing.T) {
	t.Run("not a reader", func(t *testing.T) {
		r := newRig(t)
		r.do(t, "mute")
		tty := r.bench.Link("idcard").TTY()
		before := simtest.OpenFDs(t, tty)
		start := time.Now()
		d, err := idcard.Open(r.config())
		if err == nil {
			d.Close()
			t.Fatal("Open succeeded")
		}
		if !errors.Is(err, idcard.ErrNoAnswer) || err.Error() != "idcard: open: no answer (is this an ID-card reader?)" {
			t.Errorf("err = %q", err)
		}
		if el := time.Since(start); el < step || el > step+time.Second {
			t.Errorf("no answer reported after %v, step %v", el, step)
		}
		if after := simtest.OpenFDs(t, tty); after != before {
			t.Errorf("port left open: %d descriptors, %d before", after, before)
		}
	})
	t.Run("missing port", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "idcard")
		_, err := idcard.Open(idcard.Config{Port: path})
		if !errors.Is(err, serialport.ErrNotFound) || err.Error() != "idcard: open: serial: open "+path+": no such port" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad baud", func(t *testing.T) {
		if _, err := idcard.New(idcard.Config{Port: "/dev/null", Baud: 1234}); !errors.Is(err, serialport.ErrConfig) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("flow control", func(t *testing.T) {
		r := newRig(t)
		cfg := r.config()
		cfg.Flow = serialport.FlowRTSCTS
		d, err := idcard.Open(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		simtest.WantFlow(t, cfg.Port, serialport.FlowRTSCTS)
	})
}

func TestStatusAndSAMID(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	if err := d.Status(ctx(t)); err != nil {
		t.Fatal(err)
	}
	id, err := d.SAMID(ctx(t))
	if err != nil || len(id) != 16 {
		t.Errorf("SAMID = % X, %v", id, err)
	}
	r.do(t, "corrupt")
	if err := d.Status(ctx(t)); !errors.Is(err, idcard.ErrChecksum) || !errors.Is(d.State(), idcard.ErrChecksum) {
		t.Errorf("Status = %v, State = %v", err, d.State())
	}
	r.do(t, "ok")
	if err := d.Status(ctx(t)); err != nil || d.State() != nil {
		t.Errorf("Status = %v, State = %v", err, d.State())
	}
}

func TestWaitCard(t *testing.T) {
	t.Run("card arrives", func(t *testing.T) {
		r := newRig(t)
		d := r.open(t)
		done := make(chan error, 1)
		go func() { done <- d.WaitCard(ctx(t), 20*time.Millisecond) }()
		time.Sleep(200 * time.Millisecond)
		select {
		case err := <-done:
			t.Fatalf("WaitCard returned without a card: %v", err)
		default:
		}
		polls := r.sim.Requests()
		r.insert(t, sim.SampleIDCard(idcard.Resident))
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("WaitCard did not see the card")
		}
		// 200 ms at 20 ms: about ten polls, not one and not a busy loop.
		if polls < 4 || polls > 30 {
			t.Errorf("%d polls in 200 ms at a 20 ms interval", polls)
		}
		if _, err := d.Read(ctx(t)); err != nil {
			t.Errorf("Read after WaitCard: %v", err)
		}
	})
	t.Run("gives up with ctx", func(t *testing.T) {
		r := newRig(t)
		d := r.open(t)
		c, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
		defer cancel()
		err := d.WaitCard(c, 10*time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "idcard: wait: context deadline exceeded" {
			t.Errorf("WaitCard = %v", err)
		}
	})
	t.Run("waits through a replug", func(t *testing.T) {
		r := newRig(t)
		d := r.open(t)
		r.do(t, "unplug")
		c, cancel := context.WithTimeout(ctx(t), 10*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- d.WaitCard(c, 20*time.Millisecond) }()
		deadline := time.Now().Add(2 * time.Second)
		for !errors.Is(d.State(), idcard.ErrDisconnected) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if !errors.Is(d.State(), idcard.ErrDisconnected) {
			t.Fatalf("State() while unplugged = %v", d.State())
		}
		r.do(t, "replug")
		r.insert(t, sim.SampleIDCard(idcard.HKMOTW))
		r.clock.Advance(time.Minute)
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("WaitCard did not recover")
		}
	})
	t.Run("says why when it gives up", func(t *testing.T) {
		r := newRig(t)
		d := r.open(t)
		r.do(t, "corrupt")
		c, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := d.WaitCard(c, 10*time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, idcard.ErrChecksum) ||
			!strings.HasPrefix(err.Error(), "idcard: wait: context deadline exceeded (last poll: bad checksum") {
			t.Errorf("WaitCard = %v", err)
		}
	})
}

func TestBackoffGrows(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	r.do(t, "unplug")
	if err := d.Status(ctx(t)); !errors.Is(err, idcard.ErrDisconnected) {
		t.Fatalf("unplugged Status = %v", err)
	}
	r.do(t, "replug")
	before := r.sim.Requests()
	// The failed reopen above armed a 250 ms backoff.
	r.clock.Advance(200 * time.Millisecond)
	if err := d.Status(ctx(t)); !errors.Is(err, idcard.ErrDisconnected) {
		t.Errorf("Status at +200ms = %v, want still disconnected", err)
	}
	if n := r.sim.Requests() - before; n != 0 {
		t.Errorf("%d requests reached the reader within the backoff", n)
	}
	r.clock.Advance(100 * time.Millisecond)
	if err := d.Status(ctx(t)); err != nil {
		t.Errorf("Status at +300ms = %v", err)
	}
}

// A reader that adds line noise before every reply and stray bytes after it.
func TestNoiseAroundReplies(t *testing.T) {
	dir := t.TempDir()
	l, err := sim.NewLink(filepath.Join(dir, "idcard"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	card := sim.SampleIDCard(idcard.Foreign2023)
	text, err := idcard.EncodeText(card)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		conn, err := l.Conn()
		if err != nil {
			return
		}
		fr := idcard.NewFrameReader(conn)
		for {
			f, err := fr.Next()
			if err != nil {
				return
			}
			cmd, _ := idcard.ParseCommand(f)
			reply := idcard.Reply{Status: idcard.StatusOK}
			switch cmd {
			case idcard.FindCard:
				reply = idcard.Reply{Status: idcard.StatusCardFound, Data: make([]byte, 4)}
			case idcard.ReadText:
				reply.Data = idcard.ReadData(text, make([]byte, idcard.PhotoSize), nil)
			case idcard.ReadAddress:
				reply.Status = idcard.StatusNoContent
			}
			noise := []byte{0x00, 0xAA, 0xAA, 0x13, 0xAA, 0xAA, 0xAA, 0x96}
			conn.Write(append(append(noise, reply.Bytes()...), 0xFF, 0xAA))
		}
	}()
	d, err := idcard.Open(idcard.Config{Port: l.Path(), StatusTimeout: step, FindTimeout: step, SelectTimeout: step, ReadTimeout: step})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for i := range 3 {
		got, err := d.Read(ctx(t))
		if err != nil || got != card {
			t.Fatalf("Read %d: %s, %v", i, got, err)
		}
	}
}

// The UI asks Status and State while a screen waits for a card.
func TestConcurrentUse(t *testing.T) {
	r := newRig(t)
	d := r.open(t)
	c, cancel := context.WithCancel(ctx(t))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.WaitCard(c, 5*time.Millisecond)
	}()
	for i := 0; i < 20; i++ {
		if err := d.Status(ctx(t)); err != nil {
			t.Fatalf("Status %d: %v", i, err)
		}
		d.State()
	}
	r.insert(t, sim.SampleIDCard(idcard.Resident))
	wg.Wait()
	cancel()
	if _, err := d.Read(ctx(t)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkReadCard reads a card through the driver from the simulator paced
// at 115200 baud, and reports the bytes exchanged per read (commands and
// replies: the protocol is strictly request/response, so both directions take
// turns on the wire) and elapsed ÷ wire time (bytes × 10 bits ÷ baud): 1.00
// would be a read that never waits for anything but the wire.
func BenchmarkReadCard(b *testing.B) {
	const baud = 115200
	dir := b.TempDir()
	r := sim.NewIDCard()
	r.SetBaud(baud)
	if err := r.Insert(sim.SampleIDCard(idcard.Resident)); err != nil {
		b.Fatal(err)
	}
	bench, err := sim.Start(dir, r)
	if err != nil {
		b.Fatal(err)
	}
	defer bench.Close()
	d, err := idcard.Open(idcard.Config{Port: filepath.Join(dir, "idcard"), Baud: baud})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	c := context.Background()
	in0, out0 := r.Traffic()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := d.Read(c); err != nil {
			b.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	in, out := r.Traffic()
	n := (in - in0) + (out - out0)
	wire := idcard.WireTime(int(n), baud)
	b.ReportMetric(float64(n)/float64(b.N), "wire-bytes/op")
	b.ReportMetric(elapsed.Seconds()/wire.Seconds(), "elapsed/wire")
}
