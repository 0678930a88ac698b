// Package office is the domain of officed, the street office's central service:
// enrolled kiosks, one-time enrollment codes, the records kiosks push and what
// they become (tickets with their timelines, applications, payments, ratings,
// device events), the change feed kiosks pull, bills, payment orders and the
// payment gateway they go through (Payments, PaymentGateway), and the
// interfaces of the storage that holds them.
//
// Implementations live beside it, each named for what it wraps (office/sqlite;
// a PostgreSQL store later), and the HTTP front ends (office/syncapi,
// office/web) depend only on the interfaces here, so a store can be swapped
// without touching a handler. office/officetest holds the contract suite every
// store must pass.
//
// Times are passed in by the caller (the handlers' injected clock), never read
// by a store, so expiry and online-ness are testable without sleeping.
package office

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"time"

	"bianmin"
	"bianmin/sync/wire"
)

// Store is everything officed keeps. It is safe for concurrent use.
type Store interface {
	KioskService
	ReplayGuard
	RecordService
	FeedService
	GuideStore
	ResidentService
	BillService
	OrderStore
	SandboxLedger
	LedgerService
	StaffService
	CaseService

	// Counts reports how many rows each kind of data holds; operators and the
	// security tests ("nothing stored") read it.
	Counts(ctx context.Context) (Counts, error)
	// Ping reports whether the store can serve (GET /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// Kiosk is one enrolled machine.
type Kiosk struct {
	ID         string // "K" + 26 Crockford base-32 characters (see NewKioskID)
	Name       string // as given to enroll-code by the admin
	PublicKey  ed25519.PublicKey
	EnrolledAt time.Time
	RevokedAt  time.Time // zero while the kiosk may sync
	// The last heartbeat; LastSeen is zero and Heartbeat nil until the first.
	LastSeen   time.Time
	Heartbeat  *wire.Heartbeat
	AppVersion string
	QueueDepth int
}

// Revoked reports whether the kiosk has been revoked.
func (k Kiosk) Revoked() bool { return !k.RevokedAt.IsZero() }

// EnrollCode is a one-time code as stored: only the SHA-256 of the code, never
// the code itself, so a copy of the database cannot enroll anything.
type EnrollCode struct {
	Hash      [32]byte
	KioskName string
	Created   time.Time
	Expires   time.Time
}

// Enrollment is a kiosk's request to join with a code.
type Enrollment struct {
	CodeHash  [32]byte
	PublicKey ed25519.PublicKey // 32 bytes, checked by the caller
	At        time.Time
}

// KioskService manages kiosks and their enrollment.
type KioskService interface {
	// AddEnrollCode stores a new code. A hash already stored is ECONFLICT.
	AddEnrollCode(ctx context.Context, c EnrollCode) error
	// Enroll consumes the code and creates the kiosk, in one transaction. An
	// unknown, used or expired code is ErrCodeUnknown, ErrCodeUsed or
	// ErrCodeExpired and changes nothing.
	Enroll(ctx context.Context, e Enrollment) (Kiosk, error)
	// Kiosk returns ENOTFOUND for an unknown id.
	Kiosk(ctx context.Context, id string) (Kiosk, error)
	// Kiosks lists every kiosk, revoked ones included, by enrollment time.
	Kiosks(ctx context.Context) ([]Kiosk, error)
	// Revoke stops a kiosk from syncing from now on. ENOTFOUND for an unknown id;
	// revoking a revoked kiosk keeps the first revocation time and succeeds.
	Revoke(ctx context.Context, id string, at time.Time) error
	// Heartbeat records the nonce and stores hb as the kiosk's last heartbeat,
	// in one transaction: ErrReplay for a used nonce, ErrRevoked or ENOTFOUND
	// for a kiosk that may not sync, and nothing changes.
	Heartbeat(ctx context.Context, n Nonce, hb wire.Heartbeat, at time.Time) error
	// KiosksOnline counts kiosks not revoked whose last heartbeat is at or after
	// since.
	KiosksOnline(ctx context.Context, since time.Time) (int, error)
}

// Nonce identifies one signed request for replay protection (sync/sign).
type Nonce struct {
	KioskID string
	Value   string
	TS      time.Time // the request's signed timestamp
}

// ReplayGuard remembers the nonces of signed requests.
type ReplayGuard interface {
	// UseNonce records n for a request that stores nothing else (GET
	// /changes). ErrReplay if the kiosk used it before; ErrRevoked or
	// ENOTFOUND for a kiosk that may not sync.
	UseNonce(ctx context.Context, n Nonce) error
	// PruneNonces forgets nonces whose timestamp is before before and reports
	// how many. Callers pass now − 2×sign.Skew: a request that old is refused
	// as stale, so its nonce is no longer needed to refuse it.
	PruneNonces(ctx context.Context, before time.Time) (int64, error)
}

// IngestResult is what a batch did.
type IngestResult struct {
	Acked      []string       // every id of the batch, in batch order
	New        map[string]int // records newly stored, by kind
	Duplicates int            // records the store already held
}

// StoredRecord is a record as officed holds it.
type StoredRecord struct {
	KioskID    string
	Record     wire.Record
	ReceivedAt time.Time
}

// RecordFilter selects stored records; zero fields select everything.
type RecordFilter struct {
	KioskID  string
	AfterSeq int64
	Limit    int // 0: no limit
}

// RecordService holds the records kiosks push.
type RecordService interface {
	// Ingest stores a decoded batch (wire.DecodeBatch) and records the nonce
	// in one transaction. It is idempotent on (kiosk, record id): a record
	// already held is counted as a duplicate, not stored again, not applied
	// again, and still acknowledged.
	//
	// Each new record's data is decoded with DecodeRecord and applied, in
	// the same transaction, to what ResidentService reads (tickets with
	// their timeline, applications, payments, incomplete payments, ratings,
	// device events, cash collections); a ticket's or application's status
	// is published on the feed (ClassTickets, StatusItem). A record that
	// does not decode, or whose number another record holds, fails the
	// batch with a *RecordError naming it. ErrReplay, ErrRevoked or
	// ENOTFOUND store nothing, and any failure stores nothing of the batch.
	Ingest(ctx context.Context, n Nonce, recs []wire.Record, at time.Time) (IngestResult, error)
	// Records lists stored records by kiosk, then sequence.
	Records(ctx context.Context, f RecordFilter) ([]StoredRecord, error)
}

// Counts is the number of rows of each kind of data.
type Counts struct {
	Kiosks, EnrollCodes, Nonces, Records, Changes, Guides int
	// What ingested records were applied to (ResidentService), and the
	// timeline entries of tickets and applications.
	Tickets, Applications, Timeline, Payments, IncompletePayments int
	Ratings, DeviceEvents, CashCollections                        int
	// Bills (BillService), payment orders (OrderStore) and the sandbox
	// gateway's charges (SandboxLedger).
	Bills, Orders, SandboxCharges int
	// Back-office accounts, sessions and audit entries (StaffService).
	StaffUsers, Sessions, AuditEntries int
}

// Item is one entry to publish: the newest state of Key in a class. A nil
// Data deletes the key (the feed keeps a tombstone so kiosks drop it too).
type Item struct {
	Key  string
	Data json.RawMessage
}

// ChangesQuery selects one page of the change feed.
type ChangesQuery struct {
	Cursor   int64  // the last seq the kiosk has applied; 0 for none
	Class    string // "" for every class
	Limit    int    // at most this many changes (1–MaxPage)
	MaxBytes int    // stop once the changes' data passes this; 0: DefaultPageBytes
}

// Page limits of the change feed.
const (
	DefaultPage      = 500
	MaxPage          = 1000
	DefaultPageBytes = 1 << 20
)

// FeedService is the change feed kiosks pull (SPEC §4).
//
// Every published key gets a new sequence number and only its newest entry is
// kept, so the feed compacts. Changes answers must_refetch (wire.Changes):
//   - when the cursor lies beyond the feed's end (officed was restored from a
//     backup): every class (or the queried one), Cursor = the feed's end;
//   - when a class was reset (ReplaceClass) after a cursor above 0: the reset
//     classes plus every class changed between the cursor and the newest such
//     reset, Cursor = that reset. A kiosk that refetches those classes and goes
//     on from there has missed nothing, and is not told to refetch again.
//
// Cursor 0 is a fresh start and never needs a refetch. When More is false the
// answer's Cursor is the feed's end, so a kiosk moves past compacted entries.
type FeedService interface {
	// Publish appends items of class in one transaction and returns the
	// feed's new end. Class "guides" is published with PublishGuides.
	Publish(ctx context.Context, class string, items []Item, at time.Time) (int64, error)
	// ReplaceClass drops every entry of class, records a reset and publishes
	// items, in one transaction: kiosks that synced the class before must
	// refetch it.
	ReplaceClass(ctx context.Context, class string, items []Item, at time.Time) (int64, error)
	// Changes returns one page of the feed after q.Cursor.
	Changes(ctx context.Context, q ChangesQuery) (wire.Changes, error)
	// SeedContent publishes the shipped items of class (units, grid: see
	// UnitItems, GridItems) the first time it is called for that class on a
	// store and never again, so content edited or deleted by staff stays so
	// across restarts. A class that already has entries or a reset on the
	// feed (published before seeding existed) is marked seeded and left
	// alone. The mark is written in the same transaction as the items. It
	// refuses what Publish refuses, guides included (SeedGuides), and
	// reports how many items it published.
	SeedContent(ctx context.Context, class string, items []Item, at time.Time) (int, error)
}

// GuideStore serves guides to residents' phones and publishes them to kiosks.
// Search follows bianmin.GuideService (the same results as on the kiosk).
type GuideStore interface {
	bianmin.GuideService
	// PublishGuides validates and stores guides and puts each on the feed, in
	// one transaction; an invalid guide stores nothing.
	PublishGuides(ctx context.Context, guides []bianmin.Guide, at time.Time) error
	// DeleteGuide removes a guide and puts a delete on the feed. ENOTFOUND
	// for an unknown id.
	DeleteGuide(ctx context.Context, id string, at time.Time) error
	// SeedGuides publishes the shipped guides the first time it is called on a
	// store and never again, so guides edited or deleted by staff stay so
	// across restarts. It reports how many it published.
	SeedGuides(ctx context.Context, guides []bianmin.Guide, at time.Time) (int, error)
}

// Errors the stores return; match them with errors.Is.
var (
	ErrCodeUnknown = bianmin.Errorf(bianmin.ENOTFOUND, "unknown enrollment code")
	ErrCodeUsed    = bianmin.Errorf(bianmin.ECONFLICT, "enrollment code already used")
	ErrCodeExpired = bianmin.Errorf(bianmin.ECONFLICT, "enrollment code expired")
	ErrReplay      = bianmin.Errorf(bianmin.ECONFLICT, "nonce already used: request replayed")
	ErrRevoked     = bianmin.Errorf(bianmin.ECONFLICT, "kiosk revoked")
)
