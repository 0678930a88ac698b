package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.bug.st/serial"

	"bianmin"
	"bianmin/devices/idcard"
)

func startIDCard(t *testing.T) (*Bench, *IDCard, serial.Port) {
	t.Helper()
	dir := t.TempDir()
	r := NewIDCard()
	b, err := Start(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, r, host(t, filepath.Join(dir, "idcard"))
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exchange sends a frame and reads one reply frame by its length field.
func exchange(t *testing.T, p serial.Port, frame []byte) []byte {
	t.Helper()
	write(t, p, frame)
	head := readFull(t, p, 7)
	return append(head, readFull(t, p, int(binary.BigEndian.Uint16(head[5:])))...)
}

// readFull reads n bytes or fails the test after a second without progress.
func readFull(t *testing.T, p serial.Port, n int) []byte {
	t.Helper()
	p.SetReadTimeout(time.Second)
	out := make([]byte, 0, n)
	for len(out) < n {
		k, err := p.Read(out[len(out):n])
		if err != nil || k == 0 {
			t.Fatalf("read: %v after %d of %d bytes", err, len(out), n)
		}
		out = out[:len(out)+k]
	}
	return out
}

// The reader's replies, byte for byte where the protocol notes give them.
func TestIDCardReplies(t *testing.T) {
	_, r, port := startIDCard(t)
	sample := SampleIDCard(idcard.Resident)
	text, err := idcard.EncodeText(sample)
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(c idcard.Command) []byte { return c.Frame() }
	for _, tc := range []struct {
		name  string
		setup func()
		send  []byte
		want  string // the whole reply, hex
		check func(t *testing.T, reply []byte)
	}{
		{"SAM status", nil, cmd(idcard.SAMStatus), "AA AA AA 96 69 00 04 00 00 90 94", nil},
		{"reset SAM", nil, cmd(idcard.ResetSAM), "AA AA AA 96 69 00 04 00 00 90 94", nil},
		{"find without card", nil, cmd(idcard.FindCard), "AA AA AA 96 69 00 04 00 00 80 84", nil},
		{"select without card", nil, cmd(idcard.SelectCard), "AA AA AA 96 69 00 04 00 00 81 85", nil},
		{"read without card", nil, cmd(idcard.ReadText), "AA AA AA 96 69 00 04 00 00 41 45", nil},
		{"find", func() { r.Insert(sample) }, cmd(idcard.FindCard), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", nil},
		{"read before select", nil, cmd(idcard.ReadText), "AA AA AA 96 69 00 04 00 00 41 45", nil},
		{"select", nil, cmd(idcard.SelectCard), "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", nil},
		{"read text and photo", nil, cmd(idcard.ReadText), "", func(t *testing.T, reply []byte) {
			if len(reply) != 1295 || !bytes.Equal(reply[5:7], []byte{0x05, 0x08}) || !bytes.Equal(reply[14:14+256], text) {
				t.Errorf("%d bytes, length % X, text at 14 %v", len(reply), reply[5:7], bytes.Equal(reply[14:270], text))
			}
		}},
		{"read with fingerprint", nil, cmd(idcard.ReadTextFP), "", func(t *testing.T, reply []byte) {
			if len(reply) != 2321 || !bytes.Equal(reply[5:7], []byte{0x09, 0x0A}) || !bytes.Equal(reply[16:16+256], text) {
				t.Errorf("%d bytes, length % X", len(reply), reply[5:7])
			}
		}},
		{"no additional address", nil, cmd(idcard.ReadAddress), "AA AA AA 96 69 00 04 00 00 91 95", nil},
		{"additional address", func() {
			c := sample
			c.AdditionalAddress = "黑龙江省哈尔滨市道里区尚志大街100号"
			r.Insert(c)
			exchange(t, port, cmd(idcard.SelectCard))
		}, cmd(idcard.ReadAddress), "", func(t *testing.T, reply []byte) {
			rep, err := idcard.ParseReply(reply)
			if err != nil || rep.Err() != nil || len(rep.Data) != 70 {
				t.Fatalf("% X: %v", reply, err)
			}
			if s, _ := idcard.DecodeAddress(rep.Data); s != "黑龙江省哈尔滨市道里区尚志大街100号" {
				t.Errorf("address %q", s)
			}
		}},
		{"read SAM id", nil, cmd(idcard.ReadSAMID), "", func(t *testing.T, reply []byte) {
			rep, err := idcard.ParseReply(reply)
			if err != nil || rep.Status != idcard.StatusOK || len(rep.Data) != 16 {
				t.Errorf("% X: %v", reply, err)
			}
		}},
		{"set baud", nil, idcard.Frame([]byte{0x60, 0x04}), "AA AA AA 96 69 00 04 00 00 90 94", nil},
		{"unknown command", nil, idcard.Frame([]byte{0x40, 0x01}), "AA AA AA 96 69 00 04 00 00 21 25", nil},
		{"bad checksum from the host", nil, unhex(t, "AA AA AA 96 69 00 03 20 01 23"), "AA AA AA 96 69 00 04 00 00 10 14", nil},
		{"command with data", nil, idcard.Frame([]byte{0x20, 0x01, 0x00}), "AA AA AA 96 69 00 04 00 00 11 15", nil},
		{"garbage before a command", nil, append([]byte{0x00, 0xAA, 0x13}, cmd(idcard.SAMStatus)...), "AA AA AA 96 69 00 04 00 00 90 94", nil},
		{"card removed", func() { r.Remove() }, cmd(idcard.FindCard), "AA AA AA 96 69 00 04 00 00 80 84", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			reply := exchange(t, port, tc.send)
			if tc.want != "" && !bytes.Equal(reply, unhex(t, tc.want)) {
				t.Errorf("reply % X\nwant  %s", reply, tc.want)
			}
			if tc.check != nil {
				tc.check(t, reply)
			}
		})
	}
}

// The photo stands in for real WLT data, preamble bytes inside included.
func TestIDCardPhotoHasAPreambleInside(t *testing.T) {
	p := idcardPhoto(make([]byte, idcard.TextSize))
	if len(p) != idcard.PhotoSize || !bytes.Contains(p, idcard.Preamble) {
		t.Errorf("photo of %d bytes, preamble inside %v", len(p), bytes.Contains(p, idcard.Preamble))
	}
}

func TestIDCardFaults(t *testing.T) {
	_, r, port := startIDCard(t)
	r.Insert(SampleIDCard(idcard.Resident))
	find := idcard.FindCard.Frame()
	for _, tc := range []struct {
		name  string
		fault IDCardFault
		send  []byte
		want  string
	}{
		{"corrupt", IDCardCorrupt, find, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 CD"},
		{"truncate", IDCardTruncate, find, "AA AA AA 96 69 00 08 00"},
		{"fail-read", IDCardFailRead, idcard.ReadText.Frame(), "AA AA AA 96 69 00 04 00 00 41 45"},
		{"mute", IDCardMute, find, ""},
		{"ok again", IDCardOK, find, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r.SetFault(tc.fault)
			if tc.fault == IDCardFailRead {
				exchange(t, port, idcard.SelectCard.Frame())
			}
			write(t, port, tc.send)
			want := unhex(t, tc.want)
			if len(want) > 0 {
				if got := readFull(t, port, len(want)); !bytes.Equal(got, want) {
					t.Errorf("reply % X, want % X", got, want)
				}
			}
			// Nothing more follows.
			port.SetReadTimeout(150 * time.Millisecond)
			if n, _ := port.Read(make([]byte, 64)); n != 0 {
				t.Errorf("%d more bytes", n)
			}
		})
	}
}

func TestIDCardControl(t *testing.T) {
	b, r, port := startIDCard(t)
	dir := b.Dir()
	read := func(t *testing.T) idcard.Card {
		t.Helper()
		exchange(t, port, idcard.FindCard.Frame())
		exchange(t, port, idcard.SelectCard.Frame())
		rep, err := idcard.ParseReply(exchange(t, port, idcard.ReadText.Frame()))
		if err != nil {
			t.Fatal(err)
		}
		c, err := idcard.DecodeRead(rep)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		words []string
		want  func() idcard.Card
	}{
		{"default card", []string{"card-insert"}, func() idcard.Card { return SampleIDCard(idcard.Resident) }},
		{"name only", []string{"card-insert", `{"name":"王五",`, `"gender":"男"}`}, func() idcard.Card {
			c := SampleIDCard(idcard.Resident)
			c.Name, c.Gender = "王五", "男"
			return c
		}},
		{"hkmo_tw", []string{"card-insert", `{"type":"hkmo_tw"}`}, func() idcard.Card { return SampleIDCard(idcard.HKMOTW) }},
		{"foreign", []string{"card-insert", `{"type":"foreign","name":"MUELLER, ANNA","english_name":"MUELLER, ANNA"}`}, func() idcard.Card {
			c := SampleIDCard(idcard.Foreign)
			c.Name, c.EnglishName = "MUELLER, ANNA", "MUELLER, ANNA"
			return c
		}},
		{"foreign2023 with spaces in the JSON", []string{"card-insert", `{"type":`, `"foreign2023",`, `"english_name":"KOWALSKA, ANNA MARIA"}`},
			func() idcard.Card { return SampleIDCard(idcard.Foreign2023) }},
		{"full resident", []string{"card-insert", `{"type":"resident","name":"欧阳建国","gender":"男","nation":"满",` +
			`"birth":"1949-12-31","valid_from":"2010-01-01","valid_to":"长期","address":"北京市朝阳区",` +
			`"id_number":"11010519491231002X","authority":"北京市公安局朝阳分局"}`}, func() idcard.Card {
			return idcard.Card{Type: idcard.Resident, Name: "欧阳建国", Gender: "男", Nation: "满", Birth: "1949-12-31",
				ValidFrom: "2010-01-01", ValidTo: "长期", Address: "北京市朝阳区", IDNumber: "11010519491231002X",
				Authority: "北京市公安局朝阳分局"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply, err := Control(dir, tc.words...)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want()
			if reply != "ok inserted "+want.String() || strings.Contains(reply, want.IDNumber) {
				t.Errorf("reply %q", reply)
			}
			if got := read(t); got != want {
				t.Errorf("read %+v", got) // masked: compare the JSON by hand if this fails
			}
		})
	}
	t.Run("default number is valid", func(t *testing.T) {
		for _, ty := range []idcard.CardType{idcard.Resident, idcard.HKMOTW, idcard.Foreign2023} {
			if err := bianmin.ValidateIDNumber(SampleIDCard(ty).IDNumber); err != nil {
				t.Errorf("%s: %v", ty, err)
			}
		}
	})
	for _, tc := range []struct {
		name  string
		words []string
		want  string
	}{
		{"bad JSON", []string{"card-insert", `{"name":`}, "card-insert: card identity: unexpected end of JSON input"},
		{"unknown key", []string{"card-insert", `{"nmae":"王五"}`}, `card-insert: card identity: json: unknown field "nmae"`},
		{"two values", []string{"card-insert", `{}`, `{}`}, "after top-level value"},
		{"name too long", []string{"card-insert", `{"name":"一二三四五六七八九十一二三四五六"}`}, "name: 16 characters, at most 15 fit"},
		{"unknown type", []string{"card-insert", `{"type":"passport"}`}, `unknown card type "passport"`},
		{"bad date", []string{"card-insert", `{"birth":"1985/03/12"}`}, `birth "1985/03/12"`},
		{"fault words need the device named", []string{"corrupt"}, `unknown event "corrupt"`},
		{"fault with argument", []string{"idcard", "mute", "on"}, "mute: takes no arguments"},
		{"unknown for idcard", []string{"idcard", "jam"}, `unknown event "jam" for idcard`},
		{"card-remove with argument", []string{"card-remove", "now"}, "card-remove: takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := r.Card()
			_, err := Control(dir, tc.words...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if after, _ := r.Card(); after != before {
				t.Error("a failed event changed the card")
			}
		})
	}
	t.Run("faults and state", func(t *testing.T) {
		for _, f := range []string{"fail-read", "corrupt", "truncate", "mute", "ok"} {
			if _, err := Control(dir, "idcard", f); err != nil {
				t.Fatal(err)
			}
			st, _ := Control(dir, "status")
			if hasFault := strings.Contains(st, ", "+f); hasFault != (f != "ok") {
				t.Errorf("after %s: status %q", f, st)
			}
		}
		if _, err := Control(dir, "card-remove"); err != nil {
			t.Fatal(err)
		}
		if st := r.State(); st != "no card" {
			t.Errorf("state %q", st)
		}
	})
	t.Run("state is masked", func(t *testing.T) {
		r.Insert(SampleIDCard(idcard.Resident))
		st, err := Control(dir, "status")
		if err != nil || !strings.Contains(st, "idcard: resident card 张** 2301**********1239") || strings.Contains(st, "230103198503121239") {
			t.Errorf("status %q, %v", st, err)
		}
	})
}

// Unplug and replug reach the reader through the bench; a new connection
// starts unselected, as a reader powered on again.
func TestIDCardReplug(t *testing.T) {
	b, r, port := startIDCard(t)
	r.Insert(SampleIDCard(idcard.Resident))
	exchange(t, port, idcard.SelectCard.Frame())
	if _, err := b.Do("unplug", "idcard"); err != nil {
		t.Fatal(err)
	}
	if _, err := port.Write(idcard.FindCard.Frame()); err == nil {
		port.SetReadTimeout(200 * time.Millisecond)
		if n, err := port.Read(make([]byte, 16)); n > 0 && err == nil {
			t.Error("unplugged reader answered")
		}
	}
	if _, err := b.Do("replug", "idcard"); err != nil {
		t.Fatal(err)
	}
	port2 := host(t, b.Link("idcard").Path())
	if got := exchange(t, port2, idcard.ReadText.Frame()); !bytes.Equal(got, unhex(t, "AA AA AA 96 69 00 04 00 00 41 45")) {
		t.Errorf("read without select after replug: % X", got)
	}
	if _, err := idcard.ParseReply(exchange(t, port2, idcard.FindCard.Frame())); err != nil {
		t.Error(err)
	}
}

func TestIDCardBaudPacesReplies(t *testing.T) {
	dir := t.TempDir()
	r := NewIDCard()
	r.SetBaud(19200)
	r.Insert(SampleIDCard(idcard.Resident))
	b, err := Start(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	port := host(t, filepath.Join(dir, "idcard"))
	exchange(t, port, idcard.SelectCard.Frame())
	start := time.Now()
	exchange(t, port, idcard.ReadText.Frame())
	// 10 + 1295 bytes at 19200 baud 8N1: 0.68 s on the wire.
	if el := time.Since(start); el < 650*time.Millisecond {
		t.Errorf("read reply took %v at 19200 baud, faster than the wire", el)
	}
	// The simulator counts a write when it returns, which may be just after
	// the host has read the bytes.
	in, out := r.Traffic()
	for deadline := time.Now().Add(time.Second); out < 19+1295 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		in, out = r.Traffic()
	}
	if in != 20 || out != 19+1295 {
		t.Errorf("traffic in %d out %d", in, out)
	}
	if !strings.Contains(r.State(), "19200 baud") {
		t.Errorf("state %q", r.State())
	}
}
