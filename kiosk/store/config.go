package store

import (
	"context"
	"encoding/json"
)

// ClassConfig is the feed class of the kiosk settings the street office
// sets centrally (office.ClassConfig; keys bianmin.Setting*).
const ClassConfig = "config"

// ConfigEntries returns the office's config entries the kiosk holds, key →
// JSON data, as pulled: checking them is the caller's (kiosk.Overlay), so
// one bad entry never hides the others.
func (d *DB) ConfigEntries(ctx context.Context) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	err := d.eachContent(ctx, ClassConfig, func(key string, data []byte) error {
		out[key] = data // eachContent hands each row its own copy
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
