package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"bianmin"
	"bianmin/office"
)

var importBillsDescription = `Replaces every bill of biller B with the bills in FILE and publishes them
to kiosks (masked holder names), so kiosks can look bills up offline.

FILE is CSV in UTF-8 (Excel's "CSV UTF-8" works) whose first line is exactly
  ` + office.BillsHeader + `
followed by one bill per line: the account number (4–32 letters, digits or
'-'), the holder's name, the amount due in fen (分: 245000 is 2450.00 元) and
the billing period (e.g. 2026-2027采暖季). An account is listed once.

The whole file is checked first. If any line is wrong, every wrong line is
reported with its line number, nothing is imported, and the exit status is 1.
Otherwise the biller's old bills are replaced in one transaction: accounts
missing from FILE no longer have a bill.

B is one of: ` + billerList() + `
`

func billerList() string {
	var ids []string
	for _, b := range bianmin.Billers {
		ids = append(ids, b.ID+" ("+b.Name+")")
	}
	return strings.Join(ids, ", ")
}

func runImportBills(ctx context.Context, env Env, args []string) error {
	fs := newFlagSet(env, "import-bills", "import-bills --biller B [--data DIR] FILE", importBillsDescription)
	var dir, biller string
	dataFlag(fs, env, &dir)
	fs.StringVar(&biller, "biller", "", "`B`, the biller the bills are owed to (required)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if _, ok := bianmin.BillerName(biller); !ok {
		fmt.Fprintf(env.Stderr, "--biller %q: want one of %s\n", biller, billerList())
		fs.Usage()
		return errUsage
	}
	if len(pos) != 1 {
		fmt.Fprintf(env.Stderr, "want exactly one FILE, got %d arguments\n", len(pos))
		fs.Usage()
		return errUsage
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return err
	}
	defer f.Close()
	bills, err := office.ParseBillsCSV(f, biller)
	var rows office.RowErrors
	if errors.As(err, &rows) {
		for _, r := range rows {
			fmt.Fprintf(env.Stderr, "%s:%d: %s\n", pos[0], r.Line, r.Message)
		}
		return fmt.Errorf("%d bad line(s) in %s; nothing imported", len(rows), pos[0])
	}
	if err != nil {
		return err
	}
	store, err := openStore(ctx, dir, false)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.ReplaceBills(ctx, biller, bills, time.Now()); err != nil {
		return err
	}
	var total int64
	for _, b := range bills {
		total += b.AmountFen
	}
	name, _ := bianmin.BillerName(biller)
	fmt.Fprintf(env.Stdout, "imported %d %s (%s) bills, %d.%02d 元 due in all; published to kiosks\n",
		len(bills), name, biller, total/100, total%100)
	return nil
}
