package ui

import (
	"context"
	"log/slog"
	"time"

	"bianmin/kiosk"
)

// RuntimeDeps wires the screens to a kiosk runtime: its store, devices and
// sync. The kiosk binary and the end-to-end tests use the same wiring, so
// what the tests drive is what residents touch.
func RuntimeDeps(rt *kiosk.Runtime, log *slog.Logger) Deps {
	return Deps{
		Guides:       rt.DB,
		Printer:      rt.Printer,
		IDReader:     rt.IDReader,
		Scanner:      rt.Scanner,
		Cash:         rt.Cash,
		Checklist:    rt.Checklist,
		TestPage:     rt.TestPage,
		Config:       rt.Config,
		SaveConfig:   rt.SaveConfig,
		Ports:        rt.Ports,
		OfficeOnline: rt.OfficeOnline,
		Sync:         func(ctx context.Context) SyncInfo { return SyncInfo(rt.SyncInfo(ctx)) },
		SyncNow:      rt.SyncNow,
		Enroll: func(ctx context.Context, server, code string) error {
			_, err := rt.Enroll(ctx, server, code)
			return err
		},
		Communities:   rt.DB.Communities,
		SubmitTicket:  rt.SubmitTicket,
		TicketSlip:    rt.TicketSlip,
		LookupService: rt.LookupService,
		LastSync: func(ctx context.Context) time.Time {
			t, _ := rt.DB.LastSync(ctx)
			return t
		},
		Rate:            rt.Rate,
		TempIDOrder:     rt.TempIDOrder,
		ApplicationSlip: rt.ApplicationSlip,
		Log:             log,
	}
}
