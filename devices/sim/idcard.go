package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"bianmin/devices/idcard"
)

// IDCardFault is a fault a simulated ID-card reader can be told to have.
type IDCardFault int

const (
	IDCardOK       IDCardFault = iota
	IDCardFailRead             // reads answer SW3 41 (read failed)
	IDCardCorrupt              // every reply goes out with a wrong checksum
	IDCardTruncate             // every reply stops half way
	IDCardMute                 // nothing is answered: not a reader
)

var idcardFaults = []string{IDCardOK: "ok", IDCardFailRead: "fail-read", IDCardCorrupt: "corrupt",
	IDCardTruncate: "truncate", IDCardMute: "mute"}

func (f IDCardFault) String() string {
	if f < 0 || int(f) >= len(idcardFaults) {
		return fmt.Sprintf("IDCardFault(%d)", int(f))
	}
	return idcardFaults[f]
}

// SampleIDCard returns a realistic card of type t (resident for ""), with a
// number that passes the GB 11643 check where the card has one. Nobody real:
// the names and numbers are made up.
func SampleIDCard(t idcard.CardType) idcard.Card {
	switch t {
	case idcard.HKMOTW:
		return idcard.Card{Type: idcard.HKMOTW, Name: "陈大文", Gender: "男", Birth: "1990-01-01",
			Address: "黑龙江省哈尔滨市南岗区西大直街92号", IDNumber: "810000199001011230",
			Authority: "哈尔滨市公安局南岗分局", ValidFrom: "2021-03-15", ValidTo: "2026-03-15",
			PassNumber: "H12345678", IssueCount: "01"}
	case idcard.Foreign:
		return idcard.Card{Type: idcard.Foreign, Name: "伊万", EnglishName: "PETROV, IVAN SERGEEVICH", Gender: "男",
			IDNumber: "RUS230080512345", Nationality: "RUS", Birth: "1980-05-12",
			ValidFrom: "2018-07-01", ValidTo: "2028-07-01", CardVersion: "01", Authority: "2301"}
	case idcard.Foreign2023:
		return idcard.Card{Type: idcard.Foreign2023, Name: "安娜", EnglishName: "KOWALSKA, ANNA MARIA", Gender: "女",
			RenewalCount: "00", Birth: "1992-09-21", IDNumber: "92361619920921002X", Nationality: "POL",
			ValidFrom: "2024-01-10", ValidTo: "2034-01-10"}
	}
	return idcard.Card{Type: idcard.Resident, Name: "张秀英", Gender: "女", Nation: "汉", Birth: "1985-03-12",
		Address: "黑龙江省哈尔滨市南岗区花园街道红军街38号2单元501室", IDNumber: "230103198503121239",
		Authority: "哈尔滨市公安局南岗分局", ValidFrom: "2015-06-01", ValidTo: "2035-06-01"}
}

// IDCard simulates an ID-card reader with its SAM (GA 467 protocol): it answers
// every command of the protocol with real frames, a card on it or not, and
// checks the host's frames as a SAM does (10 checksum, 11 length, 21 unknown
// command). Select needs a card; reads need a card selected since it was put
// down. Safe for concurrent use.
type IDCard struct {
	mu       sync.Mutex
	card     *idcard.Card // nil: no card on the reader
	text     []byte       // the card's text record
	addr     []byte       // its additional address, nil when none
	photo    []byte       // made-up WLT bytes, the size a reader sends
	selected bool
	fault    IDCardFault
	baud     int
	requests int
	in, out  int64 // bytes taken from and sent to the host
}

var _ Device = (*IDCard)(nil)

// NewIDCard returns a healthy reader with no card on it.
func NewIDCard() *IDCard { return &IDCard{} }

// Name is "idcard".
func (r *IDCard) Name() string { return "idcard" }

// SetBaud makes the reader move bytes at the rate of an 8N1 line at baud (10
// bits a byte) from its next connection on; 0 means as fast as the pty.
func (r *IDCard) SetBaud(baud int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.baud = max(baud, 0)
}

// Insert puts card c on the reader: its text record, additional address and a
// photo are built as a real card would give them. An identity that does not
// fit a card (see idcard.EncodeText) is an error and changes nothing.
func (r *IDCard) Insert(c idcard.Card) error {
	text, err := idcard.EncodeText(c)
	if err != nil {
		return err
	}
	var addr []byte
	if c.AdditionalAddress != "" {
		if addr, err = idcard.EncodeAddress(c.AdditionalAddress); err != nil {
			return err
		}
	}
	if c.Type == "" {
		c.Type = idcard.Resident
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.card, r.text, r.addr, r.photo, r.selected = &c, text, addr, idcardPhoto(text), false
	return nil
}

// InsertJSON puts a card given in the card JSON form of SPEC §3 on the reader.
// Keys left out keep the values of SampleIDCard of the card's type, so
// {"name":"王五"} is the sample resident named 王五. "" is the sample resident.
func (r *IDCard) InsertJSON(identity string) error {
	var head struct {
		Type idcard.CardType `json:"type"`
	}
	identity = strings.TrimSpace(identity)
	if identity == "" {
		identity = "{}"
	}
	// Unmarshal checks the whole input is one value; the decoder, which
	// would stop after the first, checks the keys.
	if err := json.Unmarshal([]byte(identity), &head); err != nil {
		return fmt.Errorf("card identity: %w", err)
	}
	c := SampleIDCard(head.Type)
	dec := json.NewDecoder(strings.NewReader(identity))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("card identity: %w", err)
	}
	return r.Insert(c)
}

// Remove takes the card away.
func (r *IDCard) Remove() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.text)
	r.card, r.text, r.addr, r.photo, r.selected = nil, nil, nil, nil, false
}

// Card returns the card on the reader; ok is false when there is none.
func (r *IDCard) Card() (c idcard.Card, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.card == nil {
		return idcard.Card{}, false
	}
	return *r.card, true
}

// SetFault injects a fault; IDCardOK clears it.
func (r *IDCard) SetFault(f IDCardFault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fault = f
}

// Requests is the number of frames received so far.
func (r *IDCard) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Traffic is the bytes taken from the host and sent to it so far.
func (r *IDCard) Traffic() (in, out int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.in, r.out
}

// idcardPhoto makes up 1024 bytes that stand for a card's WLT photo: deterministic
// per card, and with a frame preamble inside, as real photo data can have, so
// that hosts that resynchronise on the preamble inside a frame get caught.
func idcardPhoto(text []byte) []byte {
	p := make([]byte, idcard.PhotoSize)
	copy(p, "WLT")
	var x uint32 = 2166136261
	for _, b := range text {
		x = (x ^ uint32(b)) * 16777619
	}
	for i := 3; i < len(p); i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		p[i] = byte(x)
	}
	copy(p[500:], idcard.Preamble)
	return p
}

// Serve plays the reader on conn until a read or write fails. A new
// connection starts a new session, as a reader powered on again would.
func (r *IDCard) Serve(conn io.ReadWriter) error {
	r.mu.Lock()
	rw := Pace(&idcardCounted{rw: conn, r: r}, r.baud)
	r.selected = false
	r.mu.Unlock()
	fr := idcard.NewFrameReader(rw)
	for {
		frame, err := fr.Next()
		var reply []byte
		switch {
		case errors.Is(err, idcard.ErrChecksum):
			reply = r.answerStatus(idcard.StatusHostChecksum)
		case errors.Is(err, idcard.ErrLength):
			reply = r.answerStatus(idcard.StatusHostLength)
		case err != nil:
			return err
		default:
			reply = r.answer(frame)
		}
		if len(reply) > 0 {
			if _, err := rw.Write(reply); err != nil {
				return err
			}
		}
	}
}

// idcardCounted counts the bytes that cross the simulated wire.
type idcardCounted struct {
	rw io.ReadWriter
	r  *IDCard
}

func (c *idcardCounted) Read(p []byte) (int, error) {
	n, err := c.rw.Read(p)
	c.r.mu.Lock()
	c.r.in += int64(n)
	c.r.mu.Unlock()
	return n, err
}

func (c *idcardCounted) Write(p []byte) (int, error) {
	n, err := c.rw.Write(p)
	c.r.mu.Lock()
	c.r.out += int64(n)
	c.r.mu.Unlock()
	return n, err
}

func (r *IDCard) answerStatus(s idcard.Status) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	return r.faulty(idcard.Reply{Status: s})
}

// answer returns the reply frame to a host frame, faults applied.
func (r *IDCard) answer(frame []byte) []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	cmd, err := idcard.ParseCommand(frame)
	if err != nil {
		return r.faulty(idcard.Reply{Status: idcard.StatusHostLength})
	}
	ok := func(data []byte) idcard.Reply { return idcard.Reply{Status: idcard.StatusOK, Data: data} }
	status := func(s idcard.Status) idcard.Reply { return idcard.Reply{Status: s} }
	var reply idcard.Reply
	switch cmd {
	case idcard.ResetSAM:
		r.selected = false
		reply = ok(nil)
	case idcard.SAMStatus:
		reply = ok(nil)
	case idcard.ReadSAMID:
		reply = ok([]byte{0x05, 0x00, 0x01, 0x00, 0x5A, 0x2B, 0x33, 0x01, 0xD2, 0x04, 0x00, 0x00, 0x15, 0xCD, 0x5B, 0x07})
	case idcard.FindCard:
		if r.card == nil {
			reply = status(idcard.StatusNoCard)
		} else {
			reply = idcard.Reply{Status: idcard.StatusCardFound, Data: make([]byte, 4)}
		}
	case idcard.SelectCard:
		if r.card == nil {
			reply = status(idcard.StatusSelectFailed)
		} else {
			r.selected = true
			reply = ok(make([]byte, 8))
		}
	case idcard.ReadText, idcard.ReadTextFP:
		switch {
		case r.card == nil || !r.selected || r.fault == IDCardFailRead:
			reply = status(idcard.StatusReadFailed)
		case cmd == idcard.ReadText:
			reply = ok(idcard.ReadData(r.text, r.photo, nil))
		default:
			reply = ok(idcard.ReadData(r.text, r.photo, make([]byte, 1024)))
		}
	case idcard.ReadAddress:
		switch {
		case r.card == nil || !r.selected || r.fault == IDCardFailRead:
			reply = status(idcard.StatusReadFailed)
		case r.addr == nil:
			reply = status(idcard.StatusNoContent)
		default:
			reply = ok(r.addr)
		}
	default:
		if _, isBaud := cmd.Baud(); isBaud {
			// The line stays as it is: a pty has no rate to switch.
			reply = ok(nil)
		} else {
			reply = status(idcard.StatusCommand)
		}
	}
	return r.faulty(reply)
}

// faulty encodes reply with the injected fault; the caller holds mu.
func (r *IDCard) faulty(reply idcard.Reply) []byte {
	b := reply.Bytes()
	switch r.fault {
	case IDCardMute:
		return nil
	case IDCardCorrupt:
		b[len(b)-1] ^= 0x5A
	case IDCardTruncate:
		b = b[:max(8, len(b)/2)]
	}
	return b
}

// Events are the reader's unnamed events of SPEC §3. Faults need the device
// named: "idcard fail-read", "idcard corrupt", "idcard truncate", "idcard
// mute", "idcard ok".
func (r *IDCard) Events() []string { return []string{"card-insert", "card-remove"} }

// Handle applies the reader's control events:
//
//	card-insert [JSON identity]   put a card down (the sample resident by default)
//	card-remove                   take it away
//	fail-read | corrupt | truncate | mute    inject a fault
//	ok                            clear the fault
//
// The control socket splits a request into words; the JSON identity is joined
// again with single spaces.
func (r *IDCard) Handle(event string, args []string) (string, bool, error) {
	switch event {
	case "card-insert":
		if err := r.InsertJSON(strings.Join(args, " ")); err != nil {
			return "", true, fmt.Errorf("card-insert: %w", err)
		}
		c, _ := r.Card()
		return "inserted " + c.String(), true, nil
	case "card-remove":
		if len(args) > 0 {
			return "", true, errors.New("card-remove: takes no arguments")
		}
		r.Remove()
		return "", true, nil
	}
	for f, name := range idcardFaults {
		if event == name {
			if len(args) > 0 {
				return "", true, fmt.Errorf("%s: takes no arguments", event)
			}
			r.SetFault(IDCardFault(f))
			return "", true, nil
		}
	}
	return "", false, nil
}

// State is e.g. "no card" or "resident card 张** 2301**********1239, corrupt":
// masked, as everything that may end up in a log.
func (r *IDCard) State() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := []string{"no card"}
	if r.card != nil {
		parts[0] = r.card.String()
	}
	if r.fault != IDCardOK {
		parts = append(parts, r.fault.String())
	}
	if r.baud > 0 {
		parts = append(parts, fmt.Sprintf("%d baud", r.baud))
	}
	return strings.Join(parts, ", ")
}
