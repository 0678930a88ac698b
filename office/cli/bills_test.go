package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bianmin"
	"bianmin/office"
	"bianmin/office/cli"
	"bianmin/office/officetest"
	"bianmin/office/sqlite"
)

// newDataDir returns a data directory holding an (empty) officed database.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	return dir
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bills.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// storeBills returns the bills of biller and the bills feed, read from dir.
func storeBills(t *testing.T, dir, biller string, accounts ...string) (map[string]bianmin.Bill, map[string]string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bills := map[string]bianmin.Bill{}
	for _, a := range accounts {
		if b, err := st.Bill(ctx, biller, a); err == nil {
			bills[a] = b
		}
	}
	feed := map[string]string{}
	ch, err := st.Changes(ctx, office.ChangesQuery{Class: office.ClassBills, Limit: office.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ch.Changes {
		feed[c.Key] = c.Op + " " + string(c.Data)
	}
	return bills, feed
}

const goodBills = "\ufeffaccount,holder,amount_fen,period\r\n" +
	"HR-1001,王小明,245000,2026-2027采暖季\r\n" +
	"HR-1002,欧阳娜娜,198050,2026-2027采暖季\r\n" +
	"\r\n" +
	"HR-1003,\"李,四\",300000,2026-2027采暖季\r\n"

func TestImportBills(t *testing.T) {
	dir := newDataDir(t)
	code, out, errOut := run(t, nil, "import-bills", "--data", dir, "--biller", "heating", writeFile(t, goodBills))
	if code != cli.ExitOK || !strings.Contains(out, "imported 3 供热费 (heating) bills, 7430.50 元 due in all") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	bills, feed := storeBills(t, dir, "heating", "HR-1001", "HR-1002", "HR-1003")
	if len(bills) != 3 || bills["HR-1002"].Holder != "欧阳娜娜" || bills["HR-1003"].Holder != "李,四" || bills["HR-1001"].AmountFen != 245000 {
		t.Errorf("stored bills = %+v", bills)
	}
	if len(feed) != 3 || !strings.Contains(feed["heating/HR-1002"], `"holder":"欧阳**"`) || strings.Contains(feed["heating/HR-1002"], "娜娜") {
		t.Errorf("bills feed = %v", feed)
	}
	for _, secret := range []string{"王小明", "娜娜"} {
		if strings.Contains(out+errOut, secret) {
			t.Errorf("output shows holder %q", secret)
		}
	}

	// A file with bad lines: every one reported, nothing imported.
	bad := "account,holder,amount_fen,period\n" +
		"HR-1001,王小明,100,2026年\n" + // 2: fine
		"HR-1004,,100,2026年\n" + // 3: no holder
		"HR-1005,赵六,12.50,2026年\n" + // 4: yuan, not fen
		"HR-1006,钱七,100\n" + // 5: 3 fields
		"HR 1007,孙八,100,2026年\n" + // 6: bad account
		"HR-1001,王小明,100,2026年\n" + // 7: account twice
		"HR-1008,周九,0,2026年\n" + // 8: nothing due
		"HR-1009,吴十,100,\n" // 9: no period
	code, out, errOut = run(t, nil, "import-bills", "--biller", "heating", "--data", dir, writeFile(t, bad))
	if code != cli.ExitError || out != "" {
		t.Errorf("bad file: exit %d, stdout %q", code, out)
	}
	lines := regexp.MustCompile(`bills\.csv:(\d+): `).FindAllStringSubmatch(errOut, -1)
	var got []string
	for _, m := range lines {
		got = append(got, m[1])
	}
	if strings.Join(got, ",") != "3,4,5,6,7,8,9" || !strings.Contains(errOut, "7 bad line(s)") || !strings.Contains(errOut, "nothing imported") ||
		!strings.Contains(errOut, "already on line 2") || !strings.Contains(errOut, "whole number of fen") {
		t.Errorf("bad lines reported %v:\n%s", got, errOut)
	}
	if after, _ := storeBills(t, dir, "heating", "HR-1001", "HR-1002", "HR-1003"); after["HR-1001"].AmountFen != 245000 || len(after) != 3 {
		t.Errorf("a refused file changed the bills: %+v", after)
	}

	// A good file replaces the biller's bills; other billers keep theirs.
	if code, _, errOut := run(t, nil, "import-bills", "--biller", "water", "--data", dir, writeFile(t, "account,holder,amount_fen,period\nW-2001,张三,4250,2026年11月\n")); code != cli.ExitOK {
		t.Fatalf("water: %s", errOut)
	}
	replace := "account,holder,amount_fen,period\nHR-1002,欧阳娜娜,1000,2026-2027采暖季\nHR-1010,郑十一,5000,2026-2027采暖季\n"
	if code, _, errOut := run(t, nil, "import-bills", writeFile(t, replace), "--biller", "heating", "--data", dir); code != cli.ExitOK {
		t.Fatalf("replace: exit %d %s", code, errOut)
	}
	bills, feed = storeBills(t, dir, "heating", "HR-1001", "HR-1002", "HR-1003", "HR-1010")
	if len(bills) != 2 || bills["HR-1002"].AmountFen != 1000 || bills["HR-1010"].Holder != "郑十一" {
		t.Errorf("after the replace: %+v", bills)
	}
	if !strings.HasPrefix(feed["heating/HR-1001"], "delete") || !strings.HasPrefix(feed["heating/HR-1003"], "delete") ||
		!strings.HasPrefix(feed["water/W-2001"], "put") || !strings.Contains(feed["heating/HR-1002"], `"amount_fen":1000`) {
		t.Errorf("feed after the replace: %v", feed)
	}
}

func TestImportBillsRefusals(t *testing.T) {
	dir := newDataDir(t)
	for _, tc := range []struct {
		name    string
		args    []string
		exit    int
		message string
	}{
		{"no biller", []string{"import-bills", "--data", dir, writeFile(t, goodBills)}, cli.ExitUsage, "--biller \"\": want one of heating"},
		{"unknown biller", []string{"import-bills", "--data", dir, "--biller", "bribes", writeFile(t, goodBills)}, cli.ExitUsage, "want one of"},
		{"no file", []string{"import-bills", "--data", dir, "--biller", "gas"}, cli.ExitUsage, "want exactly one FILE, got 0"},
		{"two files", []string{"import-bills", "--data", dir, "--biller", "gas", "a.csv", "b.csv"}, cli.ExitUsage, "got 2"},
		{"missing file", []string{"import-bills", "--data", dir, "--biller", "gas", filepath.Join(dir, "nope.csv")}, cli.ExitError, "no such file"},
		{"wrong header", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "账号,户主,金额,期间\nG-1,张三,100,2026\n")}, cli.ExitError, ":1: the header must be exactly \"account,holder,amount_fen,period\""},
		{"columns reordered", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "holder,account,amount_fen,period\n")}, cli.ExitError, ":1: the header"},
		{"empty file", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "")}, cli.ExitError, ":1: the file is empty"},
		{"header only", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "account,holder,amount_fen,period\n")}, cli.ExitError, "no bills"},
		{"GBK text", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "account,holder,amount_fen,period\nG-0001,\xd5\xc5\xc8\xfd,100,2026\n")}, cli.ExitError, ":2: is not UTF-8"},
		{"broken quote", []string{"import-bills", "--data", dir, "--biller", "gas", writeFile(t, "account,holder,amount_fen,period\nG-0001,\"张三,100,2026\n")}, cli.ExitError, "not valid CSV"},
		{"no database", []string{"import-bills", "--data", filepath.Join(dir, "typo"), "--biller", "gas", writeFile(t, goodBills)}, cli.ExitError, "no officed database"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, nil, tc.args...)
			if code != tc.exit || !strings.Contains(errOut, tc.message) {
				t.Errorf("exit %d, want %d; stderr lacks %q:\n%s", code, tc.exit, tc.message, errOut)
			}
		})
	}
	if _, feed := storeBills(t, dir, "gas"); len(feed) != 0 {
		t.Errorf("refused imports published %v", feed)
	}
	if code, _, errOut := run(t, nil, "help", "import-bills"); code != cli.ExitUsage || !strings.Contains(errOut, "account,holder,amount_fen,period") {
		t.Errorf("help import-bills: %s", errOut)
	}
}

// TestServeResidentServices runs the resident services through the real
// serve command: bills imported while it serves are looked up by a kiosk,
// a payment code is authorised by the sandbox, and the mobile report form
// offers the shipped grid.
func TestServeResidentServices(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	addr, stop, logs := startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	defer stop()
	base := "http://" + addr
	_, out, _ := run(t, nil, "enroll-code", "--data", dir, "--kiosk", "缴费机")
	k := officetest.NewKiosk(base)
	if resp, _ := k.Enroll(ctx, strings.TrimSpace(out), ""); resp.Status != 200 {
		t.Fatal(resp.Status)
	}
	if code, _, errOut := run(t, nil, "import-bills", "--data", dir, "--biller", "heating", writeFile(t, goodBills)); code != cli.ExitOK {
		t.Fatal(errOut)
	}
	resp, _ := k.Signed(ctx, http.MethodGet, "/api/v1/bills?biller=heating&account=HR-1001", nil)
	if b, err := bianmin.ParseBill(resp.Body); err != nil || b.Holder != "王**" || b.AmountFen != 245000 {
		t.Errorf("bill lookup: %d %s", resp.Status, resp.Body)
	}
	ch, _, _ := k.Changes(ctx, 0, office.ClassBills, 0)
	if len(ch.Changes) != 3 {
		t.Errorf("%d bills on the feed, want 3", len(ch.Changes))
	}
	body, _ := json.Marshal(bianmin.PayRequest{Order: k.Number('P', 1), Biller: "heating", Account: "HR-1001", AmountFen: 245000, Code: "134567890123456781"})
	resp, _ = k.Signed(ctx, http.MethodPost, "/api/v1/pay", body)
	var res bianmin.PayResult
	if json.Unmarshal(resp.Body, &res); resp.Status != 200 || res.Status != bianmin.PaySuccess {
		t.Errorf("pay: %d %s", resp.Status, resp.Body)
	}
	code, page := get(t, base+"/report?category="+url.QueryEscape("楼道照明"))
	if code != 200 || !strings.Contains(page, "花园社区") || !strings.Contains(page, "楼道灯不亮") {
		t.Errorf("/report: %d\n%s", code, page)
	}
	if strings.Contains(logs.String(), "134567890123456781") {
		t.Error("the payment code reached the log")
	}
}
