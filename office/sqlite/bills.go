package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"bianmin"
	"bianmin/office"
)

// ReplaceBills implements office.BillService. Only what changed goes on the
// feed: new or changed bills as puts, accounts no longer billed as deletes.
// Updated counts as a change, so every bill of the import is put again and
// kiosks learn how fresh their cached copy is.
func (s *Store) ReplaceBills(ctx context.Context, biller string, bills []bianmin.Bill, at time.Time) error {
	if err := office.ValidateBills(biller, bills); err != nil {
		return err
	}
	at = at.UTC().Truncate(time.Microsecond)
	return s.update(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT account FROM bills WHERE biller = ?", biller)
		if err != nil {
			return err
		}
		old := map[string]bool{}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return err
			}
			old[a] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM bills WHERE biller = ?", biller); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO bills (biller, account, holder, amount_fen, period, updated)
			VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, b := range bills {
			b.Updated = at
			if _, err := stmt.ExecContext(ctx, b.Biller, b.Account, b.Holder, b.AmountFen, b.Period, formatTime(at)); err != nil {
				return err
			}
			it, err := office.BillItem(b)
			if err != nil {
				return err
			}
			if err := putChange(ctx, tx, office.ClassBills, it, at); err != nil {
				return err
			}
			delete(old, b.Account)
		}
		for a := range old {
			if err := putChange(ctx, tx, office.ClassBills, office.Item{Key: bianmin.BillKey(biller, a)}, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// Bill implements office.BillService.
func (s *Store) Bill(ctx context.Context, biller, account string) (bianmin.Bill, error) {
	b := bianmin.Bill{Biller: biller, Account: account}
	var updated string
	err := s.ro.QueryRowContext(ctx, "SELECT holder, amount_fen, period, updated FROM bills WHERE biller = ? AND account = ?",
		biller, account).Scan(&b.Holder, &b.AmountFen, &b.Period, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return bianmin.Bill{}, notFound("no %s bill for this account", biller)
	}
	if err != nil {
		return bianmin.Bill{}, err
	}
	b.Updated, err = parseTime(updated)
	return b, err
}

// HouseholdBills implements office.BillService.
func (s *Store) HouseholdBills(ctx context.Context, biller, holder string, limit int) ([]bianmin.Bill, error) {
	rows, err := s.ro.QueryContext(ctx, `SELECT account, holder, amount_fen, period, updated FROM bills
		WHERE biller = ? AND holder = ? ORDER BY account LIMIT ?`, biller, holder, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []bianmin.Bill{}
	for rows.Next() {
		b := bianmin.Bill{Biller: biller}
		var updated string
		if err := rows.Scan(&b.Account, &b.Holder, &b.AmountFen, &b.Period, &updated); err != nil {
			return nil, err
		}
		if b.Updated, err = parseTime(updated); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}
