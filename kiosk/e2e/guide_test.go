package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"bianmin"
)

// TestGuideChecklistEndToEnd: a resident finds the 低保 guide with a hot
// word, prints the 一次性告知 checklist (its QR opens officed's public guide
// page, which really serves it) and rates the service.
func TestGuideChecklistEndToEnd(t *testing.T) {
	o := StartOffice(t)
	k := StartKiosk(t, o)
	k.Tap("办事指南")
	k.Tap("低保")
	k.Tap("最低生活保障（低保）申请")
	if k.Has("评价本次服务") {
		t.Fatal("rating offered before the service completed")
	}
	k.Tap("打印一次性告知单")
	p := k.WaitPrinted("最低生活保障（低保）申请")
	if !strings.Contains(p.Text, "户口簿") {
		t.Errorf("checklist lacks the materials:\n%s", p.Text)
	}
	want := o.URL + "/guides/dibao-apply"
	if len(p.QRs) != 1 || p.QRs[0] != want {
		t.Fatalf("checklist QRs %q, want %q", p.QRs, want)
	}
	resp, err := http.Get(p.QRs[0])
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "最低生活保障") {
		t.Fatalf("the QR's page answered %d:\n%.300s", resp.StatusCode, page)
	}

	k.Tap("评价本次服务")
	k.Tap("非常满意")
	k.Tap("提交评价")
	k.MustSync()
	ratings := o.Records(bianmin.KindRating)
	if len(ratings) != 1 || !strings.Contains(string(ratings[0].Record.Data), `"record":"dibao-apply"`) {
		t.Fatalf("officed holds ratings %v, want one of guide dibao-apply", ratings)
	}
}
