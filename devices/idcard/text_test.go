package idcard

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf16"
)

// Sample cards of each type, as the simulator's defaults are built.
var (
	residentCard = Card{Type: Resident, Name: "张秀英", Gender: "女", Nation: "汉", Birth: "1985-03-12",
		Address: "黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室", IDNumber: "230103198503121239",
		Authority: "哈尔滨市公安局南岗分局", ValidFrom: "2015-06-01", ValidTo: "2035-06-01"}
	elderCard = Card{Type: Resident, Name: "欧阳建国", Gender: "男", Nation: "满", Birth: "1949-12-31",
		Address: "北京市朝阳区", IDNumber: "11010519491231002X", Authority: "北京市公安局朝阳分局",
		ValidFrom: "2010-01-01", ValidTo: "长期"}
	hkmoCard = Card{Type: HKMOTW, Name: "陈大文", Gender: "男", Birth: "1990-01-01",
		Address: "广东省深圳市福田区福华路1号", IDNumber: "810000199001011230", Authority: "深圳市公安局",
		ValidFrom: "2019-01-01", ValidTo: "2024-01-01", PassNumber: "H12345678", IssueCount: "01"}
	foreignCard = Card{Type: Foreign, Name: "约翰", EnglishName: "SMITH, JOHN ALEXANDER", Gender: "男",
		IDNumber: "USA110080123456", Nationality: "USA", Birth: "1980-08-01",
		ValidFrom: "2018-05-01", ValidTo: "2028-05-01", CardVersion: "01", Authority: "1100"}
	foreignNoChinese = Card{Type: Foreign, Name: "MUELLER, ANNA", EnglishName: "MUELLER, ANNA", Gender: "女",
		IDNumber: "DEU310090654321", Nationality: "DEU", Birth: "1990-09-09",
		ValidFrom: "2020-02-02", ValidTo: "2030-02-02", CardVersion: "02", Authority: "3100"}
	foreign2023Card = Card{Type: Foreign2023, Name: "玛丽", EnglishName: "WILLIAMSON-BRIGHTWATER, MARY ELIZABETH",
		Gender: "女", RenewalCount: "00", Birth: "1975-11-30", IDNumber: "911840197511300028", Nationality: "GBR",
		ValidFrom: "2023-12-01", ValidTo: "2033-12-01"}
)

// ucs2le spells s as the card stores it.
func ucs2le(s string) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}

// record lays fields (offset → text) over a record of spaces.
func record(fields map[int]string) []byte {
	rec := bytes.Repeat([]byte{' ', 0}, TextSize/2)
	for off, s := range fields {
		copy(rec[off:], ucs2le(s))
	}
	return rec
}

// Records written by hand from the offsets of the protocol notes, not by
// EncodeText: they check both directions against the notes.
func TestDecodeTextLayouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		rec  []byte
		want Card
	}{
		{"resident", record(map[int]string{0: "张秀英", 30: "2", 32: "01", 36: "19850312",
			52: "黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室", 122: "230103198503121239",
			158: "哈尔滨市公安局南岗分局", 188: "20150601", 204: "20350601"}), residentCard},
		{"resident, no expiry", record(map[int]string{0: "欧阳建国", 30: "1", 32: "11", 36: "19491231",
			52: "北京市朝阳区", 122: "11010519491231002X", 158: "北京市公安局朝阳分局", 188: "20100101", 204: "长期"}), elderCard},
		{"J", record(map[int]string{0: "陈大文", 30: "1", 36: "19900101", 52: "广东省深圳市福田区福华路1号",
			122: "810000199001011230", 158: "深圳市公安局", 188: "20190101", 204: "20240101",
			220: "H12345678", 238: "01", 248: "J"}), hkmoCard},
		{"I", record(map[int]string{0: "SMITH, JOHN ALEXANDER", 120: "1", 122: "USA110080123456", 152: "USA",
			158: "约翰", 188: "20180501", 204: "20280501", 220: "19800801", 236: "01", 240: "1100", 248: "I"}), foreignCard},
		{"I without a Chinese name", record(map[int]string{0: "MUELLER, ANNA", 120: "2", 122: "DEU310090654321",
			152: "DEU", 188: "20200202", 204: "20300202", 220: "19900909", 236: "02", 240: "3100", 248: "I"}), foreignNoChinese},
		{"Y", record(map[int]string{0: "玛丽", 30: "2", 32: "00", 36: "19751130",
			52: "WILLIAMSON-BRIGHTWATER, MARY ELIZAB", 122: "911840197511300028", 188: "20231201", 204: "20331201",
			220: "ETH", 242: "GBR", 248: "Y"}), foreign2023Card},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeText(tc.rec)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", js(t, got), js(t, tc.want))
			}
			enc, err := EncodeText(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(enc, tc.rec) {
				for i := range enc {
					if enc[i] != tc.rec[i] {
						t.Fatalf("EncodeText differs from the notes' layout at offset %d:\n% X\n% X", i, enc, tc.rec)
					}
				}
			}
		})
	}
}

func js(t *testing.T, c Card) string {
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The JSON keys of SPEC §3, exactly.
func TestCardJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		card Card
		want string
	}{
		{"resident", residentCard, `{"type":"resident","name":"张秀英","gender":"女","nation":"汉","birth":"1985-03-12",` +
			`"valid_from":"2015-06-01","valid_to":"2035-06-01","address":"黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室",` +
			`"id_number":"230103198503121239","authority":"哈尔滨市公安局南岗分局"}`},
		{"hkmo_tw", hkmoCard, `{"type":"hkmo_tw","name":"陈大文","gender":"男","nation":"","birth":"1990-01-01",` +
			`"valid_from":"2019-01-01","valid_to":"2024-01-01","address":"广东省深圳市福田区福华路1号","id_number":"810000199001011230",` +
			`"authority":"深圳市公安局","pass_number":"H12345678","issue_count":"01"}`},
		{"foreign", foreignCard, `{"type":"foreign","name":"约翰","gender":"男","nation":"","birth":"1980-08-01",` +
			`"valid_from":"2018-05-01","valid_to":"2028-05-01","address":"","id_number":"USA110080123456","authority":"1100",` +
			`"english_name":"SMITH, JOHN ALEXANDER","nationality":"USA","card_version":"01"}`},
		{"foreign2023", foreign2023Card, `{"type":"foreign2023","name":"玛丽","gender":"女","nation":"","birth":"1975-11-30",` +
			`"valid_from":"2023-12-01","valid_to":"2033-12-01","address":"","id_number":"911840197511300028","authority":"",` +
			`"english_name":"WILLIAMSON-BRIGHTWATER, MARY ELIZABETH","nationality":"GBR","renewal_count":"00"}`},
		{"additional address", Card{Type: Resident, AdditionalAddress: "哈尔滨市道里区"}, `{"type":"resident","name":"",` +
			`"gender":"","nation":"","birth":"","valid_from":"","valid_to":"","address":"","id_number":"","authority":"",` +
			`"additional_address":"哈尔滨市道里区"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(tc.card); err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(b.String()); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			var back Card
			if err := json.Unmarshal(b.Bytes(), &back); err != nil || back != tc.card {
				t.Errorf("unmarshal: %v %s", err, js(t, back))
			}
		})
	}
}

func TestTextRoundTrip(t *testing.T) {
	for _, c := range []Card{residentCard, elderCard, hkmoCard, foreignCard, foreignNoChinese, foreign2023Card,
		{Type: Resident, Name: "王", Gender: "未说明"}, // empty fields stay empty
		{Name: "阿卜杜热合曼·买买提艾力", Gender: "未说明", Nation: "维吾尔族", IDNumber: "650102199001011234"},
	} {
		t.Run(c.String(), func(t *testing.T) {
			rec, err := EncodeText(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) != TextSize {
				t.Fatalf("%d bytes", len(rec))
			}
			got, err := DecodeText(rec)
			if err != nil {
				t.Fatal(err)
			}
			want := c
			if want.Type == "" {
				want.Type = Resident
			}
			want.Nation = strings.TrimSuffix(want.Nation, "族")
			if got != want {
				t.Errorf("got  %s\nwant %s", js(t, got), js(t, want))
			}
		})
	}
}

func TestNations(t *testing.T) {
	// GB 3304 order, spot checks at both ends and the ones often mixed up.
	for code, name := range map[string]string{"01": "汉", "02": "蒙古", "05": "维吾尔", "10": "朝鲜", "11": "满",
		"15": "土家", "29": "柯尔克孜", "30": "土", "36": "毛南", "37": "仡佬", "43": "乌孜别克", "49": "京",
		"55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统"} {
		t.Run(code, func(t *testing.T) {
			c, err := DecodeText(record(map[int]string{32: code}))
			if err != nil || c.Nation != name {
				t.Errorf("nation %s = %q, %v; want %q", code, c.Nation, err, name)
			}
			if back, ok := nationCode(name + "族"); !ok || back != code {
				t.Errorf("nationCode(%s族) = %s", name, back)
			}
		})
	}
	if len(nations) != 58 {
		t.Errorf("%d nations, want 56 + 2", len(nations))
	}
	for _, bad := range []string{"00", "57", "96", "99", "1", "汉"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if _, err := DecodeText(record(map[int]string{32: bad})); !errors.Is(err, ErrRecord) {
				t.Errorf("nation %q: %v", bad, err)
			}
		})
	}
}

func TestGendersAndDates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[int]string
		check  func(Card) bool
		bad    bool
	}{
		{"male", map[int]string{30: "1"}, func(c Card) bool { return c.Gender == "男" }, false},
		{"female", map[int]string{30: "2"}, func(c Card) bool { return c.Gender == "女" }, false},
		{"unknown", map[int]string{30: "0"}, func(c Card) bool { return c.Gender == "未知" }, false},
		{"not stated", map[int]string{30: "9"}, func(c Card) bool { return c.Gender == "未说明" }, false},
		{"gender 3", map[int]string{30: "3"}, nil, true},
		{"gender M", map[int]string{30: "M"}, nil, true},
		{"birth", map[int]string{36: "20000229"}, func(c Card) bool { return c.Birth == "2000-02-29" }, false},
		{"valid to 长期", map[int]string{204: "长期"}, func(c Card) bool { return c.ValidTo == "长期" }, false},
		{"长期 only in valid_to", map[int]string{188: "长期"}, nil, true},
		{"not a date", map[int]string{36: "19491331"}, nil, true},
		{"short date", map[int]string{36: "1949123"}, nil, true},
		{"dashed date", map[int]string{36: "1949-12-3"}, nil, true},
		{"NUL padding", map[int]string{0: "李四\x00\x00\x00"}, func(c Card) bool { return c.Name == "李四" }, false},
		{"leading blanks", map[int]string{0: "  李四"}, func(c Card) bool { return c.Name == "李四" }, false},
		{"NUL type character", map[int]string{248: "\x00"}, func(c Card) bool { return c.Type == Resident }, false},
		{"unknown type", map[int]string{248: "Z"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeText(record(tc.fields))
			if tc.bad {
				if !errors.Is(err, ErrRecord) {
					t.Errorf("err = %v, want ErrRecord", err)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Errorf("%s, %v", js(t, c), err)
			}
		})
	}
	if _, err := DecodeText(make([]byte, 255)); !errors.Is(err, ErrRecord) {
		t.Errorf("255 bytes: %v", err)
	}
}

func TestEncodeTextErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Card)
		want string
	}{
		{"unknown type", func(c *Card) { c.Type = "passport" }, `unknown card type "passport"`},
		{"name too long", func(c *Card) { c.Name = strings.Repeat("王", 16) }, "name: 16 characters, at most 15 fit"},
		{"address too long", func(c *Card) { c.Address = strings.Repeat("路", 36) }, "address: 36 characters, at most 35 fit"},
		{"outside UCS-2", func(c *Card) { c.Name = "王𠀀" }, "does not fit UCS-2"},
		{"gender", func(c *Card) { c.Gender = "M" }, `gender "M"`},
		{"nation", func(c *Card) { c.Nation = "火星" }, `unknown nation "火星"`},
		{"birth format", func(c *Card) { c.Birth = "12/03/1985" }, `birth "12/03/1985": want YYYY-MM-DD`},
		{"valid_to format", func(c *Card) { c.ValidTo = "永久" }, "want YYYY-MM-DD or 长期"},
		{"英文名 on a resident card", func(c *Card) { c.EnglishName = "X" }, "a resident card has no english_name"},
		{"nation on a foreign card", func(c *Card) { *c = foreignCard; c.Nation = "汉" }, "a foreign card has no nation"},
		{"address on a 2023 card", func(c *Card) { *c = foreign2023Card; c.Address = "北京" }, "a foreign2023 card has no address"},
		{"English name too long", func(c *Card) { *c = foreign2023Card; c.EnglishName = strings.Repeat("A", 47) }, "english_name: 47 characters, at most 46 fit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := residentCard
			tc.edit(&c)
			_, err := EncodeText(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAddress(t *testing.T) {
	b, err := EncodeAddress("黑龙江省哈尔滨市道里区尚志大街100号")
	if err != nil || len(b) != AddressSize {
		t.Fatal(len(b), err)
	}
	if s, err := DecodeAddress(b); err != nil || s != "黑龙江省哈尔滨市道里区尚志大街100号" {
		t.Errorf("DecodeAddress = %q, %v", s, err)
	}
	if _, err := EncodeAddress(strings.Repeat("路", 36)); err == nil {
		t.Error("36 characters encoded")
	}
	if _, err := DecodeAddress(b[:69]); !errors.Is(err, ErrRecord) {
		t.Errorf("69 bytes: %v", err)
	}
}

// No format verb and no slog handler shows a name or number whole.
func TestCardIsMasked(t *testing.T) {
	c := residentCard
	c.AdditionalAddress = "秘密路1号"
	type wrapper struct{ Card Card }
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("read", "card", c)
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("read", "card", c)
	outs := []string{logged.String()}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		outs = append(outs, fmt.Sprintf(f, c), fmt.Sprintf(f, &c), fmt.Sprintf(f, wrapper{c}), fmt.Sprintf(f, []Card{c}))
	}
	for _, out := range outs {
		for _, secret := range []string{c.IDNumber, c.Name, c.Address, c.AdditionalAddress, "19850312", "秀英"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows %q", out, secret)
			}
		}
	}
	if s := c.String(); s != "resident card 张** 2301**********1239" {
		t.Errorf("String() = %q", s)
	}
	if !strings.Contains(logged.String(), "card.id_number=2301**********1239") {
		t.Errorf("log %q", logged.String())
	}
}

func FuzzDecodeText(f *testing.F) {
	for _, c := range []Card{residentCard, elderCard, hkmoCard, foreignCard, foreign2023Card} {
		rec, err := EncodeText(c)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec)
	}
	f.Add(make([]byte, TextSize))
	f.Fuzz(func(t *testing.T, rec []byte) {
		c, err := DecodeText(rec)
		if err != nil {
			if !errors.Is(err, ErrRecord) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Whatever decodes, encodes, and decodes to the same card.
		enc, err := EncodeText(c)
		if err != nil {
			t.Fatalf("EncodeText(%s): %v", js(t, c), err)
		}
		again, err := DecodeText(enc)
		if err != nil || again != c {
			t.Fatalf("round trip: %s\n%s, %v", js(t, c), js(t, again), err)
		}
	})
}
