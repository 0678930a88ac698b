package bianmin

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

const validUnit = `{"id":"water-nangang","name":"哈尔滨供水集团南岗分公司","kind":"公用事业单位",
"phone":"0451-82681301","address":"南岗区中山路126号",
"responsibilities":["供水管网维修","停水处置"],"categories":["供水"]}`

const validCommunity = `{"id":"huayuan","name":"花园社区","address":"南岗区花园街188号",
"grid_workers":[{"name":"王丽华","phone":"13800000101","grid":"第一网格"}],
"buildings":[{"id":"3","name":"3号楼","units":["1单元","2单元"],"floors":6,"rooms_per_floor":2},
{"id":"5","name":"5号楼","units":["1单元"],"floors":5,"rooms_per_floor":3}]}`

// checkRefused fails unless err is EINVALID and mentions want.
func checkRefused(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want an error mentioning %q", err, want)
	}
	if ErrorCode(err) != EINVALID {
		t.Errorf("code %q, want invalid", ErrorCode(err))
	}
}

func TestParseUnit(t *testing.T) {
	u, err := ParseUnit([]byte(validUnit))
	if err != nil {
		t.Fatalf("valid unit rejected: %v", err)
	}
	if u.ID != "water-nangang" || !u.Handles("供水") || u.Handles("供热") || len(u.Responsibilities) != 2 {
		t.Errorf("parsed %+v", u)
	}
	for _, tc := range []struct{ name, from, to, wantErr string }{
		{"unknown key", `"kind":`, `"knid":"x","kind":`, "unknown field"},
		{"bad id", `"id":"water-nangang"`, `"id":"Water Nangang"`, "id"},
		{"empty name", `"name":"哈尔滨供水集团南岗分公司"`, `"name":"  "`, "name is empty"},
		{"control character in name", `"name":"哈尔滨供水集团南岗分公司"`, `"name":"供水\n集团"`, "name contains control"},
		{"long name", `"name":"哈尔滨供水集团南岗分公司"`, `"name":"` + strings.Repeat("水", 61) + `"`, "name is longer"},
		{"unknown kind", `"kind":"公用事业单位"`, `"kind":"水厂"`, "kind must be one of"},
		{"phone without area code", `"0451-82681301"`, `"82681301"`, "phone"},
		{"phone with letters", `"0451-82681301"`, `"0451-8268130x"`, "phone"},
		{"10-digit mobile", `"0451-82681301"`, `"1380000010"`, "phone"},
		{"empty address", `"address":"南岗区中山路126号"`, `"address":""`, "address is empty"},
		{"no responsibilities", `["供水管网维修","停水处置"]`, `[]`, "responsibilities must list"},
		{"blank responsibility", `"停水处置"`, `""`, "responsibilities[1] is empty"},
		{"unknown category", `"categories":["供水"]`, `"categories":["供水","停车"]`, `categories[1] "停车" is not a report category`},
		{"category twice", `"categories":["供水"]`, `"categories":["供水","供水"]`, "listed twice"},
		{"trailing data", `["供水"]}`, `["供水"]} {}`, "trailing"},
		{"not json", `{"id"`, `{id`, "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(validUnit, tc.from, tc.to, 1)
			if data == validUnit {
				t.Fatalf("case does not change the document")
			}
			_, err := ParseUnit([]byte(data))
			checkRefused(t, err, tc.wantErr)
		})
	}
	// A unit that takes no reports is valid: its duties may be guides only.
	if _, err := ParseUnit([]byte(strings.Replace(validUnit, `"categories":["供水"]`, `"categories":[]`, 1))); err != nil {
		t.Errorf("unit without categories refused: %v", err)
	}
}

func TestParseCommunity(t *testing.T) {
	c, err := ParseCommunity([]byte(validCommunity))
	if err != nil {
		t.Fatalf("valid community rejected: %v", err)
	}
	if b, ok := c.Building("3"); !ok || b.Name != "3号楼" {
		t.Errorf("Building(3) = %+v, %v", b, ok)
	}
	if _, ok := c.Building("4"); ok {
		t.Error("Building(4) found a building the community does not have")
	}
	for _, tc := range []struct{ name, from, to, wantErr string }{
		{"unknown key", `"address":`, `"adress":"x","address":`, "unknown field"},
		{"unknown key in a building", `"floors":6`, `"floors":6,"lift":true`, "unknown field"},
		{"unknown key in a grid worker", `"grid":"第一网格"`, `"grid":"第一网格","wechat":"x"`, "unknown field"},
		{"bad id", `"id":"huayuan"`, `"id":"花园"`, "id must be"},
		{"empty name", `"name":"花园社区"`, `"name":""`, "name is empty"},
		{"no grid workers", `[{"name":"王丽华","phone":"13800000101","grid":"第一网格"}]`, `[]`, "grid_workers must list"},
		{"empty worker name", `"name":"王丽华"`, `"name":" "`, "grid_workers[0].name is empty"},
		{"worker landline", `"13800000101"`, `"0451-82681301"`, "grid_workers[0].phone"},
		{"worker 10 digits", `"13800000101"`, `"1380000010"`, "grid_workers[0].phone"},
		{"worker starts 12", `"13800000101"`, `"12800000101"`, "grid_workers[0].phone"},
		{"worker without grid", `"grid":"第一网格"`, `"grid":""`, "grid_workers[0].grid is empty"},
		{"duplicate building id", `{"id":"5"`, `{"id":"3"`, `buildings[1].id "3" is used by another building`},
		{"bad building id", `{"id":"5"`, `{"id":"5/6"`, "buildings[1].id"},
		{"empty building name", `"name":"5号楼"`, `"name":""`, "buildings[1].name is empty"},
		{"no units", `"units":["1单元"]`, `"units":[]`, "buildings[1].units must list"},
		{"unit twice", `"units":["1单元","2单元"]`, `"units":["1单元","1单元"]`, `buildings[0].units[1] "1单元" is listed twice`},
		{"zero floors", `"floors":5`, `"floors":0`, "buildings[1].floors must be"},
		{"too many floors", `"floors":5`, `"floors":61`, "buildings[1].floors must be"},
		{"zero rooms", `"rooms_per_floor":3`, `"rooms_per_floor":0`, "buildings[1].rooms_per_floor"},
		{"fractional floors", `"floors":5`, `"floors":5.5`, "floors"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(validCommunity, tc.from, tc.to, 1)
			if data == validCommunity {
				t.Fatalf("case does not change the document")
			}
			_, err := ParseCommunity([]byte(data))
			checkRefused(t, err, tc.wantErr)
		})
	}
	_, err = ParseCommunity([]byte(`{"id":"huayuan","name":"花园社区","address":"花园街188号",
		"grid_workers":[{"name":"王丽华","phone":"13800000101","grid":"第一网格"}],"buildings":[]}`))
	checkRefused(t, err, "buildings must list")
}

// A refused phone is not quoted back: messages end up in logs.
func TestCommunityErrorsDoNotQuotePhones(t *testing.T) {
	_, err := ParseCommunity([]byte(strings.Replace(validCommunity, `"13800000101"`, `"1380000010"`, 1)))
	if err == nil || strings.Contains(err.Error(), "1380000010") {
		t.Errorf("error %v", err)
	}
}

func TestParseListsRefuseRepeatedIDs(t *testing.T) {
	if us, err := ParseUnits([]byte("[" + validUnit + "]")); err != nil || len(us) != 1 {
		t.Fatalf("ParseUnits = %v, %v", us, err)
	}
	_, err := ParseUnits([]byte("[" + validUnit + "," + validUnit + "]"))
	checkRefused(t, err, `units[1]: id "water-nangang" already used`)
	_, err = ParseUnits([]byte("[" + strings.Replace(validUnit, `"kind":"公用事业单位"`, `"kind":""`, 1) + "]"))
	checkRefused(t, err, `units[0]: unit "water-nangang": kind`)

	if cs, err := ParseGrid([]byte("[" + validCommunity + "]")); err != nil || len(cs) != 1 {
		t.Fatalf("ParseGrid = %v, %v", cs, err)
	}
	_, err = ParseGrid([]byte("[" + validCommunity + "," + validCommunity + "]"))
	checkRefused(t, err, `grid[1]: id "huayuan" already used`)
	_, err = ParseGrid([]byte(`[{"id":"a1","name":"n","address":"a","grid_workers":[],"buildings":[],"extra":1}]`))
	checkRefused(t, err, "unknown field")
	_, err = ParseGrid([]byte(validCommunity)) // an object where a list belongs
	checkRefused(t, err, "grid")
}

func TestValidOfficePhone(t *testing.T) {
	for p, want := range map[string]bool{
		"0451-82681301": true, "0451-8268130": true, "010-65661234": true, "0451-82681301-8012": true,
		"95598": true, "12345": true, "12319": true, "96633": true, "400-618-9090": true, "13800000101": true,
		"": false, "82681301": false, "0451 82681301": false, "0451-02681301": false, "0451-826813011": false,
		"110": false, "955980": false, "10086": false, "4006189090": false, "1380000010": false,
		"0451-82681301-": false, "0451-82681301\n": false, "０４５１-82681301": false,
	} {
		if got := ValidOfficePhone(p); got != want {
			t.Errorf("ValidOfficePhone(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestRooms(t *testing.T) {
	b := Building{ID: "3", Name: "3号楼", Units: []string{"1单元", "2单元"}, Floors: 6, RoomsPerFloor: 2}
	rooms := b.Rooms()
	if len(rooms) != 12 || rooms[0] != "101" || rooms[1] != "102" || rooms[2] != "201" || rooms[11] != "602" {
		t.Errorf("Rooms = %v", rooms)
	}
	tall := Building{Floors: 12, RoomsPerFloor: 10}
	if r := tall.Rooms(); r[len(r)-1] != "1210" || !slices.Contains(r, "1001") {
		t.Errorf("12 floors × 10: %v", r)
	}
	for _, tc := range []struct {
		unit, room string
		want       bool
	}{{"2单元", "501", true}, {"2单元", "602", true}, {"3单元", "501", false}, {"1单元", "701", false}, {"1单元", "103", false}, {"1单元", "", false}} {
		if got := b.HasRoom(tc.unit, tc.room); got != tc.want {
			t.Errorf("HasRoom(%s, %s) = %v", tc.unit, tc.room, got)
		}
	}
}

func TestUncoveredCategories(t *testing.T) {
	if got := UncoveredCategories(nil); !slices.Equal(got, ReportCategories) {
		t.Errorf("no units: %v", got)
	}
	units := []Unit{{Categories: []string{"供水", "其他"}}, {Categories: ReportCategories[2:7]}}
	if got := UncoveredCategories(units); !slices.Equal(got, []string{"排水"}) {
		t.Errorf("UncoveredCategories = %v, want [排水]", got)
	}
}

// Printing or logging grid data never shows a grid worker's phone.
func TestGridWorkerPhoneNeverPrinted(t *testing.T) {
	c, err := ParseCommunity([]byte(validCommunity))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("grid", "community", c, "worker", c.GridWorkers[0], "workers", c.GridWorkers)
	}
	printed := fmt.Sprintf("%v %+v %s", c, c, c.GridWorkers[0]) + logs.String()
	if strings.Contains(printed, "13800000101") {
		t.Errorf("phone printed:\n%s", printed)
	}
	if !strings.Contains(printed, "138****0101") || !strings.Contains(printed, "王丽华") {
		t.Errorf("masked worker missing:\n%s", printed)
	}
}

func FuzzParseCommunity(f *testing.F) {
	f.Add([]byte(validCommunity))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"buildings":[{"floors":-1,"units":[""]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCommunity(data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("ParseCommunity accepted a community that fails Validate: %v", verr)
			}
			if len(c.Buildings[0].Rooms()) > MaxFloors*MaxRoomsPerFloor {
				t.Fatalf("more rooms than the limits allow")
			}
		}
	})
}

func FuzzParseUnit(f *testing.F) {
	f.Add([]byte(validUnit))
	f.Add([]byte(`{"categories":["供水","供水"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := ParseUnit(data)
		if err == nil {
			if verr := u.Validate(); verr != nil {
				t.Fatalf("ParseUnit accepted a unit that fails Validate: %v", verr)
			}
		}
	})
}
