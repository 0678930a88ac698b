// Package officetest holds what tests of officed share: the contract suite
// every office.Store implementation must pass (RunStoreContract), and a
// simulated kiosk that speaks the sync protocol byte for byte (Kiosk), for
// handler tests, crash tests and benchmarks.
package officetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"time"

	"bianmin"
	"bianmin/sync/sign"
	"bianmin/sync/wire"
)

// Kiosk is a simulated kiosk: its own Ed25519 key and, once enrolled, an id.
// It is not safe for concurrent use; give each goroutine its own.
type Kiosk struct {
	Base string // officed's base URL, e.g. http://127.0.0.1:8080
	ID   string
	Pub  ed25519.PublicKey
	Key  ed25519.PrivateKey
	HTTP *http.Client     // nil: http.DefaultClient
	Now  func() time.Time // the clock requests are signed with; nil: time.Now

	seq        int64
	code       string // see Code
	lastTicket string // record id of the last ticket made, for ratings
}

// NewKiosk returns a kiosk with a fresh key pair, not yet enrolled.
func NewKiosk(base string) *Kiosk {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return &Kiosk{Base: strings.TrimRight(base, "/"), Pub: pub, Key: key}
}

// Response is an answer from officed.
type Response struct {
	Status int
	Body   []byte
	Err    *wire.Error // the decoded error body of a non-2xx answer
}

// Decode unmarshals a 2xx body into v.
func (r Response) Decode(v any) error {
	if r.Status/100 != 2 {
		return fmt.Errorf("status %d: %v", r.Status, r.Err)
	}
	return json.Unmarshal(r.Body, v)
}

func (k *Kiosk) now() time.Time {
	if k.Now != nil {
		return k.Now()
	}
	return time.Now()
}

func (k *Kiosk) client() *http.Client {
	if k.HTTP != nil {
		return k.HTTP
	}
	return http.DefaultClient
}

// Enroll exchanges code for a kiosk id and keeps it.
func (k *Kiosk) Enroll(ctx context.Context, code, name string) (Response, error) {
	body, _ := json.Marshal(wire.EnrollRequest{Code: code, Name: name, PublicKey: k.Pub})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.Base+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := k.Send(req)
	if err != nil {
		return resp, err
	}
	var er wire.EnrollResponse
	if resp.Decode(&er) == nil {
		k.ID = er.KioskID
	}
	return resp, nil
}

// NewRequest returns a request signed as this kiosk. pathQuery is the path
// and query, e.g. "/api/v1/changes?cursor=0".
func (k *Kiosk) NewRequest(ctx context.Context, method, pathQuery string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, k.Base+pathQuery, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sign.Sign(req, k.ID, k.Key, body, k.now())
	return req, nil
}

// Send sends req and reads the whole answer. Requests whose body is a
// bytes.Reader can be sent again (a replay) after rewinding with Resend.
func (k *Kiosk) Send(req *http.Request) (Response, error) {
	resp, err := k.client().Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	out := Response{Status: resp.StatusCode, Body: data}
	if resp.StatusCode/100 != 2 {
		var eb wire.ErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error != nil {
			out.Err = eb.Error
		}
	}
	return out, nil
}

// Signed sends one signed request.
func (k *Kiosk) Signed(ctx context.Context, method, pathQuery string, body []byte) (Response, error) {
	req, err := k.NewRequest(ctx, method, pathQuery, body)
	if err != nil {
		return Response{}, err
	}
	return k.Send(req)
}

// Push sends records as one batch.
func (k *Kiosk) Push(ctx context.Context, recs []wire.Record) (wire.BatchAck, Response, error) {
	var ack wire.BatchAck
	body, err := json.Marshal(wire.Batch{Records: recs})
	if err != nil {
		return ack, Response{}, err
	}
	resp, err := k.Signed(ctx, http.MethodPost, "/api/v1/records", body)
	if err != nil {
		return ack, resp, err
	}
	if resp.Status == http.StatusOK {
		err = resp.Decode(&ack)
	}
	return ack, resp, err
}

// Heartbeat sends hb.
func (k *Kiosk) Heartbeat(ctx context.Context, hb wire.Heartbeat) (Response, error) {
	body, err := json.Marshal(hb)
	if err != nil {
		return Response{}, err
	}
	return k.Signed(ctx, http.MethodPost, "/api/v1/heartbeat", body)
}

// Changes pulls one page of the feed.
func (k *Kiosk) Changes(ctx context.Context, cursor int64, class string, limit int) (wire.Changes, Response, error) {
	var ch wire.Changes
	path := fmt.Sprintf("/api/v1/changes?cursor=%d", cursor)
	if class != "" {
		path += "&class=" + class
	}
	if limit > 0 {
		path += fmt.Sprintf("&limit=%d", limit)
	}
	resp, err := k.Signed(ctx, http.MethodGet, path, nil)
	if err != nil {
		return ch, resp, err
	}
	if resp.Status == http.StatusOK {
		err = resp.Decode(&ch)
	}
	return ch, resp, err
}

// Records returns n new records of the kinds the protocol knows, in turn, with
// this kiosk's next sequence numbers. Each is valid data of its kind
// (SampleData), padded toward dataBytes where the kind has room for text
// (ticket phrases, device event details). Tickets and applications carry
// SecretPhone, applications SecretIDNumber and SecretName, so tests notice if
// record data ever reaches a log.
func (k *Kiosk) Records(n, dataBytes int) []wire.Record {
	kinds := Kinds()
	out := make([]wire.Record, n)
	for i := range out {
		kind := kinds[int(k.seq+1)%len(kinds)]
		out[i] = k.Record(kind, k.SampleData(kind, k.seq+1, dataBytes))
	}
	return out
}

// Record returns a record of kind with data (marshalled to JSON) and this
// kiosk's next sequence number, created now by the kiosk's clock.
func (k *Kiosk) Record(kind string, data any) wire.Record {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	k.seq++
	now := k.now()
	r := wire.Record{
		ID: wire.NewID(now), Seq: k.seq, Kind: kind, Schema: wire.Kinds[kind][len(wire.Kinds[kind])-1],
		Created: now.Truncate(time.Millisecond), Data: raw,
	}
	if kind == bianmin.KindTicket {
		k.lastTicket = r.ID
	}
	return r
}

// Code is the kiosk's short code in the numbers it gives (six digits, as a
// real kiosk's), drawn at random once per Kiosk value so that two simulated
// kiosks never number alike.
func (k *Kiosk) Code() string {
	if k.code == "" {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			panic(err)
		}
		k.code = fmt.Sprint(100000 + n.Int64())
	}
	return k.code
}

// Number returns the public number with prefix (T, A or P) this kiosk gives
// for sequence seq today.
func (k *Kiosk) Number(prefix byte, seq int64) string {
	return bianmin.NewNumber(prefix, k.now(), k.Code(), seq)
}

// SampleData returns valid data of kind for this kiosk's record seq, padded
// toward dataBytes where the kind has room (bianmin.Sample). A rating names
// the last ticket this Kiosk made (a linked rating), else a guide.
func (k *Kiosk) SampleData(kind string, seq int64, dataBytes int) bianmin.RecordData {
	d := bianmin.Sample(kind, seq, func(p byte) string { return k.Number(p, seq) }, k.lastTicket, dataBytes)
	if d == nil {
		panic("officetest: no sample data for kind " + kind)
	}
	return d
}

// Personal data in the records Records makes: a log that contains any of
// them leaked record data.
const (
	SecretPhone = bianmin.SamplePhone
	SecretName  = bianmin.SampleName
)

// SecretIDNumber is a valid ID number (GB 11643 check digit included).
var SecretIDNumber = bianmin.SampleIDNumber

// Kinds lists the kinds of wire.Kinds, sorted.
func Kinds() []string {
	out := make([]string, 0, len(wire.Kinds))
	for k := range wire.Kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
