package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// hx reads the protocol notes' spelling of bytes: "AA AA AA 96 69".
func hx(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// Every command frame of the protocol notes, byte for byte.
func TestCommandFrames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cmd   Command
		frame string
	}{
		{"reset SAM", ResetSAM, "AA AA AA 96 69 00 03 10 FF EC"},
		{"SAM status", SAMStatus, "AA AA AA 96 69 00 03 11 FF ED"},
		{"read SAM id", ReadSAMID, "AA AA AA 96 69 00 03 12 FF EE"},
		{"find card", FindCard, "AA AA AA 96 69 00 03 20 01 22"},
		{"select card", SelectCard, "AA AA AA 96 69 00 03 20 02 21"},
		{"read text and photo", ReadText, "AA AA AA 96 69 00 03 30 01 32"},
		{"read additional address", ReadAddress, "AA AA AA 96 69 00 03 30 03 30"},
		{"read text, photo and fingerprint", ReadTextFP, "AA AA AA 96 69 00 03 30 10 23"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := hx(t, tc.frame)
			if got := tc.cmd.Frame(); !bytes.Equal(got, want) {
				t.Errorf("Frame() = % X\nwant      % X", got, want)
			}
			if got := tc.cmd.String(); got != tc.name {
				t.Errorf("String() = %q", got)
			}
			back, err := ParseCommand(want)
			if err != nil || back != tc.cmd {
				t.Errorf("ParseCommand = %04X, %v", uint16(back), err)
			}
		})
	}
}

func TestSetBaud(t *testing.T) {
	for _, tc := range []struct {
		baud int
		para byte
	}{{115200, 0}, {57600, 1}, {38400, 2}, {19200, 3}, {9600, 4}} {
		t.Run(Command(0x6000|uint16(tc.para)).String(), func(t *testing.T) {
			c, err := SetBaud(tc.baud)
			if err != nil {
				t.Fatal(err)
			}
			want := Frame([]byte{0x60, tc.para})
			if got := c.Frame(); !bytes.Equal(got, want) || got[9] != 0x63^tc.para {
				t.Errorf("frame % X", got)
			}
			if b, ok := c.Baud(); !ok || b != tc.baud {
				t.Errorf("Baud() = %d, %v", b, ok)
			}
		})
	}
	if _, err := SetBaud(4800); err == nil {
		t.Error("SetBaud(4800) accepted")
	}
	if _, ok := Command(0x6005).Baud(); ok {
		t.Error("60 05 taken for a baud command")
	}
	if s := Command(0x4001).String(); s != "command 40 01" {
		t.Errorf("unknown command String %q", s)
	}
}

// Every reply example of the protocol notes decodes to its stated status.
func TestReplyExamples(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frame  string
		status Status
		data   string
		err    error // of Reply.Err
		text   string
	}{
		{"SAM OK", "AA AA AA 96 69 00 04 00 00 90 94", StatusOK, "", nil, "success"},
		{"find OK", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97", StatusCardFound, "00 00 00 00", nil, "card found"},
		{"find failed", "AA AA AA 96 69 00 04 00 00 80 84", StatusNoCard, "", ErrNoCard, "no card"},
		{"select OK", "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C", StatusOK, "00 00 00 00 00 00 00 00", nil, "success"},
		{"select failed", "AA AA AA 96 69 00 04 00 00 81 85", StatusSelectFailed, "", ErrSelectFailed, "select card failed"},
		{"read failed", "AA AA AA 96 69 00 04 00 00 41 45", StatusReadFailed, "", ErrReadFailed, "read failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := hx(t, tc.frame)
			r, err := ParseReply(frame)
			if err != nil {
				t.Fatal(err)
			}
			if r.SW1 != 0 || r.SW2 != 0 || r.Status != tc.status || !bytes.Equal(r.Data, hx(t, tc.data)) {
				t.Errorf("got %02X %02X %v % X", r.SW1, r.SW2, r.Status, r.Data)
			}
			if err := r.Err(); !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Errorf("Err() = %v, want %v", err, tc.err)
			}
			if r.Status.String() != tc.text {
				t.Errorf("Status %q, want %q", r.Status, tc.text)
			}
			if enc := r.Bytes(); !bytes.Equal(enc, frame) {
				t.Errorf("Bytes() = % X", enc)
			}
		})
	}
}

// The read replies: sizes and offsets of the protocol notes.
func TestReadReplyLayout(t *testing.T) {
	text := bytes.Repeat([]byte{'T'}, TextSize)
	photo := bytes.Repeat([]byte{'P'}, PhotoSize)
	fp := bytes.Repeat([]byte{'F'}, 1024)
	for _, tc := range []struct {
		name       string
		fp         []byte
		length     string
		total, off int
	}{
		{"30 01", nil, "05 08", 1295, 14},
		{"30 10", fp, "09 0A", 2321, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Reply{Status: StatusOK, Data: ReadData(text, photo, tc.fp)}.Bytes()
			if len(f) != tc.total {
				t.Fatalf("%d bytes, want %d", len(f), tc.total)
			}
			if !bytes.Equal(f[5:7], hx(t, tc.length)) {
				t.Errorf("length % X, want %s", f[5:7], tc.length)
			}
			if !bytes.Equal(f[tc.off:tc.off+TextSize], text) || f[tc.off-1] == 'T' {
				t.Errorf("text not at offset %d", tc.off)
			}
			r, err := ParseReply(f)
			if err != nil {
				t.Fatal(err)
			}
			got, pl, fl, err := ParseReadData(r.Data)
			if err != nil || !bytes.Equal(got, text) || pl != PhotoSize || fl != len(tc.fp) {
				t.Errorf("ParseReadData: %d bytes, photo %d, fingerprint %d, %v", len(got), pl, fl, err)
			}
		})
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"lengths do not add up", ReadData(text, photo, nil)[:100]},
		{"short text", ReadData(text[:200], photo, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, _, err := ParseReadData(tc.data); !errors.Is(err, ErrRecord) {
				t.Errorf("err = %v", err)
			}
		})
	}
}

func TestParseFrameErrors(t *testing.T) {
	good := hx(t, "AA AA AA 96 69 00 04 00 00 90 94")
	for _, tc := range []struct {
		name string
		in   []byte
		want error
		msg  string
	}{
		{"empty", nil, ErrTruncated, "idcard: truncated frame: 0 bytes, not even a preamble"},
		{"half a preamble", good[:3], ErrTruncated, ""},
		{"no length", good[:6], ErrTruncated, "idcard: truncated frame: 6 bytes, no length"},
		{"cut short", good[:10], ErrTruncated, "idcard: truncated frame: have 10 of 11 bytes"},
		{"garbage first", append([]byte{0}, good...), ErrPreamble, "idcard: no frame preamble"},
		{"not a frame", []byte("hello world"), ErrPreamble, ""},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrLength, "idcard: wrong frame length: 1 bytes after a 11-byte frame"},
		{"length 2", hx(t, "AA AA AA 96 69 00 02 00 02"), ErrLength, "idcard: wrong frame length: length field 2"},
		{"length too big", hx(t, "AA AA AA 96 69 FF FF 00"), ErrLength, "idcard: wrong frame length: length field 65535"},
		{"checksum", hx(t, "AA AA AA 96 69 00 04 00 00 90 95"), ErrChecksum, "idcard: bad checksum: 95, want 94"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseReply(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("message %q, want %q", err, tc.msg)
			}
		})
	}
	t.Run("reply without SW3", func(t *testing.T) {
		if _, err := ParseReply(Frame([]byte{0, 0})); !errors.Is(err, ErrLength) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("command with data", func(t *testing.T) {
		if _, err := ParseCommand(Frame([]byte{0x20, 0x01, 0x00})); !errors.Is(err, ErrLength) {
			t.Errorf("err = %v", err)
		}
	})
}

// frames reads every frame and error from a stream, as strings.
func frames(t *testing.T, r io.Reader) []string {
	t.Helper()
	fr := NewFrameReader(r)
	var out []string
	for i := 0; i < 100; i++ {
		f, err := fr.Next()
		switch {
		case err == io.EOF:
			return out
		case errors.Is(err, ErrChecksum):
			out = append(out, "checksum")
		case errors.Is(err, ErrLength):
			out = append(out, "length")
		case errors.Is(err, ErrTruncated):
			out = append(out, "truncated")
			return out
		case err != nil:
			t.Fatalf("Next: %v", err)
		default:
			out = append(out, strings.ToUpper(hex.EncodeToString(f)))
		}
	}
	t.Fatal("no end")
	return nil
}

func TestFrameReader(t *testing.T) {
	ok := "AAAAAA9669000400009094"
	found := "AAAAAA96690008000" + "09F0000000097"
	cat := func(parts ...string) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, hx(t, p)...)
		}
		return b
	}
	// A reply whose data holds a whole frame: the length field, not the
	// preamble inside, says where the reply ends.
	nested := Reply{Status: StatusOK, Data: hx(t, ok)}.Bytes()
	for _, tc := range []struct {
		name    string
		stream  []byte
		want    []string
		skipped int64
	}{
		{"one", cat(ok), []string{ok}, 0},
		{"two back to back", cat(ok, found), []string{ok, found}, 0},
		{"garbage before", cat("00 FF 13 AA AA 96", ok), []string{ok}, 6},
		{"preamble prefix in garbage", cat("AA AA AA AA 96", ok), []string{ok}, 5},
		{"garbage between", cat(ok, "01 02 03", found), []string{ok, found}, 3},
		{"garbage after", cat(ok, "01 02"), []string{ok}, 2},
		{"bad checksum, then a good frame", cat("AA AA AA 96 69 00 04 00 00 90 95", ok), []string{"checksum", ok}, 11},
		{"false preamble with a long length hides nothing",
			cat("AA AA AA 96 69 00 03 AA AA AA 96 69 00 04 00 00 90 94"), []string{"checksum", ok}, 7},
		{"impossible length", cat("AA AA AA 96 69 00 00", ok), []string{"length", ok}, 7},
		{"truncated at the end", cat(ok, "AA AA AA 96 69 00 04 00"), []string{ok, "truncated"}, 0},
		{"preamble inside data is not a frame start", nested, []string{strings.ToUpper(hex.EncodeToString(nested))}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []struct {
				name string
				r    func([]byte) io.Reader
			}{
				{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
				{"byte by byte", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
				{"data with EOF", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
			} {
				t.Run(mode.name, func(t *testing.T) {
					got := frames(t, mode.r(tc.stream))
					if strings.Join(got, " ") != strings.Join(tc.want, " ") {
						t.Errorf("frames\n%q\nwant\n%q", got, tc.want)
					}
				})
			}
			fr := NewFrameReader(bytes.NewReader(tc.stream))
			for {
				if _, err := fr.Next(); err == io.EOF || errors.Is(err, ErrTruncated) {
					break
				}
			}
			if fr.Skipped() != tc.skipped {
				t.Errorf("Skipped() = %d, want %d", fr.Skipped(), tc.skipped)
			}
		})
	}
}

// A read error other than EOF leaves the partial frame for the next call: a
// driver's step timeout is not the end of the stream.
func TestFrameReaderKeepsPartialFrame(t *testing.T) {
	frame := hx(t, "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97")
	errTimeout := errors.New("timeout")
	pr := &scripted{chunks: [][]byte{frame[:4], nil, frame[4:9], nil, frame[9:]}, err: errTimeout}
	fr := NewFrameReader(pr)
	for i := 0; i < 2; i++ {
		if _, err := fr.Next(); err != errTimeout || !fr.Pending() {
			t.Fatalf("call %d: %v, pending %v", i, err, fr.Pending())
		}
	}
	f, err := fr.Next()
	if err != nil || !bytes.Equal(f, frame) || fr.Pending() {
		t.Fatalf("Next = % X, %v", f, err)
	}
	fr.Reset()
	if fr.Pending() {
		t.Error("pending after Reset")
	}
}

// scripted returns its chunks one per Read; a nil chunk is err.
type scripted struct {
	chunks [][]byte
	err    error
}

func (s *scripted) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		return 0, io.EOF
	}
	c := s.chunks[0]
	s.chunks = s.chunks[1:]
	if c == nil {
		return 0, s.err
	}
	return copy(p, c), nil
}

func FuzzParseReply(f *testing.F) {
	for _, s := range []string{
		"AA AA AA 96 69 00 04 00 00 90 94", "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97",
		"AA AA AA 96 69 00 04 00 00 41 45", "AA AA AA 96 69 00 03 20 01 22", "AA AA AA 96 69 FF FF",
	} {
		f.Add(hx(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseReply(b)
		if err != nil {
			for _, e := range []error{ErrPreamble, ErrTruncated, ErrLength, ErrChecksum} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("untyped error %v", err)
		}
		// Accepted: one whole frame, and it encodes back to itself.
		if !bytes.Equal(r.Bytes(), b) {
			t.Fatalf("% X re-encodes to % X", b, r.Bytes())
		}
		if (r.Err() == nil) != (r.SW1 == 0 && r.SW2 == 0 && r.Status.OK()) {
			t.Fatalf("Err %v for %02X %02X %v", r.Err(), r.SW1, r.SW2, r.Status)
		}
		if c, err := DecodeRead(r); err == nil && c.Type == "" {
			t.Fatalf("card without a type")
		}
		DecodeAddress(r.Data)
	})
}

func FuzzFrameReader(f *testing.F) {
	f.Add(hx(f, "AA AA AA 96 69 00 04 00 00 90 94"))
	f.Add(hx(f, "00 AA AA AA 96 69 00 04 00 00 90 95 AA AA AA 96 69 00 04 00 00 90 94 AA AA"))
	f.Add(hx(f, "AA AA AA 96 69 00 03 AA AA AA 96 69 00 04 00 00 90 94"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		fr := NewFrameReader(iotest.OneByteReader(bytes.NewReader(stream)))
		var total int
		for i := 0; ; i++ {
			if i > len(stream)+1 {
				t.Fatal("Next does not make progress")
			}
			frame, err := fr.Next()
			if err == io.EOF || errors.Is(err, ErrTruncated) {
				break
			}
			if errors.Is(err, ErrChecksum) || errors.Is(err, ErrLength) {
				continue
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if _, err := ParseFrame(frame); err != nil {
				t.Fatalf("Next returned a bad frame % X: %v", frame, err)
			}
			if !bytes.Contains(stream, frame) {
				t.Fatalf("frame % X is not in the stream", frame)
			}
			total += len(frame)
		}
		if total+int(fr.Skipped()) > len(stream) {
			t.Fatalf("%d frame bytes + %d skipped > %d", total, fr.Skipped(), len(stream))
		}
	})
}
