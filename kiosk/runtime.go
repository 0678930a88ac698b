package kiosk

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"bianmin"
	"bianmin/assets"
	"bianmin/devices/cash"
	"bianmin/devices/idcard"
	"bianmin/devices/printer"
	"bianmin/devices/scanner"
	"bianmin/devices/serialport"
	"bianmin/kiosk/keyring"
	"bianmin/kiosk/receipt"
	"bianmin/kiosk/store"
	"bianmin/sync/client"
)

// DBFile is the kiosk database inside the data directory.
const DBFile = "kiosk.db"

// Runtime is a running kiosk's back end: database, configuration and devices.
// The kiosk binary hands its methods to the UI; kioskctl uses the same data
// directory through it.
type Runtime struct {
	DB       *store.DB
	Printer  *PrinterSlot
	IDReader *IDReaderSlot
	Scanner  *ScannerSlot
	Cash     *CashSlot
	// PortGlobs are extra places where serial ports live (simulator links), added
	// to the system's list for the technician's port picker.
	PortGlobs []string
	Log       *slog.Logger
	// Keys seal personal data in DB and sign requests to officed.
	Keys *keyring.Keys
	// PayPoll and PayWait pace a mobile payment the resident confirms on the
	// phone: the pause between queries and how long before the kiosk
	// cancels; zero means DefaultPayPoll and DefaultPayWait.
	PayPoll, PayWait time.Duration

	mu       sync.Mutex
	cfg      Config // local with the office's settings laid over it (Overlay)
	local    Config // as saved by SaveConfig
	central  Central
	entries  map[string]json.RawMessage // the office's config entries cfg was made from
	cfgMu    sync.Mutex                 // serialises SaveConfig and ReloadCentral
	started  time.Time
	syncer   *client.Syncer
	stopSync func()          // ends the background rounds of syncer
	runCtx   context.Context // the app's lifetime, once RunSync was called
	payKick  chan struct{}   // wakes RunPayments
}

// Open opens the kiosk in dataDir (created if missing): the database with the
// shipped guides, member units and grid data on first start, the saved
// configuration, and the printer.
func Open(ctx context.Context, dataDir string, log *slog.Logger) (*Runtime, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("kiosk: data directory: %w", err)
	}
	keys, err := keyring.Load(dataDir)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, filepath.Join(dataDir, DBFile))
	if err != nil {
		return nil, err
	}
	db.SetSealer(keys)
	guides, err := assets.Guides()
	if err != nil {
		db.Close()
		return nil, err
	}
	n, err := db.SeedGuides(ctx, guides)
	if err != nil {
		db.Close()
		return nil, err
	}
	if n > 0 {
		log.Info("loaded shipped guides", "count", n)
	}
	if err := seedContent(ctx, db, log); err != nil {
		db.Close()
		return nil, err
	}
	local, err := LoadConfig(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	entries, err := db.ConfigEntries(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	cfg, central := Overlay(local, entries)
	r := &Runtime{DB: db, Log: log, Keys: keys, cfg: cfg, local: local, central: central, entries: entries, started: time.Now()}
	if len(entries) > 0 {
		r.logCentral(central)
	}
	r.Printer = NewPrinterSlot(OpenPrinter)
	r.Printer.Apply(cfg.Printer)
	r.IDReader = NewIDReaderSlot(OpenIDReader)
	r.IDReader.Apply(cfg.IDReader)
	r.Scanner = NewScannerSlot(func(c ScannerConfig) (scanner.Scanner, error) { return r.openScanner(c) })
	r.Scanner.Apply(cfg.Scanner)
	r.Cash = &CashSlot{slot: slot[CashConfig, *cash.Driver]{name: "cash acceptor", none: ErrNoCash, open: r.openCash,
		port: func(c CashConfig) string { return c.Port }}, sink: &cashSink{r: r, seen: map[string]int{}}}
	r.Cash.Apply(cfg.Cash)
	return r, nil
}

// seedContent loads the shipped member units and grid data on a kiosk that
// has never synced, so the report flow's pickers work before the first sync.
// Only counts are logged: grid data holds grid workers' phones.
func seedContent(ctx context.Context, db *store.DB, log *slog.Logger) error {
	units, err := assets.Units()
	if err != nil {
		return err
	}
	grid, err := assets.Grid()
	if err != nil {
		return err
	}
	nu, err := db.SeedUnits(ctx, units)
	if err != nil {
		return err
	}
	ng, err := db.SeedGrid(ctx, grid)
	if err != nil {
		return err
	}
	if nu > 0 || ng > 0 {
		log.Info("loaded shipped units and grid", "units", nu, "communities", ng)
	}
	return nil
}

// OpenPrinter opens the ESC/POS driver for a device config.
func OpenPrinter(c DeviceConfig) (printer.Printer, error) {
	return printer.Open(printer.Config{Port: c.Port, Baud: c.Baud, Flow: c.Flow})
}

// OpenIDReader opens the ID-card reader driver for a device config. The driver
// connects lazily, so a reader plugged in later is found.
func OpenIDReader(c DeviceConfig) (idcard.Reader, error) {
	return idcard.New(idcard.Config{Port: c.Port, Baud: c.Baud, Flow: c.Flow})
}

// openScanner opens the scanner driver; slips are recognised under the public
// base URL.
func (r *Runtime) openScanner(c ScannerConfig) (scanner.Scanner, error) {
	return scanner.New(scanner.Config{Port: c.Port, Baud: c.Baud, Flow: c.Flow, Suffix: c.Suffix, SlipBase: r.Config().PublicBaseURL})
}

// Close releases the devices and the database.
func (r *Runtime) Close() error {
	r.Printer.Apply(DeviceConfig{})
	r.IDReader.Apply(DeviceConfig{})
	r.Scanner.Apply(ScannerConfig{})
	r.Cash.Apply(CashConfig{})
	return r.DB.Close()
}

// Config returns the current configuration.
func (r *Runtime) Config() Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cfg
}

// SaveConfig validates and stores c as the kiosk's local configuration,
// then applies it: a changed printer setting reopens the printer at once.
// The settings the office sets now (Central) keep their saved local value,
// since c, taken from Config, carries the office's: that local value comes
// back when the office stops setting them.
func (r *Runtime) SaveConfig(c Config) error {
	r.cfgMu.Lock()
	defer r.cfgMu.Unlock()
	r.mu.Lock()
	local, central, entries := r.local, r.central, r.entries
	r.mu.Unlock()
	for _, key := range central.Set {
		copySetting(&c, local, key)
	}
	if err := SaveConfig(context.Background(), r.DB, c); err != nil {
		return err
	}
	cfg, st := Overlay(c, entries)
	r.install(c, cfg, st, entries)
	return nil
}

// Checklist renders the 一次性告知 slip of g.
func (r *Runtime) Checklist(g bianmin.Guide, c Config) ([]byte, error) {
	return receipt.Checklist(g, c.Letterhead(), c.GuideURL(g.ID), time.Now())
}

// TestPage renders the technician test page for the configured printer.
func (r *Runtime) TestPage(c Config) ([]byte, error) {
	return receipt.TestPage(receipt.TestInfo{
		Office: c.OfficeName, Kiosk: c.KioskName, Port: c.Printer.Port,
		Baud: c.Printer.Baud, Flow: c.Printer.Flow.String(), Now: time.Now(),
	})
}

// Ports lists serial ports for the technician, live.
func (r *Runtime) Ports() []string {
	ports, err := serialport.List(r.PortGlobs...)
	if err != nil {
		r.Log.Warn("listing serial ports", "err", err)
	}
	return ports
}

var healthClient = &http.Client{Timeout: 3 * time.Second}

// OfficeOnline reports whether officed answers its health check.
func (r *Runtime) OfficeOnline(ctx context.Context) bool {
	url := strings.TrimRight(r.Config().PublicBaseURL, "/") + "/healthz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := healthClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
