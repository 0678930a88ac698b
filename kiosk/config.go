// Package kiosk holds the kiosk's configuration and the wiring shared by the
// kiosk binary and kioskctl. Screens live in kiosk/ui, storage in kiosk/store,
// receipt layouts in kiosk/receipt.
package kiosk

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"bianmin"
	"bianmin/devices/scanner"
	"bianmin/devices/serialport"
	"bianmin/kiosk/receipt"
)

// SettingsKey is the settings row holding Config.
const SettingsKey = "kiosk"

// Config is the kiosk's local configuration, edited in technician mode and saved
// in the kiosk database. The kiosk runs with the street office's central
// settings laid over it (Overlay, Runtime.Config).
type Config struct {
	OfficeName    string        `json:"office_name"`
	KioskName     string        `json:"kiosk_name"`
	PublicBaseURL string        `json:"public_base_url"` // officed's public address; guide QR codes point here
	Language      string        `json:"language"`        // "zh" or "en": the language a new session starts in
	Landscape     bool          `json:"landscape"`
	Printer       DeviceConfig  `json:"printer"`
	IDReader      DeviceConfig  `json:"id_reader"`
	Scanner       ScannerConfig `json:"scanner"`
	Cash          CashConfig    `json:"cash"`
	TechPINHash   string        `json:"tech_pin_hash"` // bcrypt
	IdleTimeout   time.Duration `json:"idle_timeout"`
	Countdown     time.Duration `json:"countdown"`
	TechIdle      time.Duration `json:"tech_idle"`
	// PurgeAfter is how long personal data stays on the kiosk after officed
	// acknowledged it (SPEC §4).
	PurgeAfter time.Duration `json:"purge_after"`
	// SyncEvery is the pause between sync rounds while officed answers.
	SyncEvery time.Duration `json:"sync_every"`
	// TempID is where and when temporary ID cards are collected (slip text).
	TempID TempIDConfig `json:"temp_id"`
	// ReceiptFooter is a line printed at the foot of every slip (a
	// hotline, a notice); "" for none. The office sets it centrally.
	ReceiptFooter string `json:"receipt_footer"`
}

// DeviceConfig is how one serial device is reached.
type DeviceConfig struct {
	Port string          `json:"port"`
	Baud int             `json:"baud"`
	Flow serialport.Flow `json:"flow"`
}

func (c DeviceConfig) port() string { return c.Port }

// ScannerConfig is how the payment-code scanner is reached.
type ScannerConfig struct {
	DeviceConfig
	Suffix scanner.Suffix `json:"suffix"`
}

// DefaultOverpayLimitFen is the overpayment a new kiosk keeps as credit:
// 50 元, so a resident paying a 60 元 bill with a 100 元 note can, and one
// paying a 10 元 fee with it gets the note back.
const DefaultOverpayLimitFen = 5000

// MaxOverpayLimitFen bounds the setting: 100 元, the largest note.
const MaxOverpayLimitFen = 10000

// DefaultTechPIN is the PIN of a new kiosk; the technician page asks to change it.
const DefaultTechPIN = "246810"

// defaultPINHash is computed once: bcrypt is deliberately slow, and every start
// of kioskctl builds the defaults.
var defaultPINHash = sync.OnceValue(func() string {
	h, err := bcrypt.GenerateFromPassword([]byte(DefaultTechPIN), bcrypt.DefaultCost)
	if err != nil {
		panic(err) // only fails for inputs over 72 bytes
	}
	return string(h)
})

// Defaults returns the configuration of a kiosk that was never set up.
func Defaults() Config {
	return Config{
		OfficeName:    "南岗区花园街道办事处",
		KioskName:     "kiosk-01",
		PublicBaseURL: "http://127.0.0.1:8080",
		Language:      "zh",
		Printer:       DeviceConfig{Baud: 115200, Flow: serialport.FlowNone},
		IDReader:      DeviceConfig{Baud: 115200, Flow: serialport.FlowNone},
		Scanner:       ScannerConfig{DeviceConfig: DeviceConfig{Baud: 9600}, Suffix: scanner.SuffixCR},
		Cash:          CashConfig{DeviceConfig: DeviceConfig{Baud: 9600}, Echo: true, OverpayLimitFen: DefaultOverpayLimitFen},
		TechPINHash:   defaultPINHash(),
		IdleTimeout:   60 * time.Second,
		Countdown:     10 * time.Second,
		TechIdle:      5 * time.Minute,
		PurgeAfter:    7 * 24 * time.Hour,
		SyncEvery:     30 * time.Second,
		TempID:        DefaultTempID,
	}
}

// Validate reports the first unusable setting.
func (c Config) Validate() error {
	if strings.TrimSpace(c.OfficeName) == "" {
		return errors.New("config: office name is empty")
	}
	u, err := url.Parse(c.PublicBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: public base URL %q must be an http(s) URL", c.PublicBaseURL)
	}
	if c.Language != "zh" && c.Language != "en" {
		return fmt.Errorf("config: language %q must be zh or en", c.Language)
	}
	if c.IdleTimeout < 10*time.Second || c.Countdown < 3*time.Second || c.TechIdle < time.Minute {
		return errors.New("config: idle timeout ≥ 10 s, countdown ≥ 3 s, technician idle ≥ 1 min")
	}
	if c.PurgeAfter < time.Minute || c.SyncEvery < time.Second {
		return errors.New("config: purge after ≥ 1 min, sync every ≥ 1 s")
	}
	if err := c.TempID.Validate(); err != nil {
		return err
	}
	if utf8.RuneCountInString(c.ReceiptFooter) > 40 || strings.IndexFunc(c.ReceiptFooter, unicode.IsControl) >= 0 {
		return errors.New("config: the receipt footer must be one line of at most 40 characters")
	}
	if c.Cash.OverpayLimitFen < 0 || c.Cash.OverpayLimitFen > MaxOverpayLimitFen {
		return fmt.Errorf("config: cash overpayment limit must be 0–%s 元", bianmin.FormatYuan(MaxOverpayLimitFen))
	}
	for role, d := range map[string]DeviceConfig{"printer": c.Printer, "ID-card reader": c.IDReader, "scanner": c.Scanner.DeviceConfig, "cash acceptor": c.Cash.DeviceConfig} {
		if d.Baud == 0 {
			continue
		}
		if err := (serialport.Config{Name: "x", Baud: d.Baud, Flow: d.Flow}).Validate(); err != nil {
			return fmt.Errorf("config: %s: %w", role, err)
		}
	}
	return nil
}

// CheckPIN reports whether pin opens technician mode.
func (c Config) CheckPIN(pin string) bool {
	return bcrypt.CompareHashAndPassword([]byte(c.TechPINHash), []byte(pin)) == nil
}

// SetPIN replaces the technician PIN; it must be 6–8 digits.
func (c *Config) SetPIN(pin string) error {
	if len(pin) < 6 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return errors.New("config: the PIN must be 6–8 digits")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pin), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	c.TechPINHash = string(h)
	return nil
}

// Letterhead is what the kiosk's slips say about the street office.
func (c Config) Letterhead() receipt.Letterhead {
	return receipt.Letterhead{Office: c.OfficeName, Footer: c.ReceiptFooter}
}

// GuideURL is the public page of a guide, encoded in checklist and phone QRs.
func (c Config) GuideURL(id string) string {
	return strings.TrimRight(c.PublicBaseURL, "/") + "/guides/" + url.PathEscape(id)
}

// ReportURL is officed's mobile report form (扫码点单, SPEC §2.4, §5.3): the
// home screen's QR, so a resident can report from the phone without the kiosk.
func (c Config) ReportURL() string {
	return strings.TrimRight(c.PublicBaseURL, "/") + "/report"
}

// Settings is where Config is kept (the kiosk store).
type Settings interface {
	Setting(ctx context.Context, key string, v any) (bool, error)
	PutSetting(ctx context.Context, key string, v any) error
}

// LoadConfig returns the saved config, or the defaults (saved) on first start.
func LoadConfig(ctx context.Context, s Settings) (Config, error) {
	c := Defaults()
	ok, err := s.Setting(ctx, SettingsKey, &c)
	if err != nil {
		return Config{}, err
	}
	if !ok {
		return c, s.PutSetting(ctx, SettingsKey, c)
	}
	return c, c.Validate()
}

// SaveConfig validates and saves c; an invalid config changes nothing.
func SaveConfig(ctx context.Context, s Settings, c Config) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return s.PutSetting(ctx, SettingsKey, c)
}
