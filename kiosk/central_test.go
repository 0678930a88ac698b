package kiosk

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/serialport"
	"bianmin/kiosk/store"
	"bianmin/sync/wire"
)

// localConfig is a kiosk's own configuration with devices and a PIN set.
func localConfig(t *testing.T) Config {
	t.Helper()
	c := Defaults()
	c.OfficeName = "本机设置的办事处"
	c.Printer = DeviceConfig{Port: "/dev/ttyS1", Baud: 115200, Flow: serialport.FlowRTSCTS}
	c.IDReader = DeviceConfig{Port: "/dev/ttyS2", Baud: 115200}
	c.Scanner.DeviceConfig = DeviceConfig{Port: "/dev/ttyS3", Baud: 9600}
	c.Cash.DeviceConfig = DeviceConfig{Port: "/dev/ttyS4", Baud: 9600}
	if err := c.SetPIN("13572468"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func entries(kv ...string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = json.RawMessage(kv[i+1])
	}
	return m
}

func TestOverlayAppliesEverySetting(t *testing.T) {
	local := localConfig(t)
	got, st := Overlay(local, entries(
		bianmin.SettingOfficeName, `"南岗区花园街道办事处（中心设置）"`,
		bianmin.SettingPublicBaseURL, `"https://bianmin.example.cn"`,
		bianmin.SettingIdleTimeout, `90`,
		bianmin.SettingCountdown, `15`,
		bianmin.SettingLanguage, `"en"`,
		bianmin.SettingTempIDPlace, `"花园街派出所户籍室"`,
		bianmin.SettingTempIDHours, `"工作日 9:00–17:00"`,
		bianmin.SettingOverpayLimitFen, `2000`,
		bianmin.SettingReceiptFooter, `"便民服务热线 12345"`,
	))
	want := local
	want.OfficeName, want.PublicBaseURL, want.Language = "南岗区花园街道办事处（中心设置）", "https://bianmin.example.cn", "en"
	want.IdleTimeout, want.Countdown = 90*time.Second, 15*time.Second
	want.TempID.Place, want.TempID.Hours = "花园街派出所户籍室", "工作日 9:00–17:00"
	want.Cash.OverpayLimitFen, want.ReceiptFooter = 2000, "便民服务热线 12345"
	if got != want {
		t.Errorf("Overlay =\n%+v\nwant\n%+v", got, want)
	}
	var keys []string
	for _, s := range bianmin.KioskSettings {
		keys = append(keys, s.Key)
	}
	if !slices.Equal(st.Set, keys) || len(st.Ignored) != 0 {
		t.Errorf("Central = %+v", st)
	}
	if err := got.Validate(); err != nil {
		t.Error(err)
	}
}

// Every value the office may publish is one the kiosk's configuration
// takes: the two sides check with the same rules at their limits.
func TestOverlayTakesTheOfficesLimits(t *testing.T) {
	local := localConfig(t)
	for _, s := range bianmin.KioskSettings {
		var values []string
		if s.Number {
			values = []string{jsonOf(s.Min), jsonOf(s.Max)}
		} else {
			switch s.Key {
			case bianmin.SettingPublicBaseURL:
				values = []string{`"http://10.0.0.1:8080"`, `"https://` + strings.Repeat("a", int(s.Max)-8) + `"`}
			case bianmin.SettingLanguage:
				values = []string{`"zh"`, `"en"`}
			default:
				values = []string{`"` + strings.Repeat("街", int(s.Min)) + `"`, `"` + strings.Repeat("街", int(s.Max)) + `"`}
			}
		}
		for _, v := range values {
			if _, _, err := s.Parse([]byte(v)); err != nil {
				t.Fatalf("%s %s: the office refuses its own limit: %v", s.Key, v, err)
			}
			if _, st := Overlay(local, entries(s.Key, v)); !st.Sets(s.Key) {
				t.Errorf("%s = %s: the office accepts it, the kiosk ignores it: %v", s.Key, v, st.Ignored)
			}
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestOverlayIgnoresBadEntries(t *testing.T) {
	local := localConfig(t)
	bad := entries(
		bianmin.SettingOfficeName, `""`,
		bianmin.SettingPublicBaseURL, `"javascript:alert(1)"`,
		bianmin.SettingIdleTimeout, `"90"`,
		bianmin.SettingCountdown, `1`,
		bianmin.SettingLanguage, `"fr"`,
		bianmin.SettingTempIDPlace, `null`,
		bianmin.SettingTempIDHours, `{"x":1}`,
		bianmin.SettingOverpayLimitFen, `1e9`,
		bianmin.SettingReceiptFooter, `"第一行\n第二行"`,
		"future.setting", `true`,
	)
	got, st := Overlay(local, bad)
	if got != local {
		t.Errorf("bad entries changed the configuration:\n%+v\nwant\n%+v", got, local)
	}
	if len(st.Set) != 0 || len(st.Ignored) != len(bad) {
		t.Errorf("Central = %+v; want all %d ignored", st, len(bad))
	}
	// One bad entry does not hide a good one.
	got, st = Overlay(local, entries(bianmin.SettingIdleTimeout, `-5`, bianmin.SettingOfficeName, `"花园街道"`))
	if got.OfficeName != "花园街道" || got.IdleTimeout != local.IdleTimeout || !st.Sets(bianmin.SettingOfficeName) ||
		st.Sets(bianmin.SettingIdleTimeout) || st.Ignored[bianmin.SettingIdleTimeout] == "" {
		t.Errorf("mixed entries: %+v, %+v", got, st)
	}
}

// No entry reaches the devices or the PIN: they have no key, and entries
// named after them (or carrying a whole configuration) are ignored.
func TestOverlayNeverTouchesDevicesOrPIN(t *testing.T) {
	local := localConfig(t)
	whole, _ := json.Marshal(Defaults())
	got, st := Overlay(local, entries(
		"printer", `{"port":"/dev/evil","baud":9600}`,
		"printer.port", `"/dev/evil"`,
		"cash.baud", `4800`,
		"tech_pin_hash", `"$2a$10$abcdefghijklmnopqrstuv"`,
		"kiosk", string(whole),
		bianmin.SettingOfficeName, `"花园街道"`,
	))
	if got.Printer != local.Printer || got.IDReader != local.IDReader || got.Scanner != local.Scanner ||
		got.Cash.DeviceConfig != local.Cash.DeviceConfig || got.TechPINHash != local.TechPINHash || !got.CheckPIN("13572468") {
		t.Errorf("devices or PIN changed:\n%+v", got)
	}
	if len(st.Ignored) != 5 || !st.Sets(bianmin.SettingOfficeName) {
		t.Errorf("Central = %+v", st)
	}
	// Each setting, at any value, leaves every device field alone.
	for _, s := range bianmin.KioskSettings {
		c := local
		if !setSetting(&c, s.Key, "x", 1) {
			t.Errorf("%s: no field", s.Key)
		}
		if c.Printer != local.Printer || c.IDReader != local.IDReader || c.Scanner != local.Scanner ||
			c.Cash.DeviceConfig != local.Cash.DeviceConfig || c.Cash.Echo != local.Cash.Echo || c.TechPINHash != local.TechPINHash {
			t.Errorf("%s reaches a device or the PIN", s.Key)
		}
		copySetting(&c, local, s.Key)
		if c != local {
			t.Errorf("%s: copySetting does not restore the field setSetting set", s.Key)
		}
	}
}

// put and del are feed changes of the config class.
func put(seq int64, key, data string) wire.Change {
	return wire.Change{Seq: seq, Class: store.ClassConfig, Key: key, Op: "put", Data: json.RawMessage(data)}
}

func del(seq int64, key string) wire.Change {
	return wire.Change{Seq: seq, Class: store.ClassConfig, Key: key, Op: "delete"}
}

// The runtime runs with the office's settings once a pull stores them, keeps
// its own configuration underneath (technician saves do not take the
// office's values in), falls back to it when the office stops setting one,
// and starts with the office's settings after a restart.
func TestRuntimeLaysOfficeSettingsOverLocal(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	rt, err := Open(ctx, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	localName := rt.Config().OfficeName
	feed := centralLocal{rt.DB, rt}
	if err := feed.ApplyChanges(ctx, []wire.Change{
		put(1, bianmin.SettingOfficeName, `"花园街道（中心）"`),
		put(2, bianmin.SettingOverpayLimitFen, `1000`),
		put(3, bianmin.SettingCountdown, `"soon"`),
	}, 3); err != nil {
		t.Fatal(err)
	}
	cfg := rt.Config()
	if cfg.OfficeName != "花园街道（中心）" || cfg.Cash.OverpayLimitFen != 1000 || cfg.Countdown != Defaults().Countdown {
		t.Fatalf("after the pull: name %q, limit %d, countdown %v", cfg.OfficeName, cfg.Cash.OverpayLimitFen, cfg.Countdown)
	}
	if c := rt.Central(); !c.Sets(bianmin.SettingOfficeName) || c.Ignored[bianmin.SettingCountdown] == "" {
		t.Errorf("Central = %+v", c)
	}
	if !strings.Contains(logs.String(), "office setting ignored") || !strings.Contains(logs.String(), bianmin.SettingCountdown) {
		t.Errorf("the ignored entry is not logged:\n%s", logs.String())
	}

	// A technician saves a device setting from the running configuration:
	// the office's values are not saved as the kiosk's own.
	cfg.Printer.Port = "/dev/ttyUSB0"
	if err := rt.SaveConfig(cfg); err != nil {
		t.Fatal(err)
	}
	saved, err := LoadConfig(ctx, rt.DB)
	if err != nil {
		t.Fatal(err)
	}
	if saved.OfficeName != localName || saved.Cash.OverpayLimitFen != DefaultOverpayLimitFen || saved.Printer.Port != "/dev/ttyUSB0" {
		t.Errorf("saved local config: name %q, limit %d, port %q", saved.OfficeName, saved.Cash.OverpayLimitFen, saved.Printer.Port)
	}
	if got := rt.Config(); got.OfficeName != "花园街道（中心）" || got.Printer.Port != "/dev/ttyUSB0" {
		t.Errorf("after the save: name %q, port %q", got.OfficeName, got.Printer.Port)
	}

	// A restart starts with the office's settings.
	rt.Close()
	if rt, err = Open(ctx, dir, log); err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	if got := rt.Config(); got.OfficeName != "花园街道（中心）" || got.Cash.OverpayLimitFen != 1000 || got.Printer.Port != "/dev/ttyUSB0" {
		t.Errorf("after a restart: name %q, limit %d, port %q", got.OfficeName, got.Cash.OverpayLimitFen, got.Printer.Port)
	}

	// The office stops setting the name: the kiosk's own comes back.
	feed = centralLocal{rt.DB, rt}
	if err := feed.ApplyChanges(ctx, []wire.Change{del(4, bianmin.SettingOfficeName)}, 4); err != nil {
		t.Fatal(err)
	}
	if got := rt.Config(); got.OfficeName != localName || got.Cash.OverpayLimitFen != 1000 {
		t.Errorf("after the office removed the name: name %q, limit %d", got.OfficeName, got.Cash.OverpayLimitFen)
	}
	// A refetch of the class without entries drops them all.
	if err := feed.ReplaceClass(ctx, store.ClassConfig, nil); err != nil {
		t.Fatal(err)
	}
	if got, c := rt.Config(), rt.Central(); got.Cash.OverpayLimitFen != DefaultOverpayLimitFen || len(c.Set) != 0 {
		t.Errorf("after a refetch with no entries: limit %d, central %+v", got.Cash.OverpayLimitFen, c)
	}
	if got := rt.LocalConfig(); got.OfficeName != localName {
		t.Errorf("LocalConfig = %q", got.OfficeName)
	}
}
