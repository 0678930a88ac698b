package office

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"bianmin/assets"
)

// SeedShipped publishes the content shipped in assets/ — guides, member
// units and grid data — on a store's first start, each class once ever
// (GuideStore.SeedGuides, FeedService.SeedContent), so staff edits are never
// overwritten by a restart. It logs only counts: grid data holds grid
// workers' phones.
func SeedShipped(ctx context.Context, store Store, logger *slog.Logger, now time.Time) error {
	guides, err := assets.Guides()
	if err != nil {
		return err
	}
	n, err := store.SeedGuides(ctx, guides, now)
	if err != nil {
		return fmt.Errorf("seeding the shipped guides: %w", err)
	}
	if n > 0 {
		logger.Info("seeded guides", "count", n)
	}
	units, err := assets.Units()
	if err != nil {
		return err
	}
	grid, err := assets.Grid()
	if err != nil {
		return err
	}
	unitItems, err := UnitItems(units)
	if err != nil {
		return err
	}
	gridItems, err := GridItems(grid)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		class string
		items []Item
		msg   string
	}{
		{ClassUnits, unitItems, "seeded member units"},
		{ClassGrid, gridItems, "seeded grid data"},
	} {
		n, err := store.SeedContent(ctx, c.class, c.items, now)
		if err != nil {
			return fmt.Errorf("seeding the shipped %s: %w", c.class, err)
		}
		if n > 0 {
			logger.Info(c.msg, "count", n)
		}
	}
	return nil
}
