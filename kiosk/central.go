package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"bianmin"
	"bianmin/kiosk/store"
	"bianmin/sync/wire"
)

// The street office sets some settings for all its kiosks centrally (SPEC
// §5.2 "Kiosks: config"): the back office publishes them as entries of the
// change feed's config class (bianmin.KioskSettings), the kiosk pulls them
// into its store, and the configuration the kiosk runs with (Runtime.Config)
// is its local one (Runtime.SaveConfig, technician mode) with those entries
// laid over it. The local configuration is never overwritten by the office,
// so a setting the office stops setting falls back to the kiosk's own.

// Central is what the office's config entries did to the configuration.
type Central struct {
	// Set lists the settings the office sets on this kiosk now
	// (bianmin.Setting* keys), in bianmin.KioskSettings order.
	Set []string
	// Ignored holds the entries that were not applied, by key, with the
	// reason: data that does not parse or check, a value the kiosk's
	// configuration refuses, or a key this kiosk does not know.
	Ignored map[string]string
}

// Sets reports whether the office sets key (a bianmin.Setting* key).
func (c Central) Sets(key string) bool { return slices.Contains(c.Set, key) }

// Overlay returns local with the office's config entries (key → JSON data)
// laid over it: each entry that checks replaces the local value of its
// setting. An entry that does not check, or that would make the
// configuration invalid, is skipped and named in Ignored, as is a key the
// kiosk does not know; no entry can break the kiosk. Device ports, baud
// rates and the technician PIN have no key, so no entry reaches them.
func Overlay(local Config, entries map[string]json.RawMessage) (Config, Central) {
	c := local
	st := Central{Ignored: map[string]string{}}
	for _, s := range bianmin.KioskSettings {
		data, ok := entries[s.Key]
		if !ok {
			continue
		}
		text, n, err := s.Parse(data)
		if err != nil {
			st.Ignored[s.Key] = err.Error()
			continue
		}
		next := c
		if !setSetting(&next, s.Key, text, n) {
			st.Ignored[s.Key] = "this kiosk does not apply the setting"
			continue
		}
		if err := next.Validate(); err != nil {
			st.Ignored[s.Key] = err.Error()
			continue
		}
		c = next
		st.Set = append(st.Set, s.Key)
	}
	for key := range entries {
		if _, known := bianmin.LookupKioskSetting(key); !known {
			st.Ignored[key] = "unknown setting"
		}
	}
	return c, st
}

// setSetting puts a central setting's value into c; false for a key it does
// not handle.
func setSetting(c *Config, key, text string, n int64) bool {
	switch key {
	case bianmin.SettingOfficeName:
		c.OfficeName = text
	case bianmin.SettingPublicBaseURL:
		c.PublicBaseURL = text
	case bianmin.SettingIdleTimeout:
		c.IdleTimeout = time.Duration(n) * time.Second
	case bianmin.SettingCountdown:
		c.Countdown = time.Duration(n) * time.Second
	case bianmin.SettingLanguage:
		c.Language = text
	case bianmin.SettingTempIDPlace:
		c.TempID.Place = text
	case bianmin.SettingTempIDHours:
		c.TempID.Hours = text
	case bianmin.SettingOverpayLimitFen:
		c.Cash.OverpayLimitFen = n
	case bianmin.SettingReceiptFooter:
		c.ReceiptFooter = text
	default:
		return false
	}
	return true
}

// copySetting copies the field of a central setting from src to dst.
func copySetting(dst *Config, src Config, key string) {
	switch key {
	case bianmin.SettingOfficeName:
		dst.OfficeName = src.OfficeName
	case bianmin.SettingPublicBaseURL:
		dst.PublicBaseURL = src.PublicBaseURL
	case bianmin.SettingIdleTimeout:
		dst.IdleTimeout = src.IdleTimeout
	case bianmin.SettingCountdown:
		dst.Countdown = src.Countdown
	case bianmin.SettingLanguage:
		dst.Language = src.Language
	case bianmin.SettingTempIDPlace:
		dst.TempID.Place = src.TempID.Place
	case bianmin.SettingTempIDHours:
		dst.TempID.Hours = src.TempID.Hours
	case bianmin.SettingOverpayLimitFen:
		dst.Cash.OverpayLimitFen = src.Cash.OverpayLimitFen
	case bianmin.SettingReceiptFooter:
		dst.ReceiptFooter = src.ReceiptFooter
	}
}

// Central reports which settings the office sets on this kiosk now, for
// technician mode.
func (r *Runtime) Central() Central {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.central
}

// LocalConfig returns the kiosk's own configuration, before the office's
// settings are laid over it.
func (r *Runtime) LocalConfig() Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.local
}

// ReloadCentral lays the office's config entries the store holds now over
// the local configuration and applies the result, if the entries changed
// since the last time. A pull calls it (centralLocal); so does Open.
func (r *Runtime) ReloadCentral(ctx context.Context) error {
	r.cfgMu.Lock()
	defer r.cfgMu.Unlock()
	entries, err := r.DB.ConfigEntries(ctx)
	if err != nil {
		return fmt.Errorf("kiosk: office settings: %w", err)
	}
	r.mu.Lock()
	same := maps.EqualFunc(entries, r.entries, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) })
	local := r.local
	r.mu.Unlock()
	if same {
		return nil
	}
	cfg, st := Overlay(local, entries)
	r.logCentral(st)
	r.install(local, cfg, st, entries)
	return nil
}

// logCentral says which settings the office set, and why entries were
// ignored. Settings hold no personal data.
func (r *Runtime) logCentral(st Central) {
	r.Log.Info("office settings applied", "set", st.Set)
	for _, key := range slices.Sorted(maps.Keys(st.Ignored)) {
		r.Log.Warn("office setting ignored", "key", key, "reason", st.Ignored[key])
	}
}

// install makes local the saved configuration and cfg the one the kiosk
// runs with, and reopens the devices whose settings changed. The caller
// holds r.cfgMu.
func (r *Runtime) install(local, cfg Config, st Central, entries map[string]json.RawMessage) {
	r.mu.Lock()
	old := r.cfg
	r.local, r.cfg, r.central, r.entries = local, cfg, st, entries
	r.mu.Unlock()
	if old.Printer != cfg.Printer {
		r.Printer.Apply(cfg.Printer)
	}
	if old.IDReader != cfg.IDReader {
		r.IDReader.Apply(cfg.IDReader)
	}
	// The overpayment limit is read at each note (cashSink.route): the
	// office changing it must not reset an acceptor in the middle of a
	// payment.
	oldCash, newCash := old.Cash, cfg.Cash
	oldCash.OverpayLimitFen, newCash.OverpayLimitFen = 0, 0
	if oldCash != newCash {
		r.Cash.Apply(cfg.Cash)
	}
	if old.Scanner != cfg.Scanner || old.PublicBaseURL != cfg.PublicBaseURL {
		r.Scanner.Apply(cfg.Scanner) // slips are recognised under the public base URL
	}
}

// centralLocal is the kiosk store as the Syncer uses it: after every page
// of the feed it applies, the office's settings are read again, so a change
// takes effect in the round that pulled it, without a restart. Reading
// them after every page, not only after pages carrying config entries,
// also picks up what `kioskctl sync now` pulled in another process.
type centralLocal struct {
	*store.DB
	r *Runtime
}

func (l centralLocal) ApplyChanges(ctx context.Context, changes []wire.Change, cursor int64) error {
	if err := l.DB.ApplyChanges(ctx, changes, cursor); err != nil {
		return err
	}
	l.reload(ctx)
	return nil
}

func (l centralLocal) ReplaceClass(ctx context.Context, class string, changes []wire.Change) error {
	if err := l.DB.ReplaceClass(ctx, class, changes); err != nil {
		return err
	}
	if class == store.ClassConfig {
		l.reload(ctx)
	}
	return nil
}

// reload applies the settings; a failure to read them is logged, never the
// sync's: the page is stored, and the next round reads them again.
func (l centralLocal) reload(ctx context.Context) {
	if err := l.r.ReloadCentral(ctx); err != nil {
		l.r.Log.Error("office settings", "err", err)
	}
}
