package ctl

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bianmin/devices/idcard"
	"bianmin/devices/sim"
	"bianmin/devices/simtest"
)

func startIDCard(t *testing.T) (*sim.IDCard, string) {
	t.Helper()
	dir := t.TempDir()
	r := sim.NewIDCard()
	simtest.Start(t, dir, r)
	return r, dir
}

// The JSON of `idcard read`, for every card type, inserted through
// `kioskctl sim ctl` as a technician would.
func TestIDCardRead(t *testing.T) {
	_, dir := startIDCard(t)
	port := filepath.Join(dir, "idcard")
	data := t.TempDir()
	for _, tc := range []struct {
		name     string
		identity string // "" for the sample resident
		want     map[string]string
	}{
		{"resident", "", map[string]string{"type": "resident", "name": "张秀英", "gender": "女", "nation": "汉",
			"birth": "1985-03-12", "valid_from": "2015-06-01", "valid_to": "2035-06-01",
			"address": "黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室", "id_number": "230103198503121239",
			"authority": "哈尔滨市公安局南岗分局"}},
		{"resident, no expiry, additional address", `{"name":"王五","gender":"男","nation":"满族","valid_to":"长期",` +
			`"id_number":"11010519491231002X","additional_address":"哈尔滨市道里区尚志大街100号"}`,
			map[string]string{"name": "王五", "gender": "男", "nation": "满", "valid_to": "长期",
				"id_number": "11010519491231002X", "additional_address": "哈尔滨市道里区尚志大街100号"}},
		{"hkmo_tw", `{"type":"hkmo_tw"}`, map[string]string{"type": "hkmo_tw", "nation": "", "pass_number": "H12345678",
			"issue_count": "01", "id_number": "810000199001011230"}},
		{"foreign", `{"type":"foreign","name":"","english_name":"MUELLER, ANNA"}`, map[string]string{"type": "foreign",
			"name": "MUELLER, ANNA", "english_name": "MUELLER, ANNA", "nationality": "RUS", "id_number": "RUS230080512345",
			"card_version": "01", "authority": "2301", "address": ""}},
		{"foreign2023", `{"type":"foreign2023"}`, map[string]string{"type": "foreign2023", "name": "安娜",
			"english_name": "KOWALSKA, ANNA MARIA", "renewal_count": "00", "nationality": "POL", "id_number": "92361619920921002X"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			words := []string{"sim", "ctl", "--dir", dir, "card-insert"}
			if tc.identity != "" {
				words = append(words, tc.identity)
			}
			if out, errOut, code := kioskctl(t, words...); code != 0 || !strings.HasPrefix(out, "ok inserted ") {
				t.Fatalf("card-insert: %d %q %q", code, out, errOut)
			}
			out, errOut, code := kioskctl(t, "idcard", "read", "--port", port, "--timeout", "5s", "--data", data)
			if code != 0 {
				t.Fatalf("idcard read: %d %s", code, errOut)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
				t.Errorf("not one JSON line: %q", out)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			for _, k := range []string{"type", "name", "gender", "nation", "birth", "valid_from", "valid_to",
				"address", "id_number", "authority"} {
				if _, ok := got[k]; !ok {
					t.Errorf("key %q missing from %s", k, out)
				}
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// `idcard read` waits for a card put down after it started.
func TestIDCardReadWaits(t *testing.T) {
	r, dir := startIDCard(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		r.Insert(sim.SampleIDCard(idcard.Foreign2023))
	}()
	out, errOut, code := kioskctl(t, "idcard", "read", "--port", filepath.Join(dir, "idcard"), "--timeout", "5s")
	if code != 0 || !strings.Contains(out, `"type":"foreign2023"`) {
		t.Errorf("%d %q %q", code, out, errOut)
	}
}

func TestIDCardReadErrors(t *testing.T) {
	r, dir := startIDCard(t)
	port := filepath.Join(dir, "idcard")
	for _, tc := range []struct {
		name  string
		setup func()
		args  []string
		want  string // the whole first line of stderr
		code  int
	}{
		{"no card", nil, []string{"--port", port, "--timeout", "300ms"},
			"kioskctl: idcard: no card on the reader within 300ms", 1},
		{"read failed", func() { r.Insert(sim.SampleIDCard(idcard.Resident)); r.SetFault(sim.IDCardFailRead) },
			[]string{"--port", port}, "kioskctl: idcard: read: read failed (SW3 41)", 1},
		{"not a reader", func() { r.SetFault(sim.IDCardMute) }, []string{"--port", port},
			"kioskctl: idcard: open: no answer (is this an ID-card reader?)", 1},
		{"corrupt", func() { r.SetFault(sim.IDCardCorrupt) }, []string{"--port", port},
			"kioskctl: idcard: open: bad checksum: CE, want 94", 1},
		{"no such port", nil, []string{"--port", filepath.Join(dir, "nothing")},
			"kioskctl: idcard: open: serial: open " + filepath.Join(dir, "nothing") + ": no such port", 1},
		{"no port", nil, nil, "kioskctl: idcard read needs --port P", 2},
		{"bad baud", nil, []string{"--port", port, "--baud", "1234"}, "", 2},
		{"bad flow", nil, []string{"--port", port, "--flow", "dtr"}, "", 2},
		{"argument", nil, []string{"--port", port, "now"}, "kioskctl: idcard read takes no arguments", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.SetFault(sim.IDCardOK)
			r.Remove()
			if tc.setup != nil {
				tc.setup()
			}
			out, errOut, code := kioskctl(t, append([]string{"idcard", "read"}, tc.args...)...)
			first := strings.SplitN(errOut, "\n", 2)[0]
			if code != tc.code || tc.want != "" && first != tc.want || out != "" {
				t.Errorf("exit %d, stdout %q, first line %q; want exit %d, %q", code, out, first, tc.code, tc.want)
			}
		})
	}
	t.Run("unknown subcommand", func(t *testing.T) {
		if _, _, code := kioskctl(t, "idcard", "write"); code != 2 {
			t.Errorf("exit %d", code)
		}
		if _, _, code := kioskctl(t, "idcard"); code != 2 {
			t.Errorf("exit %d", code)
		}
	})
}

// decode runs `kioskctl idcard decode` on in.
func decode(t *testing.T, in []byte) (stdout, stderr string, code int) {
	t.Helper()
	old := decodeInput
	decodeInput = bytes.NewReader(in)
	t.Cleanup(func() { decodeInput = old })
	return kioskctl(t, "idcard", "decode")
}

func TestIDCardDecode(t *testing.T) {
	hx := func(s string) []byte {
		b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	text, err := idcard.EncodeText(sim.SampleIDCard(idcard.Resident))
	if err != nil {
		t.Fatal(err)
	}
	photo := bytes.Repeat([]byte{0xAA}, idcard.PhotoSize)
	read := idcard.Reply{Status: idcard.StatusOK, Data: idcard.ReadData(text, photo, nil)}.Bytes()
	readFP := idcard.Reply{Status: idcard.StatusOK, Data: idcard.ReadData(text, photo, make([]byte, 1024))}.Bytes()
	addr, _ := idcard.EncodeAddress("哈尔滨市道里区尚志大街100号")
	badText := append([]byte(nil), text...)
	badText[248] = 'Z'
	cardJSON := `{"type":"resident","name":"张秀英","gender":"女","nation":"汉","birth":"1985-03-12",` +
		`"valid_from":"2015-06-01","valid_to":"2035-06-01","address":"黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室",` +
		`"id_number":"230103198503121239","authority":"哈尔滨市公安局南岗分局"}` + "\n"
	for _, tc := range []struct {
		name string
		in   []byte
		out  string // stdout on success
		err  string // stderr's line on failure
	}{
		{"SAM OK", hx("AA AA AA 96 69 00 04 00 00 90 94"), `{"sw3":"90","status":"success","data":""}` + "\n", ""},
		{"find OK", hx("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"), `{"sw3":"9F","status":"card found","data":"00000000"}` + "\n", ""},
		{"select OK", hx("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"),
			`{"sw3":"90","status":"success","data":"0000000000000000"}` + "\n", ""},
		{"read text and photo", read, cardJSON, ""},
		{"read with fingerprint", readFP, cardJSON, ""},
		{"additional address", idcard.Reply{Status: idcard.StatusOK, Data: addr}.Bytes(),
			`{"sw3":"90","status":"success","additional_address":"哈尔滨市道里区尚志大街100号"}` + "\n", ""},
		{"find failed", hx("AA AA AA 96 69 00 04 00 00 80 84"), "", "kioskctl: idcard: no card (SW3 80)"},
		{"select failed", hx("AA AA AA 96 69 00 04 00 00 81 85"), "", "kioskctl: idcard: select card failed (SW3 81)"},
		{"read failed", hx("AA AA AA 96 69 00 04 00 00 41 45"), "", "kioskctl: idcard: read failed (SW3 41)"},
		{"no additional address", hx("AA AA AA 96 69 00 04 00 00 91 95"), "", "kioskctl: idcard: no content (SW3 91)"},
		{"unknown status", idcard.Reply{Status: 0x5A}.Bytes(), "", "kioskctl: idcard: unknown status (SW3 5A)"},
		{"bad checksum", hx("AA AA AA 96 69 00 04 00 00 90 95"), "", "kioskctl: idcard: bad checksum: 95, want 94"},
		{"truncated", read[:700], "", "kioskctl: idcard: truncated frame: have 700 of 1295 bytes"},
		{"trailing bytes", append(hx("AA AA AA 96 69 00 04 00 00 90 94"), 0x0A), "",
			"kioskctl: idcard: wrong frame length: 1 bytes after a 11-byte frame"},
		{"impossible length", hx("AA AA AA 96 69 00 01 00"), "", "kioskctl: idcard: wrong frame length: length field 1"},
		{"no preamble", []byte("hello\n"), "", "kioskctl: idcard: no frame preamble"},
		{"empty", nil, "", "kioskctl: idcard: decode: no frame on stdin"},
		{"too long", make([]byte, 5000), "", "kioskctl: idcard: decode: more than 4103 bytes on stdin, longer than any frame"},
		{"bad text record", idcard.Reply{Status: idcard.StatusOK, Data: idcard.ReadData(badText, photo, nil)}.Bytes(), "",
			`kioskctl: idcard: bad card data: unknown card type character "Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := decode(t, tc.in)
			if tc.err == "" {
				if code != 0 || out != tc.out || errOut != "" {
					t.Errorf("exit %d, stdout %q, stderr %q\nwant %q", code, out, errOut, tc.out)
				}
				return
			}
			if code != 1 || out != "" || errOut != tc.err+"\n" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 1, %q", code, out, errOut, tc.err)
			}
		})
	}
}

func TestIDCardSimRegistered(t *testing.T) {
	for _, sd := range simDevices {
		if sd.name != "idcard" {
			continue
		}
		d, err := sd.make(simOptions{baud: 9600})
		if err != nil || d.Name() != "idcard" || !strings.Contains(d.State(), "9600 baud") {
			t.Errorf("sim idcard: %v %v", d, err)
		}
		return
	}
	t.Error("no idcard in simDevices")
}
