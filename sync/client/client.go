// Package client is the kiosk's side of the sync protocol (sync/wire): a
// signed HTTP client for officed and the Syncer that drains the outbox, pulls
// the change feed and sends heartbeats, retrying with exponential backoff and
// jitter. It never loses a record: a record leaves the outbox only when officed
// has acknowledged its id, and one officed refuses is kept as rejected.
package client

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// Client talks to one officed as one enrolled kiosk.
type Client struct {
	Server  string // base URL, e.g. https://office.example.cn
	KioskID string
	Key     ed25519.PrivateKey
	HTTP    *http.Client     // nil: a client with a 30 s timeout
	Now     func() time.Time // nil: time.Now
}

// StatusError is an error answer from officed.
type StatusError struct {
	Status int
	Err    *wire.Error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("officed: %d %s", e.Status, e.Err.Error())
}

// Temporary reports whether the same request may succeed later unchanged.
func (e *StatusError) Temporary() bool {
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests || e.Status == http.StatusRequestTimeout
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

func (c *Client) httpc() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Enroll exchanges a one-time code for a kiosk id; the public key is the
// kiosk's signing key.
func Enroll(ctx context.Context, httpc *http.Client, server, code, name string, pub ed25519.PublicKey) (wire.EnrollResponse, error) {
	if httpc == nil {
		httpc = defaultHTTP
	}
	var resp wire.EnrollResponse
	body, _ := json.Marshal(wire.EnrollRequest{Code: code, Name: name, PublicKey: pub})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return resp, err
	}
	req.Header.Set("Content-Type", "application/json")
	return resp, do(httpc, req, &resp)
}

// Push sends records and returns officed's acknowledgement.
func (c *Client) Push(ctx context.Context, recs []wire.Record) (wire.BatchAck, error) {
	var ack wire.BatchAck
	body, err := json.Marshal(wire.Batch{Records: recs})
	if err != nil {
		return ack, err
	}
	return ack, c.signed(ctx, http.MethodPost, "/api/v1/records", body, &ack)
}

// Changes returns the page of the feed after cursor, of one class if class is
// not empty.
func (c *Client) Changes(ctx context.Context, cursor int64, class string, limit int) (wire.Changes, error) {
	q := url.Values{"cursor": {strconv.FormatInt(cursor, 10)}}
	if class != "" {
		q.Set("class", class)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var ch wire.Changes
	return ch, c.signed(ctx, http.MethodGet, "/api/v1/changes?"+q.Encode(), nil, &ch)
}

// Heartbeat reports the kiosk's health.
func (c *Client) Heartbeat(ctx context.Context, hb wire.Heartbeat) (wire.HeartbeatAck, error) {
	var ack wire.HeartbeatAck
	body, err := json.Marshal(hb)
	if err != nil {
		return ack, err
	}
	return ack, c.signed(ctx, http.MethodPost, "/api/v1/heartbeat", body, &ack)
}

func (c *Client) signed(ctx context.Context, method, pathQuery string, body []byte, out any) error {
	if c.KioskID == "" || len(c.Key) != ed25519.PrivateKeySize {
		return errors.New("sync: this kiosk is not enrolled (kioskctl enroll)")
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.Server, "/")+pathQuery, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sign.Sign(req, c.KioskID, c.Key, body, c.now())
	return do(c.httpc(), req, out)
}

// do sends req and decodes a 2xx JSON answer into out, or returns a
// *StatusError for an error answer.
func do(httpc *http.Client, req *http.Request, out any) error {
	resp, err := httpc.Do(req)
	if err != nil {
		return fmt.Errorf("sync: %s %s: %w", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, wire.MaxBodyBytes*4))
	if err != nil {
		return fmt.Errorf("sync: %s %s: reading the answer: %w", req.Method, req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		var eb wire.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == nil {
			eb.Error = &wire.Error{Code: "http_" + strconv.Itoa(resp.StatusCode), Message: strings.TrimSpace(firstLine(string(data)))}
		}
		return &StatusError{Status: resp.StatusCode, Err: eb.Error}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("sync: %s %s: malformed answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
