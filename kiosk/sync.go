package kiosk

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"bianmin/sync/client"
	"bianmin/sync/wire"
)

// Version is the kiosk software version reported in heartbeats.
const Version = "0.1.0"

const enrollmentKey = "sync.enrollment"

// Enrollment is this kiosk's identity at officed.
type Enrollment struct {
	KioskID  string    `json:"kiosk_id"`
	Name     string    `json:"name"`
	Server   string    `json:"server"`
	Enrolled time.Time `json:"enrolled"`
}

// Enrollment returns the kiosk's enrollment, and false if it never enrolled.
func (r *Runtime) Enrollment(ctx context.Context) (Enrollment, bool, error) {
	var e Enrollment
	ok, err := r.DB.Setting(ctx, enrollmentKey, &e)
	return e, ok, err
}

// Enroll registers the kiosk with officed at server using a one-time code,
// sending the public half of the kiosk's signing key. A kiosk may enroll again
// (a new code) after a revocation or a move to another office.
func (r *Runtime) Enroll(ctx context.Context, server, code string) (Enrollment, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Enrollment{}, fmt.Errorf("enroll: server %q must be an http(s) URL", server)
	}
	code = strings.TrimSpace(code)
	if code == "" {
		return Enrollment{}, fmt.Errorf("enroll: the one-time code is empty")
	}
	name := r.Config().KioskName
	resp, err := client.Enroll(ctx, nil, server, code, name, r.Keys.Public())
	if err != nil {
		return Enrollment{}, fmt.Errorf("enroll: %w", err)
	}
	if resp.Name != "" {
		name = resp.Name // the name the office gave this kiosk with its code
	}
	e := Enrollment{KioskID: resp.KioskID, Name: name, Server: strings.TrimRight(server, "/"), Enrolled: time.Now().UTC()}
	if err := r.DB.PutSetting(ctx, enrollmentKey, e); err != nil {
		return Enrollment{}, err
	}
	r.Log.Info("enrolled", "kiosk", e.KioskID, "server", e.Server)
	r.mu.Lock()
	runCtx, stop := r.runCtx, r.stopSync
	r.syncer, r.stopSync = nil, nil
	r.mu.Unlock()
	if stop != nil {
		stop() // rounds under the old identity end here
	}
	if runCtx != nil {
		r.startSync(runCtx)
	}
	return e, nil
}

// Syncer returns the sync engine for the enrolled kiosk.
func (r *Runtime) Syncer(ctx context.Context) (*client.Syncer, error) {
	e, ok, err := r.Enrollment(ctx)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("sync: this kiosk is not enrolled (kioskctl enroll --server URL --code CODE)")
	}
	return &client.Syncer{
		Client:    &client.Client{Server: e.Server, KioskID: e.KioskID, Key: r.Keys.Sign},
		Local:     centralLocal{r.DB, r},
		Heartbeat: r.Heartbeat,
		Log:       r.Log,
	}, nil
}

// Heartbeat describes the kiosk for officed's fleet page.
func (r *Runtime) Heartbeat(ctx context.Context) wire.Heartbeat {
	hb := wire.Heartbeat{AppVersion: Version, UptimeS: int64(time.Since(r.started).Seconds()), Devices: map[string]string{}}
	c, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if st, err := r.Printer.Status(c); err != nil {
		hb.Devices["printer"] = err.Error()
	} else {
		hb.Devices["printer"] = st.String()
	}
	counts, _ := r.DB.QueueCounts(ctx)
	for _, q := range counts {
		switch q.State {
		case "pending":
			hb.QueueDepth += q.Count
		case "rejected":
			hb.Rejected += q.Count
		}
	}
	hb.Cursor, _ = r.DB.Cursor(ctx)
	// The cash box as the journal has it: every credit since the last
	// collection, so the office can check the box against the payments.
	if box, err := r.DB.CashBox(ctx); err == nil {
		hb.Cash = wire.CashBox{Notes: box.Notes, Coins: box.Coins, TotalFen: box.TotalFen}
	} else {
		r.Log.Error("heartbeat: cash box", "err", err)
	}
	return hb
}

// RunSync syncs in the background until ctx ends, and purges acknowledged
// personal data as it goes. An unenrolled kiosk only purges until it enrolls.
func (r *Runtime) RunSync(ctx context.Context) {
	r.mu.Lock()
	r.runCtx = ctx
	r.mu.Unlock()
	go func() {
		for {
			if _, err := r.DB.Purge(ctx, time.Now().Add(-r.Config().PurgeAfter)); err != nil && ctx.Err() == nil {
				r.Log.Error("purge", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Hour):
			}
		}
	}()
	r.startSync(ctx)
}

// startSync starts the background rounds if the kiosk is enrolled and they do
// not run yet.
func (r *Runtime) startSync(ctx context.Context) {
	s, err := r.Syncer(ctx)
	if err != nil {
		r.Log.Info("sync off", "reason", err)
		return
	}
	every := r.Config().SyncEvery // before taking r.mu: Config takes it too
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.syncer != nil {
		return
	}
	ctx, r.stopSync = context.WithCancel(ctx)
	r.syncer = s
	go s.Run(ctx, every)
}

// SyncNow runs one round now (the technician's button).
func (r *Runtime) SyncNow(ctx context.Context) error {
	r.mu.Lock()
	s := r.syncer
	r.mu.Unlock()
	if s == nil {
		var err error
		if s, err = r.Syncer(ctx); err != nil {
			return err
		}
	}
	return s.Once(ctx)
}

// SyncInfo summarises enrollment, queue and the last rounds.
func (r *Runtime) SyncInfo(ctx context.Context) (info SyncInfo) {
	if e, ok, err := r.Enrollment(ctx); err == nil && ok {
		info.Enrolled, info.KioskID, info.Server = true, e.KioskID, e.Server
	}
	counts, _ := r.DB.QueueCounts(ctx)
	for _, q := range counts {
		switch q.State {
		case "pending":
			info.Pending += q.Count
		case "rejected":
			info.Rejected += q.Count
		}
	}
	info.Cursor, _ = r.DB.Cursor(ctx)
	if st, ok := r.SyncStatus(); ok {
		info.LastSuccess = st.LastSuccess
		if st.LastError != nil {
			info.LastError = st.LastError.Error()
		}
	}
	return info
}

// SyncInfo is the sync state for the technician.
type SyncInfo struct {
	Enrolled          bool
	KioskID, Server   string
	Pending, Rejected int
	Cursor            int64
	LastSuccess       time.Time
	LastError         string
}

// SyncStatus reports the background sync for the technician page; ok is
// false when sync does not run.
func (r *Runtime) SyncStatus() (client.Status, bool) {
	r.mu.Lock()
	s := r.syncer
	r.mu.Unlock()
	if s == nil {
		return client.Status{}, false
	}
	return s.Status(), true
}
