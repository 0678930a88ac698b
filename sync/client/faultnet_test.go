package client_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"
)

// fault is one way a request between kiosk and officed goes wrong.
type fault int

const (
	faultNone         fault = iota
	faultDrop               // the request never reaches officed
	faultDelay              // it arrives late
	faultReset              // the connection breaks while the request is sent: officed may or may not have it
	faultDuplicate          // the network delivers it twice
	faultLostResponse       // officed committed, the answer is lost
)

// faultyTransport injects faults in process between the kiosk's client and a
// real officed on loopback. The faults are chosen at random from weights, so a
// test run covers every interleaving over many rounds.
type faultyTransport struct {
	base http.RoundTripper
	rng  *rand.Rand
	// weights of each fault, by index; faultNone takes the rest of 100.
	weights map[fault]int
	delay   time.Duration

	mu     sync.Mutex
	counts map[fault]int
}

func (f *faultyTransport) pick() fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := f.rng.IntN(100)
	for _, k := range []fault{faultDrop, faultDelay, faultReset, faultDuplicate, faultLostResponse} {
		if n < f.weights[k] {
			f.counts[k]++
			return k
		}
		n -= f.weights[k]
	}
	f.counts[faultNone]++
	return faultNone
}

var errInjected = errors.New("injected network fault")

func (f *faultyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body.Close()
	}
	send := func() (*http.Response, error) {
		c := r.Clone(r.Context())
		c.Body = io.NopCloser(bytes.NewReader(body))
		return f.base.RoundTrip(c)
	}
	switch f.pick() {
	case faultDrop:
		return nil, errInjected
	case faultDelay:
		time.Sleep(f.delay)
		return send()
	case faultReset:
		// Half the time the request got through before the reset.
		if f.rng.IntN(2) == 0 {
			if resp, err := send(); err == nil {
				resp.Body.Close()
			}
		}
		return nil, errInjected
	case faultDuplicate:
		if resp, err := send(); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return send()
	case faultLostResponse:
		resp, err := send()
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return nil, errInjected
	}
	return send()
}
