package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"bianmin/office"
	"bianmin/office/cli"
	"bianmin/office/sqlite"
)

// userAdd runs "officed user add ARGS…" with stdin as standard input.
func userAdd(t *testing.T, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), append([]string{"user", "add"}, args...),
		cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return code, errOut.String()
}

// TestUserAdd makes the first admin and a unit account from the command
// line, refuses bad ones without storing anything, and logs in with the
// admin at a running officed serve.
func TestUserAdd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if code, msg := userAdd(t, "s3cret-pass\n", "admin", "--role", "admin", "--data", dir); code != cli.ExitOK || !strings.Contains(msg, "account admin (admin) created") {
		t.Fatalf("user add admin: %d %s", code, msg)
	}
	// Flags after the name work too, and a unit account names a published unit.
	if code, msg := userAdd(t, "another-pass", "--data", dir, "zhang.wei", "--role", "unit", "--unit", "water-nangang"); code != cli.ExitOK {
		t.Fatalf("user add unit: %d %s", code, msg)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"name taken", "s3cret-pass\n", []string{"admin", "--role", "clerk"}, cli.ExitError, "已被使用"},
		{"short password", "short\n", []string{"li", "--role", "clerk"}, cli.ExitError, "8–128"},
		{"no password", "", []string{"li", "--role", "clerk"}, cli.ExitError, "no password on standard input"},
		{"unknown unit", "s3cret-pass\n", []string{"li", "--role", "unit", "--unit", "nowhere"}, cli.ExitError, "不存在"},
		{"unit without --unit", "s3cret-pass\n", []string{"li", "--role", "unit"}, cli.ExitUsage, "--unit is required"},
		{"clerk with --unit", "s3cret-pass\n", []string{"li", "--role", "clerk", "--unit", "water-nangang"}, cli.ExitUsage, "only with it"},
		{"no role", "s3cret-pass\n", []string{"li"}, cli.ExitUsage, "--role must be"},
		{"bad role", "s3cret-pass\n", []string{"li", "--role", "root"}, cli.ExitUsage, "--role must be"},
		{"no name", "s3cret-pass\n", []string{"--role", "clerk"}, cli.ExitUsage, "NAME"},
		{"bad name", "s3cret-pass\n", []string{"a b", "--role", "clerk"}, cli.ExitError, "用户名须为"},
	} {
		code, msg := userAdd(t, tc.stdin, append(tc.args, "--data", dir)...)
		if code != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: exit %d %q, want %d saying %q", tc.name, code, msg, tc.code, tc.want)
		}
	}
	var out bytes.Buffer
	if code := cli.Run(context.Background(), []string{"user", "remove", "x"}, cli.Env{Stderr: &out}); code != cli.ExitUsage ||
		!strings.Contains(out.String(), `unknown subcommand "remove"`) {
		t.Errorf("user remove: %d %s", code, out.String())
	}

	s, err := sqlite.Open(context.Background(), filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	users, _ := s.Users(context.Background())
	log, _ := s.AuditLog(context.Background(), office.AuditFilter{Action: "user.add"})
	s.Close()
	if len(users) != 2 || users[0].Name != "admin" || users[1].Unit != "water-nangang" || len(log) != 2 {
		t.Fatalf("accounts after the commands: %+v, audit %+v", users, log)
	}
	if strings.Contains(users[0].PasswordHash, "s3cret") || !strings.HasPrefix(users[0].PasswordHash, "$argon2id$") {
		t.Errorf("password stored as %q", users[0].PasswordHash)
	}

	// The account logs in to the back office of officed serve.
	addr, stop, _ := startServe(t, nil, "--addr", "127.0.0.1:0", "--data", dir)
	defer stop()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get("http://" + addr + "/staff/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if resp.Request.URL.Path != "/staff/login" || token == nil {
		t.Fatalf("GET /staff/ of a stranger ended at %s", resp.Request.URL)
	}
	resp, err = c.PostForm("http://"+addr+"/staff/login", url.Values{"csrf": {string(token[1])}, "name": {"admin"}, "password": {"s3cret-pass"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/staff/" || !strings.Contains(string(body), "工作台") {
		t.Errorf("after logging in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}
