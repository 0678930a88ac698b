package sim

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// ControlSocket is the name of the control socket in a bench directory.
const ControlSocket = "control"

// maxRequest bounds one control line (a card identity in JSON fits easily).
const maxRequest = 64 << 10

// serveControl answers requests on ln, one line each, until ln is closed.
func (b *Bench) serveControl(ln net.Listener) {
	defer b.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !b.track(c) {
			c.Close()
			return
		}
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			defer b.untrack(c)
			sc := bufio.NewScanner(c)
			sc.Buffer(make([]byte, 0, 4096), maxRequest)
			for sc.Scan() {
				reply, err := b.Do(strings.Fields(sc.Text())...)
				line := "ok"
				switch {
				case err != nil:
					line = "error: " + oneLine(err.Error())
				case reply != "":
					line += " " + oneLine(reply)
				}
				if _, err := c.Write([]byte(line + "\n")); err != nil {
					return
				}
			}
		}()
	}
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// Control sends one event to the bench running in dir and returns its reply
// line ("ok" or "ok <info>"). A reply "error: <message>" is returned as an error
// with that message. Words are joined with single spaces.
func Control(dir string, words ...string) (string, error) {
	if len(words) == 0 {
		return "", errors.New("sim: no event given")
	}
	line := strings.Join(words, " ")
	if strings.ContainsAny(line, "\r\n") {
		return "", errors.New("sim: an event must fit on one line")
	}
	sock := filepath.Join(dir, ControlSocket)
	c, err := net.DialTimeout("unix", sock, 5*time.Second)
	if err != nil {
		return "", fmt.Errorf("sim: no simulator at %s: %w", dir, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", fmt.Errorf("sim: control %s: %w", sock, err)
	}
	r := bufio.NewReader(c)
	reply, err := r.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("sim: control %s: no reply: %w", sock, err)
	}
	reply = strings.TrimRight(reply, "\r\n")
	if msg, ok := strings.CutPrefix(reply, "error: "); ok {
		return "", errors.New(msg)
	}
	if reply != "ok" && !strings.HasPrefix(reply, "ok ") {
		return "", fmt.Errorf("sim: control %s: unexpected reply %q", sock, reply)
	}
	return reply, nil
}
