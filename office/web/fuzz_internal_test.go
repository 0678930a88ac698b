package web

import (
	"net/url"
	"testing"
	"time"

	"bianmin"
)

// FuzzCheckReport: the form's checks never panic, and a form they accept
// makes a ticket the store accepts (bianmin.Ticket.Validate), so a resident
// never passes the form's checks only to meet an error page.
func FuzzCheckReport(f *testing.F) {
	grid := []bianmin.Community{{ID: "huayuan", Name: "花园社区", Buildings: []bianmin.Building{
		{ID: "3", Name: "3号楼", Units: []string{"1单元", "2单元"}, Floors: 6, RoomsPerFloor: 2}}}}
	f.Add("供水", "家中无水", "text", "huayuan", "huayuan/3", "2单元", "501", "138 1234 5678")
	f.Add("排水", "下水道堵塞", "", "huayuan", "", "", "", "13800000000")
	f.Add("供水", "", "\r\n\x00<script>", "huayuan", "huayuan/3", "", "", "１３８００００００００")
	f.Add("其他", "x", "a\rb", "nowhere", "x/y", "z", "9999", "' OR 1=1")
	f.Fuzz(func(t *testing.T, category, phrase, text, community, building, unit, room, phone string) {
		form := readReportForm(url.Values{"category": {category}, "phrase": {phrase}, "text": {text},
			"community": {community}, "building": {building}, "unit": {unit}, "room": {room}, "phone": {phone}})
		tk, problems := checkReport(form, grid)
		if len(problems) > 0 {
			return
		}
		tk.Number = bianmin.NewNumber('T', time.Now(), "WEB", 1)
		tk.Secret, tk.Channel = bianmin.NewSecret(), "mobile"
		if err := tk.Validate(); err != nil {
			t.Fatalf("the form accepted %+v, the store refuses it: %v", form, err)
		}
	})
}
