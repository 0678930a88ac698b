package kiosk

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"bianmin"
	"bianmin/kiosk/receipt"
	"bianmin/kiosk/store"
)

// TempIDConfig is where and when residents collect a temporary resident ID
// card (SPEC §2.5); the application slip prints it. The county-level public
// security bureau makes the card, so this is the police station's counter,
// not the street office's.
type TempIDConfig struct {
	Place string `json:"place"` // where to collect, with the address
	Hours string `json:"hours"` // the counter's opening hours
	// Days is how many working days after the application the card is
	// ready; 0 means the same day.
	Days int `json:"days"`
}

// DefaultTempID is the collection of a new kiosk.
var DefaultTempID = TempIDConfig{
	Place: "南岗区公安分局花园街派出所户籍室（南岗区花园街218号）",
	Hours: "工作日 8:30–11:30，13:30–16:30",
	Days:  3,
}

// Validate reports an unusable collection setting.
func (c TempIDConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.Place) == "" || utf8.RuneCountInString(c.Place) > 80:
		return fmt.Errorf("config: temporary ID: the collection place must be 1–80 characters")
	case utf8.RuneCountInString(c.Hours) > 80:
		return fmt.Errorf("config: temporary ID: the opening hours must be at most 80 characters")
	case c.Days < 0 || c.Days > 30:
		return fmt.Errorf("config: temporary ID: the card is ready after 0–30 working days")
	}
	return nil
}

// ReadyOn is the first day the card of an application made at t can be
// collected: Days working days later, Saturdays and Sundays skipped.
// Public holidays are not known to the kiosk; the slip says "预计".
func (c TempIDConfig) ReadyOn(t time.Time) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
	for left := c.Days; left > 0; {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			left--
		}
	}
	return d
}

// TempIDAccount is the account the fee's payment carries: this kiosk's code.
// The fee has no biller account, and the payment reaches the gateway and
// officed's ledger, so it must not carry the applicant's ID number; the
// application names the payment's receipt instead (Application.Payment).
func (r *Runtime) TempIDAccount(ctx context.Context) (string, error) {
	return r.Code(ctx)
}

// SubmitApplication numbers, validates and queues a temporary-ID application
// whose fee is paid (a.Payment is the fee's receipt number), with its row for
// "check progress", in one transaction; it works offline. a gets its number
// and secret. An invalid application queues nothing.
func (r *Runtime) SubmitApplication(ctx context.Context, a *bianmin.Application) (string, error) {
	code, err := r.Code(ctx)
	if err != nil {
		return "", err
	}
	rec, err := r.DB.AddApplication(ctx, a, code, time.Now())
	if err != nil {
		return "", err
	}
	// Only the number and the reason: name, ID number and phone are never logged.
	r.Log.Info("application queued", "number", a.Number, "reason", a.Reason, "source", a.Source)
	return rec.ID, nil
}

// TempIDOrder returns the checkout order of the temporary-ID fee for a.
// Completing its payment queues a, with the fee's receipt number, in the
// payment's own transaction (Order.Finish): the fee and the application are
// stored together or not at all, so no money is taken for an application
// that was not queued. Once the payment completed, a holds its number and
// secret and *record the id of its outbox record.
func (r *Runtime) TempIDOrder(ctx context.Context, a *bianmin.Application, record *string) (Order, error) {
	code, err := r.TempIDAccount(ctx)
	if err != nil {
		return Order{}, err
	}
	return Order{Biller: "tempid", Account: code, DueFen: bianmin.TempIDFeeFen,
		Finish: func(ctx context.Context, tx *store.Tx, p bianmin.Payment) error {
			a.FeeFen, a.Payment = bianmin.TempIDFeeFen, p.Receipt
			rec, err := tx.AddApplication(ctx, a, code, time.Now())
			if err != nil {
				return err
			}
			*record = rec.ID
			r.Log.Info("application queued", "number", a.Number, "reason", a.Reason, "source", a.Source, "receipt", p.Receipt)
			return nil
		}}, nil
}

// ApplicationSlip renders the slip of a queued application paid by p.
func (r *Runtime) ApplicationSlip(a bianmin.Application, p bianmin.Payment, c Config) ([]byte, error) {
	return ApplicationSlip(a, p, c, time.Now())
}

// ApplicationSlip renders the slip of application a, paid by p, made at now.
func ApplicationSlip(a bianmin.Application, p bianmin.Payment, c Config, now time.Time) ([]byte, error) {
	return receipt.ApplicationSlip(a, p, receipt.Collection{Place: c.TempID.Place, Hours: c.TempID.Hours, From: c.TempID.ReadyOn(now)},
		c.Letterhead(), c.StatusURL(a.Number, a.Secret), now)
}
