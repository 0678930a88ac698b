package web

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Limit is at most N events per client within Per.
type Limit struct {
	N   int
	Per time.Duration
}

// Default limits of the public forms and pages. Five tickets in ten minutes
// is more than a household reports; sixty views lets a resident reload a
// status page freely while making secrets (about 41 bits) unguessable.
var (
	DefaultTicketLimit = Limit{N: 5, Per: 10 * time.Minute}
	DefaultPageLimit   = Limit{N: 60, Per: 10 * time.Minute}
)

func (l Limit) or(def Limit) Limit {
	if l.N <= 0 || l.Per <= 0 {
		return def
	}
	return l
}

// maxClients bounds a limiter's memory. Past it, clients with no recent
// event are forgotten; if all are recent the limiter starts afresh rather
// than refusing everyone (a flood from that many addresses is a matter for
// the network in front of officed).
const maxClients = 100_000

// limiter counts events per client in a sliding window.
type limiter struct {
	limit Limit
	now   func() time.Time
	mu    sync.Mutex
	hits  map[string][]time.Time
}

func newLimiter(l Limit, now func() time.Time) *limiter {
	return &limiter{limit: l, now: now, hits: map[string][]time.Time{}}
}

// recent returns client's events within the window, dropping older ones.
// Called with mu held.
func (l *limiter) recent(client string, now time.Time) []time.Time {
	ts := l.hits[client]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.limit.Per {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.hits, client)
	} else {
		l.hits[client] = ts
	}
	return ts
}

// full reports whether client has used up its limit and, if so, how long
// until the oldest event leaves the window.
func (l *limiter) full(client string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	ts := l.recent(client, now)
	if len(ts) < l.limit.N {
		return false, 0
	}
	return true, l.limit.Per - now.Sub(ts[0])
}

// add counts one event of client.
func (l *limiter) add(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.hits) >= maxClients {
		for c := range l.hits {
			l.recent(c, now)
		}
		if len(l.hits) >= maxClients {
			clear(l.hits)
		}
	}
	l.hits[client] = append(l.recent(client, now), now)
}

// allow counts an event of client unless its limit is used up.
func (l *limiter) allow(client string) (bool, time.Duration) {
	if full, wait := l.full(client); full {
		return false, wait
	}
	l.add(client)
	return true, 0
}

// remoteIP is the address of the connection's other end.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ClientIPFromHeader returns a Config.ClientIP that trusts header, as set
// by the reverse proxy in front of officed (X-Real-IP, or X-Forwarded-For
// whose last entry the proxy appended). Without the header it falls back to
// the connection's address. Use it only behind such a proxy: otherwise
// anyone can pick their own address and escape the limits.
func ClientIPFromHeader(header string) func(*http.Request) string {
	return func(r *http.Request) string {
		v := r.Header.Values(header)
		if len(v) == 0 {
			return remoteIP(r)
		}
		parts := strings.Split(v[len(v)-1], ",")
		if ip := strings.TrimSpace(parts[len(parts)-1]); ip != "" && len(ip) <= 64 {
			return ip
		}
		return remoteIP(r)
	}
}
