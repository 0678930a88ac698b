package ui

import (
	"context"
	"log/slog"
	"time"

	"bianmin"
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
		Central:      rt.Central,
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
		Payments:        runtimePayments{rt},
		LookupBill:      rt.LookupBill,
		HouseholdBills:  rt.HouseholdBills,
		PaymentSlip:     rt.PaymentSlip,
		CashBox:         rt.DB.CashBox,
		CollectCash:     rt.CollectCash,
		Log:             log,
	}
}

// runtimePayments is the runtime as the checkout's Payments.
type runtimePayments struct{ rt *kiosk.Runtime }

func (p runtimePayments) CashReady(ctx context.Context) error   { return p.rt.CashReady(ctx) }
func (p runtimePayments) MobileReady(ctx context.Context) error { return p.rt.MobileReady(ctx) }

func (p runtimePayments) OpenCash(ctx context.Context, o kiosk.Order, update func(kiosk.CashUpdate)) (CashPayment, error) {
	cp, err := p.rt.OpenCash(ctx, o, update)
	if err != nil {
		return nil, err
	}
	return cp, nil
}

func (p runtimePayments) PayMobile(ctx context.Context, o kiosk.Order, code string, progress func(bianmin.PayResult)) (kiosk.Paid, error) {
	return p.rt.PayMobile(ctx, o, code, progress)
}
