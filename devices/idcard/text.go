package idcard

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sizes of the records in a read reply.
const (
	TextSize    = 256  // the text record
	PhotoSize   = 1024 // the photo (WLT) a reader sends
	AddressSize = 70   // the additional address of read 30 03
)

// field is a slot of the text record: byte offset and size (2 bytes a character).
type field struct {
	name      string
	off, size int
}

// The slots of the text record, by card type (protocol notes, "The 256-byte
// text record"). J shares the resident layout up to offset 220.
var (
	fName      = field{"name", 0, 30}
	fGender    = field{"gender", 30, 2}
	fNation    = field{"nation", 32, 4}
	fBirth     = field{"birth", 36, 16}
	fAddress   = field{"address", 52, 70}
	fIDNumber  = field{"id_number", 122, 36}
	fAuthority = field{"authority", 158, 30}
	fValidFrom = field{"valid_from", 188, 16}
	fValidTo   = field{"valid_to", 204, 16}
	fType      = field{"type", 248, 2}

	jPass  = field{"pass_number", 220, 18}
	jIssue = field{"issue_count", 238, 4}

	iEnglish     = field{"english_name", 0, 120}
	iGender      = field{"gender", 120, 2}
	iPermit      = field{"id_number", 122, 30}
	iNationality = field{"nationality", 152, 6}
	iName        = field{"name", 158, 30}
	iBirth       = field{"birth", 220, 16}
	iVersion     = field{"card_version", 236, 4}
	iAuthority   = field{"authority", 240, 8}

	yRenewal     = field{"renewal_count", 32, 4}
	yEnglish1    = field{"english_name", 52, 70}
	yEnglish2    = field{"english_name", 220, 22}
	yNationality = field{"nationality", 242, 6}
)

// typeChars are the card type characters at offset 248.
var typeChars = map[CardType]rune{Resident: ' ', HKMOTW: 'J', Foreign: 'I', Foreign2023: 'Y'}

// DecodeText decodes a 256-byte text record (UCS-2 little-endian, padded with
// spaces) of any of the four card types. Fields are trimmed of spaces and NULs;
// a blank field decodes to "". A record of another size, an unknown type
// character, gender or nation code, or a date that is not YYYYMMDD (or 长期
// for valid_to) is ErrRecord: better no card than a wrong one.
func DecodeText(rec []byte) (Card, error) {
	if len(rec) != TextSize {
		return Card{}, fmt.Errorf("%w: text record of %d bytes, want %d", ErrRecord, len(rec), TextSize)
	}
	var c Card
	switch t := raw(rec, fType); t {
	case " ", "\x00":
		c.Type = Resident
	case "J":
		c.Type = HKMOTW
	case "I":
		c.Type = Foreign
	case "Y":
		c.Type = Foreign2023
	default:
		return Card{}, fmt.Errorf("%w: unknown card type character %q", ErrRecord, t)
	}
	var err error
	date := func(f field) string {
		s, e := decodeDate(f, text(rec, f))
		if err == nil {
			err = e
		}
		return s
	}
	gender := func(f field) string {
		code := text(rec, f)
		g, ok := genders[code]
		if !ok && code != "" && err == nil {
			err = fmt.Errorf("%w: unknown gender code %q", ErrRecord, code)
		}
		return g
	}
	switch c.Type {
	case Resident, HKMOTW:
		c.Name = text(rec, fName)
		c.Gender = gender(fGender)
		c.Birth = date(fBirth)
		c.Address = text(rec, fAddress)
		c.IDNumber = text(rec, fIDNumber)
		c.Authority = text(rec, fAuthority)
		c.ValidFrom = date(fValidFrom)
		c.ValidTo = date(fValidTo)
		if c.Type == HKMOTW {
			c.PassNumber = text(rec, jPass)
			c.IssueCount = text(rec, jIssue)
			break
		}
		if code := text(rec, fNation); code != "" {
			n, ok := nations[code]
			if !ok && err == nil {
				err = fmt.Errorf("%w: unknown nation code %q", ErrRecord, code)
			}
			c.Nation = n
		}
	case Foreign:
		c.EnglishName = text(rec, iEnglish)
		c.Gender = gender(iGender)
		c.IDNumber = text(rec, iPermit)
		c.Nationality = text(rec, iNationality)
		c.Name = text(rec, iName)
		c.ValidFrom = date(fValidFrom)
		c.ValidTo = date(fValidTo)
		c.Birth = date(iBirth)
		c.CardVersion = text(rec, iVersion)
		c.Authority = text(rec, iAuthority)
	case Foreign2023:
		c.Name = text(rec, fName)
		c.Gender = gender(fGender)
		c.RenewalCount = text(rec, yRenewal)
		c.Birth = date(fBirth)
		// The English name runs on from its first slot into its second.
		c.EnglishName = trim(raw(rec, yEnglish1) + raw(rec, yEnglish2))
		c.IDNumber = text(rec, fIDNumber)
		c.ValidFrom = date(fValidFrom)
		c.ValidTo = date(fValidTo)
		c.Nationality = text(rec, yNationality)
	}
	if err != nil {
		return Card{}, err
	}
	if c.Name == "" {
		c.Name = c.EnglishName
	}
	return c, nil
}

// EncodeText is the inverse of DecodeText, for simulators and tests: it builds
// the 256-byte record of c, padded with spaces. An empty Type is a resident
// card. A field too long for its slot, a character outside UCS-2, an unknown
// gender or nation, a date that is not YYYY-MM-DD, or a field the card type
// does not have is an error. AdditionalAddress is not part of the record (see
// EncodeAddress).
func EncodeText(c Card) ([]byte, error) {
	if c.Type == "" {
		c.Type = Resident
	}
	tc, ok := typeChars[c.Type]
	if !ok {
		return nil, fmt.Errorf("idcard: unknown card type %q (want resident, hkmo_tw, foreign or foreign2023)", c.Type)
	}
	rec := make([]byte, TextSize)
	for i := 0; i < TextSize; i += 2 {
		rec[i] = ' '
	}
	var err error
	put := func(f field, s string) {
		if err == nil {
			err = putText(rec, f, s)
		}
	}
	date := func(f field, s string) {
		if err == nil {
			var d string
			if d, err = encodeDate(f, s); err == nil {
				put(f, d)
			}
		}
	}
	gender := func(f field) {
		if c.Gender == "" {
			return // a blank slot, as DecodeText reads it
		}
		for code, g := range genders {
			if g == c.Gender {
				put(f, code)
				return
			}
		}
		if err == nil {
			err = fmt.Errorf("idcard: gender %q: want 男, 女, 未知 or 未说明", c.Gender)
		}
	}
	none := func(name, v string) {
		if v != "" && err == nil {
			err = fmt.Errorf("idcard: a %s card has no %s", c.Type, name)
		}
	}
	// The Chinese name slot of a foreign card: empty when Name is only the
	// English name standing in for a missing Chinese one.
	chinese := c.Name
	if chinese == c.EnglishName {
		chinese = ""
	}
	switch c.Type {
	case Resident, HKMOTW:
		put(fName, c.Name)
		gender(fGender)
		date(fBirth, c.Birth)
		put(fAddress, c.Address)
		put(fIDNumber, c.IDNumber)
		put(fAuthority, c.Authority)
		date(fValidFrom, c.ValidFrom)
		date(fValidTo, c.ValidTo)
		none("english_name", c.EnglishName)
		none("nationality", c.Nationality)
		none("card_version", c.CardVersion)
		none("renewal_count", c.RenewalCount)
		if c.Type == HKMOTW {
			none("nation", c.Nation)
			put(jPass, c.PassNumber)
			put(jIssue, c.IssueCount)
			break
		}
		none("pass_number", c.PassNumber)
		none("issue_count", c.IssueCount)
		if c.Nation != "" {
			code, ok := nationCode(c.Nation)
			if !ok && err == nil {
				err = fmt.Errorf("idcard: unknown nation %q", c.Nation)
			}
			put(fNation, code)
		}
	case Foreign:
		put(iEnglish, c.EnglishName)
		gender(iGender)
		put(iPermit, c.IDNumber)
		put(iNationality, c.Nationality)
		put(iName, chinese)
		date(fValidFrom, c.ValidFrom)
		date(fValidTo, c.ValidTo)
		date(iBirth, c.Birth)
		put(iVersion, c.CardVersion)
		put(iAuthority, c.Authority)
		none("nation", c.Nation)
		none("address", c.Address)
		none("pass_number", c.PassNumber)
		none("issue_count", c.IssueCount)
		none("renewal_count", c.RenewalCount)
	case Foreign2023:
		put(fName, chinese)
		gender(fGender)
		put(yRenewal, c.RenewalCount)
		date(fBirth, c.Birth)
		if err == nil {
			// Split the English name where its first slot is full.
			u, e := ucs2(c.EnglishName, field{"english_name", 0, yEnglish1.size + yEnglish2.size})
			err = e
			if err == nil {
				cut := min(len(u), yEnglish1.size/2)
				putUnits(rec, yEnglish1, u[:cut])
				putUnits(rec, yEnglish2, u[cut:])
			}
		}
		put(fIDNumber, c.IDNumber)
		date(fValidFrom, c.ValidFrom)
		date(fValidTo, c.ValidTo)
		put(yNationality, c.Nationality)
		none("nation", c.Nation)
		none("address", c.Address)
		none("authority", c.Authority)
		none("pass_number", c.PassNumber)
		none("issue_count", c.IssueCount)
		none("card_version", c.CardVersion)
	}
	if err != nil {
		return nil, err
	}
	putUnits(rec, fType, []uint16{uint16(tc)})
	return rec, nil
}

// DecodeAddress decodes the 70-byte additional address of read 30 03.
func DecodeAddress(b []byte) (string, error) {
	if len(b) != AddressSize {
		return "", fmt.Errorf("%w: additional address of %d bytes, want %d", ErrRecord, len(b), AddressSize)
	}
	return text(b, field{"additional_address", 0, AddressSize}), nil
}

// EncodeAddress is the inverse of DecodeAddress.
func EncodeAddress(s string) ([]byte, error) {
	b := make([]byte, AddressSize)
	if err := putText(b, field{"additional_address", 0, AddressSize}, s); err != nil {
		return nil, err
	}
	return b, nil
}

// raw decodes the UCS-2 characters of a slot as they are. Surrogates, which
// UCS-2 does not have, become U+FFFD, so that every decoded string encodes
// back to the same number of units.
func raw(rec []byte, f field) string {
	var sb strings.Builder
	for i := f.off; i+1 < f.off+f.size; i += 2 {
		r := rune(binary.LittleEndian.Uint16(rec[i:]))
		if r >= 0xD800 && r <= 0xDFFF {
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

func trim(s string) string { return strings.Trim(s, " \x00") }

// text is a slot's trimmed text.
func text(rec []byte, f field) string { return trim(raw(rec, f)) }

// ucs2 encodes s as UCS-2 units that fit in f.
func ucs2(s string, f field) ([]uint16, error) {
	var u []uint16
	for _, r := range s {
		if r > 0xFFFF || r >= 0xD800 && r <= 0xDFFF {
			return nil, fmt.Errorf("idcard: %s: character %q does not fit UCS-2", f.name, r)
		}
		u = append(u, uint16(r))
	}
	if limit := f.size / 2; len(u) > limit {
		return nil, fmt.Errorf("idcard: %s: %d characters, at most %d fit", f.name, len(u), limit)
	}
	return u, nil
}

// putText writes s into slot f, padded with spaces.
func putText(rec []byte, f field, s string) error {
	u, err := ucs2(s, f)
	if err != nil {
		return err
	}
	putUnits(rec, f, u)
	return nil
}

func putUnits(rec []byte, f field, u []uint16) {
	for i := 0; i < f.size/2; i++ {
		c := uint16(' ')
		if i < len(u) {
			c = u[i]
		}
		binary.LittleEndian.PutUint16(rec[f.off+2*i:], c)
	}
}

// noExpiry is what valid_to says on a card that does not expire.
const noExpiry = "长期"

// decodeDate turns YYYYMMDD into YYYY-MM-DD; 长期 stays as it is in valid_to.
func decodeDate(f field, s string) (string, error) {
	if s == "" || s == noExpiry && f == fValidTo {
		return s, nil
	}
	t, err := time.Parse("20060102", s)
	if err != nil || len(s) != 8 {
		return "", fmt.Errorf("%w: %s %q is not a date YYYYMMDD", ErrRecord, f.name, s)
	}
	return t.Format(time.DateOnly), nil
}

// encodeDate turns YYYY-MM-DD (or YYYYMMDD) into YYYYMMDD.
func encodeDate(f field, s string) (string, error) {
	if s == "" || s == noExpiry && f == fValidTo {
		return s, nil
	}
	for _, layout := range []string{time.DateOnly, "20060102"} {
		if t, err := time.Parse(layout, s); err == nil && len(s) == len(layout) {
			return t.Format("20060102"), nil
		}
	}
	want := "YYYY-MM-DD"
	if f == fValidTo {
		want += " or 长期"
	}
	return "", fmt.Errorf("idcard: %s %q: want %s", f.name, s, want)
}

// ReadData builds the data of a read reply after SW3: the lengths of text,
// photo and, for read 30 10, fingerprint (2 bytes each, big-endian), then the
// records. fingerprint nil builds the 30 01 form.
func ReadData(text, photo, fingerprint []byte) []byte {
	var d []byte
	d = binary.BigEndian.AppendUint16(d, uint16(len(text)))
	d = binary.BigEndian.AppendUint16(d, uint16(len(photo)))
	if fingerprint != nil {
		d = binary.BigEndian.AppendUint16(d, uint16(len(fingerprint)))
	}
	d = append(d, text...)
	d = append(d, photo...)
	return append(d, fingerprint...)
}

// ParseReadData splits the data of a read reply (30 01 or 30 10, told apart by
// which set of lengths adds up) and returns the text record, aliasing data, and
// the sizes of the photo and fingerprint, which it does not return: the kiosk
// keeps neither.
func ParseReadData(data []byte) (text []byte, photoLen, fpLen int, err error) {
	u16 := func(i int) int { return int(binary.BigEndian.Uint16(data[i:])) }
	switch {
	case len(data) >= 4 && 4+u16(0)+u16(2) == len(data):
		text, photoLen = data[4:4+u16(0)], u16(2)
	case len(data) >= 6 && 6+u16(0)+u16(2)+u16(4) == len(data):
		text, photoLen, fpLen = data[6:6+u16(0)], u16(2), u16(4)
	default:
		return nil, 0, 0, fmt.Errorf("%w: read data of %d bytes does not add up to its lengths", ErrRecord, len(data))
	}
	if len(text) != TextSize {
		return nil, 0, 0, fmt.Errorf("%w: text record of %d bytes, want %d", ErrRecord, len(text), TextSize)
	}
	return text, photoLen, fpLen, nil
}

// DecodeRead decodes a read reply (30 01 or 30 10) into a Card. A failure
// status is its *StatusError.
func DecodeRead(r Reply) (Card, error) {
	if err := r.Err(); err != nil {
		return Card{}, err
	}
	text, _, _, err := ParseReadData(r.Data)
	if err != nil {
		return Card{}, err
	}
	return DecodeText(text)
}
