package kiosk

import (
	"context"
	"path/filepath"
	"testing"

	"bianmin/kiosk/store"
)

func TestConfigDefaultsSaveLoad(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := LoadConfig(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !c.CheckPIN(DefaultTechPIN) || c.CheckPIN("000000") {
		t.Fatal("factory PIN check wrong")
	}
	if err := c.SetPIN("12ab56"); err == nil {
		t.Error("non-digit PIN accepted")
	}
	if err := c.SetPIN("13572468"); err != nil {
		t.Fatal(err)
	}
	c.PublicBaseURL = "ftp://x"
	if err := SaveConfig(ctx, db, c); err == nil {
		t.Fatal("invalid base URL saved")
	}
	c.PublicBaseURL = "https://office.example.cn/"
	if err := SaveConfig(ctx, db, c); err != nil {
		t.Fatal(err)
	}
	again, err := LoadConfig(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if !again.CheckPIN("13572468") || again.CheckPIN(DefaultTechPIN) {
		t.Error("changed PIN not persisted")
	}
	if got := again.GuideURL("dibao-apply"); got != "https://office.example.cn/guides/dibao-apply" {
		t.Errorf("GuideURL = %s", got)
	}
}
