package cctalk_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"bianmin/devices/cctalk"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The two examples of shared/protocols/cctalk.md, byte for byte.
func TestProtocolExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		frame cctalk.Frame
		want  string
	}{
		{"poll of address 2", cctalk.Frame{Dest: 2, Src: 1, Header: cctalk.HeaderSimplePoll}, "02 00 01 FE FF"},
		{"ACK from 2 to host", cctalk.Frame{Dest: 1, Src: 2, Header: cctalk.HeaderACK}, "01 00 02 00 FD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := cctalk.Encode(cctalk.Checksum, tc.frame)
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Errorf("Encode = % X, want % X", got, want)
			}
			f, err := cctalk.Decode(cctalk.Checksum, unhex(t, tc.want))
			if err != nil {
				t.Fatal(err)
			}
			if f.Dest != tc.frame.Dest || f.Src != tc.frame.Src || f.Header != tc.frame.Header || len(f.Data) != 0 {
				t.Errorf("Decode = %+v", f)
			}
		})
	}
}

// Vectors for every command the kiosk sends and the replies it reads, computed
// with an independent implementation (a few lines of Python) in both modes.
var vectors = []struct {
	name      string
	dest, src byte
	header    cctalk.Header
	data      string
	simple    string
	crc       string
}{
	{"simple poll coin", 2, 1, 254, "", "02 00 01 fe ff", "02 00 b1 fe 60"},
	{"simple poll bill", 40, 1, 254, "", "28 00 01 fe d9", "28 00 b6 fe 21"},
	{"manufacturer id bill", 40, 1, 246, "", "28 00 01 f6 e1", "28 00 be f6 a0"},
	{"equipment category bill", 40, 1, 245, "", "28 00 01 f5 e2", "28 00 dd f5 90"},
	{"product code bill", 40, 1, 244, "", "28 00 01 f4 e3", "28 00 fc f4 80"},
	{"serial number bill", 40, 1, 242, "", "28 00 01 f2 e5", "28 00 3a f2 e0"},
	{"self-check bill", 40, 1, 232, "", "28 00 01 e8 ef", "28 00 41 e8 53"},
	{"modify inhibit bill", 40, 1, 231, "3f00", "28 02 01 e7 3f 00 af", "28 02 fb e7 3f 00 d7"},
	{"request inhibit bill", 40, 1, 230, "", "28 00 01 e6 f1", "28 00 8f e6 b2"},
	{"read coin buffer", 2, 1, 229, "", "02 00 01 e5 18", "02 00 eb e5 c3"},
	{"master enable bill", 40, 1, 228, "01", "28 01 01 e4 01 f1", "28 01 ea e4 01 49"},
	{"master inhibit coin", 2, 1, 228, "00", "02 01 01 e4 00 18", "02 01 2e e4 00 06"},
	{"request master inhibit bill", 40, 1, 227, "", "28 00 01 e3 f4", "28 00 2a e3 e2"},
	{"read bill events", 40, 1, 159, "", "28 00 01 9f 38", "28 00 31 9f 5d"},
	{"bill id 4", 40, 1, 157, "04", "28 01 01 9d 04 35", "28 01 8e 9d 04 ab"},
	{"route stack", 40, 1, 154, "01", "28 01 01 9a 01 3b", "28 01 bc 9a 01 62"},
	{"route return", 40, 1, 154, "00", "28 01 01 9a 00 3c", "28 01 9d 9a 00 72"},
	{"route extend", 40, 1, 154, "ff", "28 01 01 9a ff 3d", "28 01 6d 9a ff 6c"},
	{"reset coin", 2, 1, 1, "", "02 00 01 01 fc", "02 00 41 01 7e"},
	{"ack from coin", 1, 2, 0, "", "01 00 02 00 fd", "01 00 30 00 37"},
	{"ack from bill", 1, 40, 0, "", "01 00 28 00 d7", "01 00 30 00 37"},
	{"nak from bill", 1, 40, 5, "", "01 00 28 05 d2", "01 00 95 05 67"},
	{"busy from bill", 1, 40, 6, "", "01 00 28 06 d1", "01 00 f6 06 57"},
	{"bill id reply", 1, 40, 0, "434e3030323041", "01 07 28 00 43 4e 30 30 32 30 41 3c", "01 07 81 00 43 4e 30 30 32 30 41 e7"},
	{"category reply", 1, 40, 0, "42696c6c2056616c696461746f72", "01 0e 28 00 42 69 6c 6c 20 56 61 6c 69 64 61 74 6f 72 80", "01 0e 2d 00 42 69 6c 6c 20 56 61 6c 69 64 61 74 6f 72 30"},
	{"bill events reply", 1, 40, 0, "0704000401000a03010000", "01 0b 28 00 07 04 00 04 01 00 0a 03 01 00 00 ae", "01 0b 58 00 07 04 00 04 01 00 0a 03 01 00 00 66"},
	{"route escrow empty", 1, 40, 0, "fe", "01 01 28 00 fe d8", "01 01 55 00 fe 4f"},
}

func TestVectors(t *testing.T) {
	for _, tc := range vectors {
		t.Run(tc.name, func(t *testing.T) {
			data := unhex(t, tc.data)
			f := cctalk.Frame{Dest: tc.dest, Src: tc.src, Header: tc.header, Data: data}
			for _, m := range []struct {
				mode cctalk.Mode
				want string
				src  byte // what Decode gives back
			}{{cctalk.Checksum, tc.simple, tc.src}, {cctalk.CRC16, tc.crc, 0}} {
				want := unhex(t, m.want)
				got, err := cctalk.Encode(m.mode, f)
				if err != nil {
					t.Fatalf("%v: %v", m.mode, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%v: Encode = % x, want % x", m.mode, got, want)
				}
				d, err := cctalk.Decode(m.mode, want)
				if err != nil {
					t.Fatalf("%v: Decode: %v", m.mode, err)
				}
				if d.Dest != tc.dest || d.Src != m.src || d.Header != tc.header || !bytes.Equal(d.Data, data) {
					t.Errorf("%v: Decode = %+v", m.mode, d)
				}
			}
		})
	}
}

func TestCRCCheckValue(t *testing.T) {
	if got := cctalk.CRC(0, []byte("123456789")); got != 0x31C3 {
		t.Errorf("CRC-16/XMODEM(123456789) = %#04x, want 0x31c3", got)
	}
	// Continuing a CRC is the same as computing it in one go.
	if got := cctalk.CRC(cctalk.CRC(0, []byte("1234")), []byte("56789")); got != 0x31C3 {
		t.Errorf("split CRC = %#04x", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	long := make([]byte, 260)
	long[1] = 255
	for _, tc := range []struct {
		name string
		mode cctalk.Mode
		in   string
		want error
	}{
		{"empty", cctalk.Checksum, "", cctalk.ErrTruncated},
		{"four bytes", cctalk.Checksum, "02 00 01 fe", cctalk.ErrTruncated},
		{"data missing", cctalk.Checksum, "28 02 01 e7 3f", cctalk.ErrTruncated},
		{"extra byte", cctalk.Checksum, "02 00 01 fe ff 00", cctalk.ErrBadLength},
		{"bad checksum", cctalk.Checksum, "02 00 01 fe fe", cctalk.ErrChecksum},
		{"bit flip in data", cctalk.Checksum, "01 07 28 00 43 4e 30 30 33 30 41 3c", cctalk.ErrChecksum},
		{"bad CRC", cctalk.CRC16, "02 00 b1 fe 61", cctalk.ErrCRC},
		{"bad CRC is a bad checksum", cctalk.CRC16, "02 00 b0 fe 60", cctalk.ErrChecksum},
		{"simple frame read as CRC", cctalk.CRC16, "02 00 01 fe ff", cctalk.ErrCRC},
		{"CRC frame read as simple", cctalk.Checksum, "02 00 b1 fe 60", cctalk.ErrChecksum},
		{"too long", cctalk.Checksum, hex.EncodeToString(long), cctalk.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cctalk.Decode(tc.mode, unhex(t, tc.in))
			if !errors.Is(err, tc.want) {
				t.Errorf("Decode = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestLongestFrame(t *testing.T) {
	f := cctalk.Frame{Dest: 1, Src: 40, Data: bytes.Repeat([]byte{0xA5}, cctalk.MaxData)}
	for _, m := range []cctalk.Mode{cctalk.Checksum, cctalk.CRC16} {
		b, err := cctalk.Encode(m, f)
		if err != nil || len(b) != cctalk.MaxFrame {
			t.Fatalf("%v: %d bytes, %v; want 259", m, len(b), err)
		}
		if _, err := cctalk.Decode(m, b); err != nil {
			t.Errorf("%v: %v", m, err)
		}
	}
	f.Data = append(f.Data, 0)
	if _, err := cctalk.Encode(cctalk.Checksum, f); !errors.Is(err, cctalk.ErrTooLong) {
		t.Errorf("255 data bytes: %v, want ErrTooLong", err)
	}
}

func TestReplyErr(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header cctalk.Header
		want   error
	}{
		{"ACK", cctalk.HeaderACK, nil},
		{"NAK", cctalk.HeaderNAK, cctalk.ErrNAK},
		{"BUSY", cctalk.HeaderBusy, cctalk.ErrBusy},
		{"a command", cctalk.HeaderSimplePoll, cctalk.ErrNotAReply},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cctalk.Frame{Dest: 1, Src: 2, Header: tc.header}.Err()
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Errorf("Err() = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		data := make([]byte, r.IntN(cctalk.MaxData+1))
		for j := range data {
			data[j] = byte(r.UintN(256))
		}
		f := cctalk.Frame{Dest: byte(r.UintN(256)), Src: byte(r.UintN(256)), Header: cctalk.Header(r.UintN(256)), Data: data}
		for _, m := range []cctalk.Mode{cctalk.Checksum, cctalk.CRC16} {
			b, err := cctalk.Encode(m, f)
			if err != nil {
				t.Fatal(err)
			}
			g, err := cctalk.Decode(m, b)
			if err != nil {
				t.Fatalf("frame %d %v: %v", i, m, err)
			}
			want := f
			if m == cctalk.CRC16 {
				want.Src = 0
			}
			if g.Dest != want.Dest || g.Src != want.Src || g.Header != want.Header || !bytes.Equal(g.Data, want.Data) {
				t.Fatalf("frame %d %v: %+v, want %+v", i, m, g, want)
			}
			// Any single corrupted byte is caught.
			k := r.IntN(len(b))
			bad := bytes.Clone(b)
			bad[k] ^= byte(1 + r.UintN(255))
			if _, err := cctalk.Decode(m, bad); err == nil {
				t.Fatalf("frame %d %v: corrupted byte %d not detected", i, m, k)
			}
		}
	}
}
