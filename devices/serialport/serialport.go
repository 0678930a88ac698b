// Package serialport opens the serial ports the kiosk's devices hang on: 8N1 at a
// standard baud rate, with the flow control the machine's config asks for.
//
// go.bug.st/serial v1.8.0 clears CRTSCTS, IXON and IXOFF whenever it opens a port,
// so Open sets them again itself through termios after the library is done.
package serialport

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"go.bug.st/serial"
	"golang.org/x/sys/unix"
)

// Flow is the flow control of a port.
type Flow int

const (
	FlowNone    Flow = iota // no flow control
	FlowRTSCTS              // hardware handshake on the RTS/CTS lines
	FlowXONXOFF             // software handshake with XON (0x11) / XOFF (0x13)
)

var flowNames = [...]string{FlowNone: "none", FlowRTSCTS: "rtscts", FlowXONXOFF: "xonxoff"}

// String returns the config spelling of f: "none", "rtscts" or "xonxoff".
func (f Flow) String() string {
	if f < 0 || int(f) >= len(flowNames) {
		return fmt.Sprintf("Flow(%d)", int(f))
	}
	return flowNames[f]
}

// ParseFlow reads the config spelling of a flow control; case and surrounding
// blanks do not matter, and "" means none.
func ParseFlow(s string) (Flow, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return FlowNone, nil
	}
	for f, name := range flowNames {
		if s == name {
			return Flow(f), nil
		}
	}
	return FlowNone, fmt.Errorf("serial: unknown flow control %q (want none, rtscts or xonxoff)", s)
}

// MarshalText writes the config spelling, so saved configurations read
// "rtscts" rather than a number whose meaning depends on this file's order.
func (f Flow) MarshalText() ([]byte, error) {
	if f < 0 || int(f) >= len(flowNames) {
		return nil, fmt.Errorf("serial: unknown flow control %d", int(f))
	}
	return []byte(flowNames[f]), nil
}

// UnmarshalText accepts what ParseFlow accepts.
func (f *Flow) UnmarshalText(b []byte) error {
	v, err := ParseFlow(string(b))
	if err != nil {
		return err
	}
	*f = v
	return nil
}

// Bauds are the rates Validate accepts, slowest first.
var Bauds = []int{1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200}

// Config says which port to open and how.
type Config struct {
	Name string // device path, e.g. /dev/ttyUSB0 or a simulator link DIR/printer
	Baud int    // one of Bauds
	Flow Flow
}

// Validate reports the first thing wrong with c, as an error that Is ErrConfig.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return fmt.Errorf("%w: no port name", ErrConfig)
	}
	if !validBaud(c.Baud) {
		return fmt.Errorf("%w: baud %d is not one of %v", ErrConfig, c.Baud, Bauds)
	}
	if c.Flow < FlowNone || c.Flow > FlowXONXOFF {
		return fmt.Errorf("%w: %v", ErrConfig, c.Flow)
	}
	return nil
}

func validBaud(b int) bool {
	for _, v := range Bauds {
		if b == v {
			return true
		}
	}
	return false
}

// Errors an Open can be matched against with errors.Is. The *Error returned also
// unwraps to the cause (a serial.PortError or an errno) for errors.As.
var (
	ErrConfig     = errors.New("invalid port config")
	ErrNotFound   = errors.New("no such port")
	ErrBusy       = errors.New("port busy")
	ErrPermission = errors.New("permission denied")
	ErrNotSerial  = errors.New("not a serial port")
)

// Error is a failed operation on a named port:
// "serial: open /dev/ttyUSB0: no such port".
type Error struct {
	Op   string // "open", "flow control"
	Port string
	Kind error // one of the Err* sentinels above, or nil when none fits
	Err  error // the cause
}

func (e *Error) Error() string {
	msg := "serial: " + e.Op + " " + e.Port + ": "
	switch {
	case e.Kind == ErrNotFound || e.Kind == ErrBusy || e.Kind == ErrPermission:
		return msg + e.Kind.Error() // the errno would only say it again
	case e.Kind != nil && e.Err != nil && e.Kind != e.Err:
		return msg + e.Kind.Error() + " (" + causeText(e.Err) + ")"
	case e.Kind != nil:
		return msg + e.Kind.Error()
	default:
		return msg + causeText(e.Err)
	}
}

// causeText lower-cases the library's messages to match ours.
func causeText(err error) string {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		return strings.ToLower(pe.Error())
	}
	return err.Error()
}

// Unwrap exposes both the sentinel and the cause.
func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil && e.Err != e.Kind {
		errs = append(errs, e.Err)
	}
	return errs
}

// kindOf classifies an error from serial.Open or the termios calls.
func kindOf(err error) error {
	var pe *serial.PortError
	if errors.As(err, &pe) {
		switch pe.Code() {
		case serial.PortNotFound:
			return ErrNotFound
		case serial.PortBusy:
			return ErrBusy
		case serial.PermissionDenied:
			return ErrPermission
		case serial.InvalidSerialPort:
			return ErrNotSerial
		}
		return nil
	}
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, unix.ENXIO), errors.Is(err, unix.ENODEV):
		return ErrNotFound
	case errors.Is(err, unix.EBUSY):
		return ErrBusy
	case errors.Is(err, fs.ErrPermission):
		return ErrPermission
	case errors.Is(err, unix.ENOTTY):
		return ErrNotSerial
	}
	return nil
}

// Open opens c.Name at 8N1 and c.Baud with c.Flow. The port has no read timeout
// yet; callers that read set one (every device read must have one).
func Open(c Config) (*Port, error) {
	if err := c.Validate(); err != nil {
		return nil, &Error{Op: "open", Port: c.Name, Kind: ErrConfig, Err: err}
	}
	// Open our own descriptor before the library does: it takes TIOCEXCL, after
	// which a second open fails with EBUSY for anyone but root. termios belongs to
	// the device, so settings made through it hold for the library's descriptor
	// too; and being a separate open file, it can be non-blocking for WriteContext
	// while the library's stays blocking.
	fd, err := unix.Open(c.Name, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &Error{Op: "open", Port: c.Name, Kind: kindOf(err), Err: err}
	}
	if _, err := getTermios(fd); err != nil {
		unix.Close(fd)
		return nil, &Error{Op: "open", Port: c.Name, Kind: ErrNotSerial, Err: err}
	}

	p, err := serial.Open(c.Name, &serial.Mode{
		BaudRate: c.Baud,
		DataBits: 8,
		Parity:   serial.NoParity,
		StopBits: serial.OneStopBit,
	})
	if err != nil {
		unix.Close(fd)
		return nil, &Error{Op: "open", Port: c.Name, Kind: kindOf(err), Err: err}
	}
	if err := setFlow(fd, c.Flow); err != nil {
		p.Close()
		unix.Close(fd)
		return nil, &Error{Op: "flow control", Port: c.Name, Kind: kindOf(err), Err: err}
	}
	return &Port{Port: p, name: c.Name, wfd: fd}, nil
}

// FlowOf reads the flow control currently set on the device at path (for
// diagnostics and tests): CRTSCTS wins over IXON|IXOFF if both are set.
func FlowOf(path string) (Flow, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return FlowNone, &Error{Op: "open", Port: path, Kind: kindOf(err), Err: err}
	}
	defer unix.Close(fd)
	t, err := getTermios(fd)
	if err != nil {
		return FlowNone, &Error{Op: "flow control", Port: path, Kind: ErrNotSerial, Err: err}
	}
	return flowOf(t), nil
}

func flowOf(t *unix.Termios) Flow {
	switch {
	case t.Cflag&unix.CRTSCTS != 0:
		return FlowRTSCTS
	case t.Iflag&(unix.IXON|unix.IXOFF) == unix.IXON|unix.IXOFF:
		return FlowXONXOFF
	}
	return FlowNone
}

// setFlow sets exactly the flags of f and clears the others, so a port that was
// configured differently before (by another program) ends up as asked.
func setFlow(fd int, f Flow) error {
	t, err := getTermios(fd)
	if err != nil {
		return err
	}
	t.Cflag &^= unix.CRTSCTS
	t.Iflag &^= unix.IXON | unix.IXOFF | unix.IXANY
	switch f {
	case FlowRTSCTS:
		t.Cflag |= unix.CRTSCTS
	case FlowXONXOFF:
		t.Iflag |= unix.IXON | unix.IXOFF
		t.Cc[unix.VSTART] = 0x11
		t.Cc[unix.VSTOP] = 0x13
	}
	if err := setTermios(fd, t); err != nil {
		return err
	}
	// tcsetattr succeeds if any one change took; read back to be sure this did.
	got, err := getTermios(fd)
	if err != nil {
		return err
	}
	if flowOf(got) != f {
		return fmt.Errorf("device kept flow control %v instead of %v", flowOf(got), f)
	}
	return nil
}

// List returns the serial ports of the machine plus the paths matched by
// extraGlobs (e.g. the simulator links DIR/*), deduplicated and sorted. A glob that
// matches nothing adds nothing; a malformed glob is an error.
func List(extraGlobs ...string) ([]string, error) {
	ports, err := serial.GetPortsList()
	if err != nil {
		return nil, fmt.Errorf("serial: list ports: %w", err)
	}
	seen := make(map[string]bool, len(ports))
	var out []string
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range ports {
		add(p)
	}
	for _, g := range extraGlobs {
		m, err := filepath.Glob(g)
		if err != nil {
			return nil, fmt.Errorf("serial: list ports: glob %q: %w", g, err)
		}
		for _, p := range m {
			add(p)
		}
	}
	sort.Strings(out)
	return out, nil
}
