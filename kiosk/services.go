package kiosk

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"time"

	"bianmin"
	"bianmin/kiosk/receipt"
	"bianmin/kiosk/store"
)

const codeKey = "kiosk.code"

// Code is this kiosk's short numeric code inside public numbers
// (T20261125-483920-0042). Digits only, so residents can type a number on the
// progress keypad; six random digits, fixed on first start.
func (r *Runtime) Code(ctx context.Context) (string, error) {
	var code string
	ok, err := r.DB.Setting(ctx, codeKey, &code)
	if err != nil || ok {
		return code, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(900000))
	if err != nil {
		return "", err
	}
	code = fmt.Sprint(100000 + n.Int64())
	return code, r.DB.PutSetting(ctx, codeKey, code)
}

// StatusURL is the public status page of a ticket or application; the secret
// travels only in slips' QR codes.
func (c Config) StatusURL(number, secret string) string {
	return strings.TrimRight(c.PublicBaseURL, "/") + "/status/" + url.PathEscape(number) + "?s=" + url.QueryEscape(secret)
}

// SubmitTicket numbers, validates and queues a problem report at once (it
// works offline); t gets its number and secret.
func (r *Runtime) SubmitTicket(ctx context.Context, t *bianmin.Ticket) (string, error) {
	code, err := r.Code(ctx)
	if err != nil {
		return "", err
	}
	t.Channel = "kiosk"
	rec, err := r.DB.AddTicket(ctx, t, code, time.Now())
	if err != nil {
		return "", err
	}
	r.Log.Info("ticket queued", "number", t.Number, "category", t.Category)
	return rec.ID, nil
}

// TicketSlip renders the slip of a queued ticket.
func (r *Runtime) TicketSlip(t bianmin.Ticket, place string, c Config) ([]byte, error) {
	return receipt.TicketSlip(t, place, c.Letterhead(), c.StatusURL(t.Number, t.Secret), time.Now())
}

// Rate queues a rating of a completed service.
func (r *Runtime) Rate(ctx context.Context, rt bianmin.Rating) error {
	if err := rt.Validate(); err != nil {
		return err
	}
	_, err := r.DB.Append(ctx, bianmin.KindRating, 1, rt, time.Now())
	return err
}

// LookupService finds a ticket or application for "check progress".
func (r *Runtime) LookupService(ctx context.Context, number string) (store.Service, error) {
	return r.DB.LookupService(ctx, strings.ToUpper(strings.TrimSpace(number)))
}
