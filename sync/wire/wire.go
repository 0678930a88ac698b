// Package wire is the kiosk ↔ officed sync protocol (SPEC §4): the JSON bodies
// of /api/v1/enroll, /records, /changes and /heartbeat, the record kinds with
// their schema versions, and strict decoders with size limits. Both sides use
// these types, so the protocol is defined once.
//
//	POST /api/v1/enroll     EnrollRequest → EnrollResponse            (unsigned: the code is the credential)
//	POST /api/v1/records    Batch → BatchAck                          (signed)
//	GET  /api/v1/changes?cursor=N[&class=C][&limit=L] → Changes       (signed)
//	POST /api/v1/heartbeat  Heartbeat → HeartbeatAck                   (signed)
//
// Errors are {"error":{"code":…,"message":…,"record":…}} with a 4xx/5xx status.
package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Limits on what a server accepts; the kiosk's batches stay within them.
const (
	MaxBodyBytes   = 1 << 20 // one request body
	MaxBatch       = 500     // records in one batch
	MaxRecordBytes = 64 << 10
)

// Kinds are the record kinds a kiosk sends, each with the schema versions the
// server understands (SPEC §4).
var Kinds = map[string][]int{
	"ticket":             {1},
	"application":        {1},
	"payment":            {1},
	"payment.incomplete": {1},
	"rating":             {1},
	"device.event":       {1},
	"cash.collected":     {1},
}

// Record is one outbox record on the wire.
type Record struct {
	ID      string          `json:"id"`  // UUIDv7, unique per kiosk
	Seq     int64           `json:"seq"` // per-kiosk sequence, gap-free from 1
	Kind    string          `json:"kind"`
	Schema  int             `json:"schema"`
	Created time.Time       `json:"created"`
	Data    json.RawMessage `json:"data"` // a JSON object; its fields depend on the kind
}

// Batch is a push of records, oldest first.
type Batch struct {
	Records []Record `json:"records"`
}

// BatchAck lists every acknowledged id: newly stored and already held alike,
// so a retry after a lost response settles the kiosk's outbox.
type BatchAck struct {
	Acked      []string `json:"acked"`
	Duplicates int      `json:"duplicates"`
}

// EnrollRequest exchanges a one-time code for a kiosk id.
type EnrollRequest struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	PublicKey []byte `json:"public_key"` // Ed25519, 32 bytes (base64 in JSON)
}

// EnrollResponse names the enrolled kiosk.
type EnrollResponse struct {
	KioskID string    `json:"kiosk_id"`
	Name    string    `json:"name"`
	Server  time.Time `json:"server_time"`
}

// Change is one entry of the change feed: the newest state of Key in Class.
type Change struct {
	Seq   int64           `json:"seq"`
	Class string          `json:"class"` // guides, units, grid, config, bills, tickets
	Key   string          `json:"key"`
	Op    string          `json:"op"` // "put" or "delete"
	Data  json.RawMessage `json:"data,omitempty"`
}

// Classes are the content classes of the change feed.
var Classes = []string{"guides", "units", "grid", "config", "bills", "tickets"}

// Changes is one page of the feed after a cursor. When MustRefetch names
// classes, the kiosk drops its copy of each and pulls it again from cursor 0
// with class=C, replacing the class in one transaction, and then continues
// from Cursor. A must_refetch answer carries no changes. Its Cursor is the
// newest class reset after the kiosk's cursor, and MustRefetch names the reset
// classes plus every class that changed between the kiosk's cursor and that
// reset, so continuing from Cursor skips nothing. When the kiosk's cursor lies
// beyond the feed's end (officed was restored from a backup), every class is
// named and Cursor is the feed's end. Cursor 0 never needs a refetch.
type Changes struct {
	Changes     []Change `json:"changes"`
	Cursor      int64    `json:"cursor"` // pass back as ?cursor= to continue
	More        bool     `json:"more"`
	MustRefetch []string `json:"must_refetch,omitempty"`
}

// Heartbeat reports a kiosk's health.
type Heartbeat struct {
	AppVersion string            `json:"app_version"`
	UptimeS    int64             `json:"uptime_s"`
	Devices    map[string]string `json:"devices"`
	QueueDepth int               `json:"queue_depth"`
	Rejected   int               `json:"rejected"`
	Cursor     int64             `json:"cursor"`
	Cash       CashBox           `json:"cash"`
}

// CashBox is the cash since the last collection.
type CashBox struct {
	Notes    int   `json:"notes"`
	Coins    int   `json:"coins"`
	TotalFen int64 `json:"total_fen"`
}

// HeartbeatAck carries the server time, so a kiosk can see its clock drift.
type HeartbeatAck struct {
	Server time.Time `json:"server_time"`
}

// Error is the body of every error response.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Record  string `json:"record,omitempty"` // the offending record of a batch
}

func (e *Error) Error() string {
	if e.Record != "" {
		return fmt.Sprintf("%s: %s (record %s)", e.Code, e.Message, e.Record)
	}
	return e.Code + ": " + e.Message
}

// ErrorBody wraps Error for JSON.
type ErrorBody struct {
	Error *Error `json:"error"`
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// ErrInvalid wraps every validation failure of a decoded body.
var ErrInvalid = errors.New("invalid")

// DecodeBatch parses and validates a batch body strictly: unknown fields,
// trailing data, too many or too large records, a bad id, a non-positive or
// repeated sequence, an unknown kind or schema version, or data that is not a
// JSON object are errors naming the record. Nothing about the batch is
// trusted until it passes.
func DecodeBatch(body []byte) (Batch, *Error) {
	var b Batch
	if len(body) > MaxBodyBytes {
		return b, &Error{Code: "too_large", Message: fmt.Sprintf("body over %d bytes", MaxBodyBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Batch{}, &Error{Code: "malformed", Message: "batch is not valid JSON: " + err.Error()}
	}
	if dec.More() {
		return Batch{}, &Error{Code: "malformed", Message: "data after the batch"}
	}
	if len(b.Records) == 0 {
		return Batch{}, &Error{Code: "invalid", Message: "empty batch"}
	}
	if len(b.Records) > MaxBatch {
		return Batch{}, &Error{Code: "too_large", Message: fmt.Sprintf("more than %d records", MaxBatch)}
	}
	ids := map[string]bool{}
	seqs := map[int64]bool{}
	for _, r := range b.Records {
		bad := func(code, format string, args ...any) (Batch, *Error) {
			return Batch{}, &Error{Code: code, Message: fmt.Sprintf(format, args...), Record: r.ID}
		}
		if !uuidPattern.MatchString(r.ID) {
			return bad("invalid", "record id %q is not a lowercase UUIDv7", r.ID)
		}
		if ids[r.ID] {
			return bad("invalid", "record id given twice in one batch")
		}
		ids[r.ID] = true
		if r.Seq <= 0 || seqs[r.Seq] {
			return bad("invalid", "sequence %d is not positive or repeats", r.Seq)
		}
		seqs[r.Seq] = true
		versions, known := Kinds[r.Kind]
		if !known {
			return bad("unknown_kind", "unknown record kind %q", r.Kind)
		}
		ok := false
		for _, v := range versions {
			ok = ok || v == r.Schema
		}
		if !ok {
			return bad("unknown_schema", "kind %s has no schema version %d", r.Kind, r.Schema)
		}
		if r.Created.IsZero() {
			return bad("invalid", "created time missing")
		}
		if len(r.Data) > MaxRecordBytes {
			return bad("too_large", "record data over %d bytes", MaxRecordBytes)
		}
		if len(r.Data) == 0 || r.Data[0] != '{' {
			return bad("invalid", "data must be a JSON object")
		}
	}
	return b, nil
}
