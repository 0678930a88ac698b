// Package sim simulates the kiosk's serial devices on pseudo-terminals: each
// device speaks the real bytes on the master side of a pty whose slave is linked
// at DIR/<device>, so drivers, tests, `kiosk --demo` and technicians in training
// use it exactly like hardware. Faults are injected through a control socket at
// DIR/control (see Control) or in process with Bench.Do.
package sim

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Device is one simulated device. The bench owns its link and its goroutine,
// and closes it with the bench if it is an io.Closer.
type Device interface {
	// Name is the device's link name in the bench directory ("printer") and the
	// word that addresses it on the control socket.
	Name() string
	// Serve plays the device on conn until a read or write fails (the link was
	// unplugged or closed); the bench then calls it again on the replugged link.
	Serve(conn io.ReadWriter) error
	// Handle applies a control event (first word, then the rest). handled is
	// false for events the device does not own; reply is the text after "ok".
	Handle(event string, args []string) (reply string, handled bool, err error)
	// Events are the event words the device takes without being named
	// ("paper end" rather than "printer paper end"). Two devices on one bench
	// must not share one: the bench refuses to start, so an event like "jam"
	// can never reach the wrong device. Handle may accept more words when the
	// device is named ("printer jam").
	Events() []string
	// State is a one-line summary for the "status" event.
	State() string
}

// Bench runs devices on links in one directory with a control socket beside them.
type Bench struct {
	dir     string
	devices []Device
	links   map[string]*Link
	ln      net.Listener
	wg      sync.WaitGroup

	mu      sync.Mutex
	conns   map[net.Conn]bool
	closed  bool
	serving map[string]chan struct{} // device name -> closed when its Serve returns
}

// Start creates dir if needed, a link DIR/<name> per device and the control
// socket DIR/control, and starts the devices. Close stops them all.
func Start(dir string, devices ...Device) (*Bench, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	b := &Bench{dir: dir, links: map[string]*Link{}, conns: map[net.Conn]bool{}, serving: map[string]chan struct{}{}}
	sock := filepath.Join(dir, ControlSocket)
	// A socket left by a killed bench would make Listen fail; a live one means
	// another bench runs here; nothing else may be in the way.
	if fi, err := os.Lstat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
		if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
			c.Close()
			b.Close()
			return nil, fmt.Errorf("sim: another simulator is running in %s", dir)
		}
		os.Remove(sock)
	}
	owner := map[string]string{} // unnamed event word -> device
	for _, d := range devices {
		name := d.Name()
		if name == "" || name == ControlSocket || strings.ContainsAny(name, "/ \t") || b.links[name] != nil {
			b.Close()
			return nil, fmt.Errorf("sim: bad or duplicate device name %q", name)
		}
		for _, ev := range d.Events() {
			if other, dup := owner[ev]; dup || ev == "status" || ev == "unplug" || ev == "replug" {
				b.Close()
				return nil, fmt.Errorf("sim: event %q of %s is also taken by %s", ev, name, cmp.Or(other, "the bench"))
			}
			owner[ev] = name
		}
		l, err := NewLink(filepath.Join(dir, name))
		if err != nil {
			b.Close()
			return nil, err
		}
		b.links[name] = l
		b.devices = append(b.devices, d)
	}
	ln, err := net.Listen("unix", sock)
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("sim: control socket: %w", err)
	}
	b.ln = ln
	b.wg.Add(1)
	go b.serveControl(ln)
	for _, d := range b.devices {
		b.wg.Add(1)
		go b.run(d, b.links[d.Name()])
	}
	return b, nil
}

// run serves d on every connection of its link until the link is closed.
func (b *Bench) run(d Device, l *Link) {
	defer b.wg.Done()
	var prev io.ReadWriter
	for {
		conn, err := l.next(prev)
		if err != nil {
			return
		}
		done := make(chan struct{})
		b.mu.Lock()
		b.serving[d.Name()] = done
		b.mu.Unlock()
		d.Serve(conn)
		close(done)
		prev = conn
	}
}

// Dir is the bench directory.
func (b *Bench) Dir() string { return b.dir }

// Link returns the link of the named device, nil if there is none.
func (b *Bench) Link(name string) *Link { return b.links[name] }

// Do handles one control request given as words, exactly as the socket does:
//
//	status                  every device's state
//	unplug [device]         pull the cable of one device, or of all
//	replug [device]         plug it in again on a new pty
//	<device> event args...  an event for that device only
//	event args...           an event for whichever device owns it
func (b *Bench) Do(words ...string) (string, error) {
	if len(words) == 0 {
		return "", errors.New("empty request")
	}
	event, args := words[0], words[1:]
	switch event {
	case "status":
		var parts []string
		for _, d := range b.devices {
			s := d.Name() + ": " + d.State()
			if !b.links[d.Name()].Plugged() {
				s += " (unplugged)"
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "; "), nil
	case "unplug", "replug":
		links, err := b.pick(args)
		if err != nil {
			return "", err
		}
		for _, l := range links {
			done := b.session(l)
			if event == "unplug" {
				err = l.Unplug()
			} else {
				err = l.Replug()
			}
			if err != nil {
				return "", err
			}
			// Reply only once the device has let go of the old connection,
			// so that after "ok" it takes no more bytes from it.
			select {
			case <-done:
			case <-time.After(2 * time.Second):
			}
		}
		return "", nil
	}
	for _, d := range b.devices {
		if d.Name() == event && len(args) > 0 {
			reply, handled, err := d.Handle(args[0], args[1:])
			if !handled && err == nil {
				err = fmt.Errorf("unknown event %q for %s", strings.Join(args, " "), event)
			}
			return reply, err
		}
	}
	for _, d := range b.devices {
		if slices.Contains(d.Events(), event) {
			reply, handled, err := d.Handle(event, args)
			if !handled && err == nil {
				err = fmt.Errorf("unknown event %q", strings.Join(words, " "))
			}
			return reply, err
		}
	}
	return "", fmt.Errorf("unknown event %q", strings.Join(words, " "))
}

// session returns a channel closed when the device on l is done with its
// current connection (already closed when it has none).
func (b *Bench) session(l *Link) <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if done := b.serving[filepath.Base(l.Path())]; done != nil {
		return done
	}
	done := make(chan struct{})
	close(done)
	return done
}

// pick returns the links named in args, or all of them for none.
func (b *Bench) pick(args []string) ([]*Link, error) {
	if len(args) == 0 {
		var all []*Link
		for _, d := range b.devices {
			all = append(all, b.links[d.Name()])
		}
		return all, nil
	}
	var ls []*Link
	for _, name := range args {
		l := b.links[name]
		if l == nil {
			return nil, fmt.Errorf("no device %q", name)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (b *Bench) track(c net.Conn) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false
	}
	b.conns[c] = true
	return true
}

func (b *Bench) untrack(c net.Conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.conns, c)
	c.Close()
}

// Close stops the control socket and the devices and removes the links.
func (b *Bench) Close() error {
	b.mu.Lock()
	b.closed = true
	conns := slices.Collect(maps.Keys(b.conns))
	b.mu.Unlock()

	var errs []error
	if b.ln != nil {
		errs = append(errs, b.ln.Close())
	}
	for _, c := range conns {
		c.Close()
	}
	for _, l := range b.links {
		errs = append(errs, l.Close())
	}
	b.wg.Wait()
	for _, d := range b.devices {
		if c, ok := d.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
