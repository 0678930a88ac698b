package kiosk

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"bianmin"
	"bianmin/devices/escpos"
)

func TestTempIDReadyOnSkipsWeekends(t *testing.T) {
	wed := time.Date(2026, 11, 25, 15, 0, 0, 0, time.Local) // a Wednesday
	for _, tc := range []struct {
		days int
		want string
	}{{0, "2026-11-25"}, {1, "2026-11-26"}, {3, "2026-11-30"}, {5, "2026-12-02"}} {
		c := TempIDConfig{Place: "x", Days: tc.days}
		if got := c.ReadyOn(wed).Format("2006-01-02"); got != tc.want {
			t.Errorf("%d working days after %s: %s, want %s", tc.days, wed.Format("2006-01-02"), got, tc.want)
		}
	}
	sat := time.Date(2026, 11, 28, 10, 0, 0, 0, time.Local)
	if got := (TempIDConfig{Days: 1}).ReadyOn(sat).Format("2006-01-02"); got != "2026-11-30" {
		t.Errorf("1 working day after a Saturday: %s", got)
	}
}

func TestTempIDConfigValidated(t *testing.T) {
	for name, mutate := range map[string]func(c *TempIDConfig){
		"no place":      func(c *TempIDConfig) { c.Place = " " },
		"long place":    func(c *TempIDConfig) { c.Place = strings.Repeat("所", 81) },
		"negative days": func(c *TempIDConfig) { c.Days = -1 },
		"a year":        func(c *TempIDConfig) { c.Days = 365 },
	} {
		t.Run(name, func(t *testing.T) {
			c := Defaults()
			mutate(&c.TempID)
			if err := c.Validate(); err == nil {
				t.Error("accepted")
			}
		})
	}
	if err := Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

// SubmitApplication queues the application with its services row, logs no
// personal data, and its slip prints the number and the status QR.
func TestSubmitApplicationAndSlip(t *testing.T) {
	ctx := context.Background()
	var logs strings.Builder
	rt, err := Open(ctx, t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	rt.Log = slog.New(slog.NewTextHandler(&logs, nil))
	a := bianmin.Application{IDNumber: "230103198503121239", Name: "张秀英", Source: "keypad", Reason: "damaged",
		Phone: "13812345678", FeeFen: bianmin.TempIDFeeFen, Payment: "P20261125-483920-0001"}
	record, err := rt.SubmitApplication(ctx, &a)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := rt.Code(ctx)
	if !strings.HasPrefix(a.Number, "A") || !strings.Contains(a.Number, "-"+code+"-") {
		t.Errorf("number %q does not carry the kiosk code %s", a.Number, code)
	}
	svc, err := rt.LookupService(ctx, strings.ToLower(a.Number))
	if err != nil || svc.Record != record || svc.Kind != "application" {
		t.Fatalf("lookup %+v %v", svc, err)
	}
	for _, p := range []string{a.Name, a.IDNumber, a.Phone, a.Secret} {
		if strings.Contains(logs.String(), p) {
			t.Errorf("log holds %q:\n%s", p, logs.String())
		}
	}
	if !strings.Contains(logs.String(), a.Number) {
		t.Errorf("log lacks the application number:\n%s", logs.String())
	}

	pay := bianmin.Payment{Receipt: a.Payment, Biller: "tempid", Account: code, DueFen: 1000, PaidFen: 1000, Method: "cash", Notes: []int64{1000}}
	cfg := rt.Config()
	slip, err := rt.ApplicationSlip(a, pay, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := escpos.Decode(slip)
	if err != nil {
		t.Fatal(err)
	}
	text := escpos.PlainText(cmds)
	for _, want := range []string{a.Number, "10.00 元", a.Payment, "花园街派出所"} {
		if !strings.Contains(text, want) {
			t.Errorf("slip lacks %q", want)
		}
	}
	var qr string
	for _, c := range cmds {
		if c.Kind == escpos.KindQRStore {
			qr = string(c.Data)
		}
	}
	if qr != cfg.StatusURL(a.Number, a.Secret) {
		t.Errorf("QR %q", qr)
	}

	bad := a
	bad.Number, bad.Secret, bad.Phone = "", "", "1381234567"
	if _, err := rt.SubmitApplication(ctx, &bad); bianmin.ErrorCode(err) != bianmin.EINVALID {
		t.Errorf("a 10-digit phone: %v", err)
	}
	counts, _ := rt.DB.QueueCounts(ctx)
	if len(counts) != 1 || counts[0].Count != 1 {
		t.Errorf("queue %+v: the refused application must queue nothing", counts)
	}
}
