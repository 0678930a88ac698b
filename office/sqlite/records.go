package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"bianmin/office"
	"bianmin/sync/wire"
)

// Ingest implements office.RecordService. Only records the table did not
// hold are decoded and applied, so a re-sent record is acknowledged even if
// validation rules have tightened since it was first stored.
func (s *Store) Ingest(ctx context.Context, n office.Nonce, recs []wire.Record, at time.Time) (office.IngestResult, error) {
	res := office.IngestResult{Acked: make([]string, 0, len(recs)), New: map[string]int{}}
	received := formatTime(at)
	err := s.update(ctx, func(tx *sql.Tx) error {
		if err := useNonce(ctx, tx, n); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO records (kiosk_id, id, seq, kind, schema, created, data, received_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kiosk_id, id) DO NOTHING`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range recs {
			out, err := stmt.ExecContext(ctx, n.KioskID, r.ID, r.Seq, r.Kind, r.Schema,
				r.Created.UTC().Format(time.RFC3339Nano), string(r.Data), received)
			if err != nil {
				return err
			}
			k, err := out.RowsAffected()
			if err != nil {
				return err
			}
			if k == 1 {
				data, err := office.DecodeRecord(r)
				if err != nil {
					return err
				}
				if err := apply(ctx, tx, n.KioskID, r, data, at); err != nil {
					return err
				}
				res.New[r.Kind]++
			} else {
				res.Duplicates++
			}
			res.Acked = append(res.Acked, r.ID)
		}
		return nil
	})
	if err != nil {
		return office.IngestResult{}, err
	}
	return res, nil
}

// Records implements office.RecordService.
func (s *Store) Records(ctx context.Context, f office.RecordFilter) ([]office.StoredRecord, error) {
	var where []string
	var args []any
	if f.KioskID != "" {
		where = append(where, "kiosk_id = ?")
		args = append(args, f.KioskID)
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > ?")
		args = append(args, f.AfterSeq)
	}
	q, args := page("SELECT kiosk_id, id, seq, kind, schema, created, data, received_at FROM records"+
		whereClause(where)+" ORDER BY kiosk_id, seq, id", args, f.Limit, 0)
	rows, err := s.ro.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []office.StoredRecord
	for rows.Next() {
		var r office.StoredRecord
		var created, data, received string
		if err := rows.Scan(&r.KioskID, &r.Record.ID, &r.Record.Seq, &r.Record.Kind, &r.Record.Schema, &created, &data, &received); err != nil {
			return nil, err
		}
		if r.Record.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
			return nil, err
		}
		if r.ReceivedAt, err = parseTime(received); err != nil {
			return nil, err
		}
		r.Record.Data = json.RawMessage(data)
		out = append(out, r)
	}
	return out, rows.Err()
}
