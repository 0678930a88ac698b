package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"bianmin"
	"bianmin/devices/cash"
	"bianmin/devices/printer"
	"bianmin/devices/scanner"
	"bianmin/kiosk"
)

func (a *App) printerPage(t *techScreen) *devicePage {
	return &devicePage{
		app: a, tech: t, role: "tech.printer", testKey: "tech.test_print",
		config:    func(c kiosk.Config) kiosk.DeviceConfig { return c.Printer },
		setConfig: func(c *kiosk.Config, d kiosk.DeviceConfig) { c.Printer = d },
		liveStatus: func(ctx context.Context) string {
			st, err := a.deps.Printer.Status(ctx)
			if err != nil {
				return err.Error()
			}
			return statusText(st)
		},
		runTest: func(ctx context.Context, report func(string)) error {
			data, err := a.deps.TestPage(a.deps.Config())
			if err == nil {
				err = a.deps.Printer.Print(ctx, data)
			}
			if err == nil {
				report(tr("tech.test_printed"))
			}
			return err
		},
	}
}

// statusText is the printer's live status line in the session's language.
func statusText(st printer.Status) string {
	var parts []string
	for _, f := range []struct {
		on  bool
		key string
	}{
		{st.Offline, "status.offline"},
		{st.CoverOpen, "status.cover_open"},
		{st.PaperEnd || st.PaperEndStop, "status.paper_end"},
		{st.PaperNearEnd && !st.PaperEnd, "status.paper_near_end"},
		{st.CutterError, "status.cutter"},
		{st.Mechanical, "status.mechanical"},
		{st.Unrecoverable, "status.unrecoverable"},
		{st.Error && !st.CutterError && !st.Mechanical && !st.Unrecoverable, "status.error"},
	} {
		if f.on {
			parts = append(parts, tr(f.key))
		}
	}
	if len(parts) == 0 {
		return tr("status.ok")
	}
	return strings.Join(parts, "，")
}

func (a *App) idReaderPage(t *techScreen) *devicePage {
	return &devicePage{
		app: a, tech: t, role: "tech.idreader", testKey: "tech.read_card",
		config:    func(c kiosk.Config) kiosk.DeviceConfig { return c.IDReader },
		setConfig: func(c *kiosk.Config, d kiosk.DeviceConfig) { c.IDReader = d },
		liveStatus: func(ctx context.Context) string {
			if err := a.deps.IDReader.Status(ctx); err != nil {
				return err.Error()
			}
			return tr("status.ok")
		},
		runTest: func(ctx context.Context, report func(string)) error {
			report(tr("tech.place_card"))
			if err := a.deps.IDReader.WaitCard(ctx, 250*time.Millisecond); err != nil {
				return err
			}
			card, err := a.deps.IDReader.Read(ctx)
			if err != nil {
				return err
			}
			// Masked even here: technicians test with residents' real cards.
			report(fmt.Sprintf("%s · %s · %s · %s · %s", card.Type, bianmin.MaskName(card.Name), card.Gender,
				bianmin.MaskIDNumber(card.IDNumber), card.ValidTo))
			if err := bianmin.ValidateIDNumber(card.IDNumber); err != nil && card.Type != "foreign" {
				report(err.Error())
			}
			return nil
		},
	}
}

func (a *App) scannerPage(t *techScreen) *devicePage {
	var suffix *widget.Select
	return &devicePage{
		app: a, tech: t, role: "tech.scanner", testKey: "tech.scan_test",
		config:    func(c kiosk.Config) kiosk.DeviceConfig { return c.Scanner.DeviceConfig },
		setConfig: func(c *kiosk.Config, d kiosk.DeviceConfig) { c.Scanner.DeviceConfig = d },
		options: func() []*widget.FormItem {
			suffix = widget.NewSelect([]string{"cr", "lf", "crlf"}, func(string) { a.Touch() })
			suffix.Selected = a.deps.Config().Scanner.Suffix.String()
			return []*widget.FormItem{widget.NewFormItem(tr("tech.suffix"), suffix)}
		},
		applyOptions: func(c *kiosk.Config) error {
			sx, err := scanner.ParseSuffix(suffix.Selected)
			c.Scanner.Suffix = sx
			return err
		},
		liveStatus: func(ctx context.Context) string {
			st, err := a.deps.Scanner.Status(ctx)
			if err != nil {
				return err.Error()
			}
			return tr("tech.scanner_status", map[string]any{"Suffix": st.Suffix.String(), "Lines": st.Lines, "Errors": st.Errors})
		},
		runTest: func(ctx context.Context, report func(string)) error {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			report(tr("tech.scan_now"))
			for s := range a.deps.Scanner.Scans(ctx) {
				if s.Err != nil {
					if errors.Is(s.Err, kiosk.ErrNotConfigured) {
						return s.Err
					}
					report(tr("tech.scan_error", map[string]any{"Error": s.Err.Error()}))
					continue
				}
				report(s.Class.String() + " · " + s.String())
			}
			return nil
		},
	}
}

// overpayChoices are the overpayment limits a technician can pick, in 分.
var overpayChoices = []int64{0, 1000, 2000, 5000, 10000}

// cashBox shows what the cash box holds since the last collection and
// records a collection (SPEC §2.8: "collect" queues cash.collected and
// starts the counts again).
func (a *App) cashBox(t *techScreen) fyne.CanvasObject {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	box, err := a.deps.CashBox(ctx)
	cancel()
	text := tr("tech.cash_box_line", map[string]any{"Notes": box.Notes, "Coins": box.Coins, "Total": bianmin.FormatYuan(box.TotalFen)})
	if err != nil {
		text = tr("tech.error", map[string]any{"Error": err.Error()})
	}
	collect := a.button(tr("tech.cash_collect"), widget.MediumImportance, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := a.deps.CollectCash(ctx, "")
		cancel()
		if err != nil {
			t.message = tr("tech.error", map[string]any{"Error": err.Error()})
		} else {
			t.message = tr("tech.cash_collected", map[string]any{"Total": bianmin.FormatYuan(c.TotalFen), "Notes": c.Notes, "Coins": c.Coins})
		}
		a.render()
	})
	if box.Notes+box.Coins == 0 || a.deps.CollectCash == nil {
		collect.Disable()
	}
	return container.NewVBox(wrapLabel(text), collect)
}

// CashDevice is the cash acceptor as technician mode uses it (kiosk.CashSlot).
type CashDevice interface {
	Status(ctx context.Context) (cash.Status, error)
	// Test accepts notes until ctx ends, reporting each event; bills are
	// returned from escrow.
	Test(ctx context.Context, report func(line string)) error
}

func (a *App) cashPage(t *techScreen) *devicePage {
	var echo, crc, coins *widget.Check
	var limit *widget.Select
	return &devicePage{
		app: a, tech: t, role: "tech.cash", testKey: "tech.cash_test",
		config:    func(c kiosk.Config) kiosk.DeviceConfig { return c.Cash.DeviceConfig },
		setConfig: func(c *kiosk.Config, d kiosk.DeviceConfig) { c.Cash.DeviceConfig = d },
		options: func() []*widget.FormItem {
			cfg := a.deps.Config().Cash
			echo = widget.NewCheck(tr("tech.cash_echo"), func(bool) { a.Touch() })
			echo.Checked = cfg.Echo
			crc = widget.NewCheck(tr("tech.cash_crc"), func(bool) { a.Touch() })
			crc.Checked = cfg.CRC
			coins = widget.NewCheck(tr("tech.cash_coins"), func(bool) { a.Touch() })
			coins.Checked = cfg.Coins
			// The overpayment kept as credit (SPEC §2.6): a few round amounts
			// up to the largest note, picked, never typed.
			var choices []string
			for _, fen := range overpayChoices {
				choices = append(choices, bianmin.FormatYuan(fen))
			}
			limit = widget.NewSelect(choices, func(string) { a.Touch() })
			limit.Selected = bianmin.FormatYuan(cfg.OverpayLimitFen)
			var limitField fyne.CanvasObject = limit
			if a.central().Sets(bianmin.SettingOverpayLimitFen) {
				limit, limitField = nil, centralField(bianmin.FormatYuan(cfg.OverpayLimitFen))
			}
			items := []*widget.FormItem{
				widget.NewFormItem(tr("tech.options"), container.NewVBox(echo, crc, coins)),
				widget.NewFormItem(tr("tech.cash_overpay"), limitField),
			}
			if a.deps.CashBox != nil {
				items = append(items, widget.NewFormItem(tr("tech.cash_box"), a.cashBox(t)))
			}
			return items
		},
		applyOptions: func(c *kiosk.Config) error {
			c.Cash.Echo, c.Cash.CRC, c.Cash.Coins = echo.Checked, crc.Checked, coins.Checked
			for _, fen := range overpayChoices {
				if limit != nil && bianmin.FormatYuan(fen) == limit.Selected { // nil: the office sets it
					c.Cash.OverpayLimitFen = fen
				}
			}
			return nil
		},
		liveStatus: func(ctx context.Context) string {
			st, err := a.deps.Cash.Status(ctx)
			if err == nil {
				err = st.Err()
			}
			if err != nil {
				return err.Error()
			}
			return tr("tech.cash_status", map[string]any{"Product": st.Bill.Manufacturer + " " + st.Bill.Product, "Counter": st.Bill.Counter})
		},
		runTest: func(ctx context.Context, report func(string)) error {
			ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
			defer cancel()
			report(tr("tech.cash_insert"))
			return a.deps.Cash.Test(ctx, report)
		},
	}
}
