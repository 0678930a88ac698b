package sim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// ErrClosed is returned by Link.Conn after Close.
var ErrClosed = errors.New("sim: link closed")

// Link is the cable between a simulated device and the host: a pseudo-terminal
// whose slave (the "serial port" the host opens) is reachable through a symlink
// at a fixed path, e.g. DIR/printer -> /dev/pts/7. The device talks on the
// master. Unplug and Replug pull and reinsert the cable; a replugged link is a new
// pty behind the same path, as a USB adapter coming back as a new tty would be.
// Safe for concurrent use.
type Link struct {
	path string

	mu      sync.Mutex
	changed *sync.Cond
	master  *os.File // nil while unplugged
	slave   *os.File // held open so the master never reads EIO between host opens
	tty     string
	closed  bool
}

// NewLink creates a plugged link at path. An existing symlink there (left by a
// killed simulator) is replaced; any other file is an error.
func NewLink(path string) (*Link, error) {
	l := &Link{path: path}
	l.changed = sync.NewCond(&l.mu)
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&os.ModeSymlink == 0 {
		return nil, fmt.Errorf("sim: %s exists and is not a link", path)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.plug(); err != nil {
		return nil, err
	}
	return l, nil
}

// Path is where the host finds the port.
func (l *Link) Path() string { return l.path }

// TTY is the pty slave the link currently points to; "" while unplugged.
func (l *Link) TTY() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tty
}

// Plugged reports whether the cable is in.
func (l *Link) Plugged() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.master != nil
}

// Conn waits until the link is plugged and returns its master side. Reads and
// writes on it fail once the link is unplugged; the device then calls Conn again
// to wait for the replug. After Close it returns ErrClosed.
func (l *Link) Conn() (io.ReadWriter, error) { return l.next(nil) }

// next is Conn for a device whose connection prev just failed: it waits for a
// different one, so a device that gives up on a live pty does not spin.
func (l *Link) next(prev io.ReadWriter) (io.ReadWriter, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && (l.master == nil || io.ReadWriter(l.master) == prev) {
		l.changed.Wait()
	}
	if l.closed {
		return nil, ErrClosed
	}
	return l.master, nil
}

// Unplug closes the pty, so the host's reads and writes fail, and removes the
// symlink. Unplugging an unplugged link does nothing.
func (l *Link) Unplug() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.unplug()
}

// Replug plugs the link in again on a new pty. Replugging a plugged link pulls
// it out first, like a quick reconnect.
func (l *Link) Replug() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return ErrClosed
	}
	if err := l.unplug(); err != nil {
		return err
	}
	return l.plug()
}

// Close unplugs the link for good; Conn returns ErrClosed.
func (l *Link) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	err := l.unplug()
	l.closed = true
	l.changed.Broadcast()
	return err
}

func (l *Link) plug() error {
	m, s, err := pty.Open()
	if err != nil {
		return fmt.Errorf("sim: open pty: %w", err)
	}
	master, err := pollable(m)
	if err != nil {
		s.Close()
		return err
	}
	if err := makeRaw(s); err != nil {
		master.Close()
		s.Close()
		return fmt.Errorf("sim: raw mode on %s: %w", s.Name(), err)
	}
	// Point the link at the new tty atomically: a host polling the path sees
	// either the old target or the new one, never no link.
	tmp := filepath.Join(filepath.Dir(l.path), "."+filepath.Base(l.path)+".new")
	os.Remove(tmp)
	if err := os.Symlink(s.Name(), tmp); err != nil {
		master.Close()
		s.Close()
		return fmt.Errorf("sim: link %s: %w", l.path, err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		os.Remove(tmp)
		master.Close()
		s.Close()
		return fmt.Errorf("sim: link %s: %w", l.path, err)
	}
	l.master, l.slave, l.tty = master, s, s.Name()
	l.changed.Broadcast()
	return nil
}

func (l *Link) unplug() error {
	if l.master == nil {
		return nil
	}
	// Remove the link only if it is still ours.
	if target, err := os.Readlink(l.path); err == nil && target == l.tty {
		os.Remove(l.path)
	}
	err := errors.Join(l.master.Close(), l.slave.Close())
	l.master, l.slave, l.tty = nil, nil, ""
	l.changed.Broadcast()
	return err
}

// pollable returns the pty master as a file in non-blocking mode. creack/pty
// leaves it blocking (it calls Fd), and Close on a blocking file does not wake a
// goroutine blocked in Read: Unplug could not interrupt the device.
func pollable(m *os.File) (*os.File, error) {
	fd, err := unix.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		return nil, fmt.Errorf("sim: dup pty master: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sim: pty master: %w", err)
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), nil
}

// makeRaw puts the tty in raw mode (no echo, no line editing, no CR/LF mapping),
// so bytes cross the link unchanged even before a host configures the port.
func makeRaw(f *os.File) error {
	fd := int(f.Fd())
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}
