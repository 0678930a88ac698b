package printer

// byteClass is what a byte from the printer turned out to be.
type byteClass int

const (
	classASB     byteClass = iota // part of an Automatic Status Back block
	classReply                    // a valid DLE EOT reply
	classGarbage                  // neither
)

// statusReader sorts the bytes a printer sends into DLE EOT replies, Automatic
// Status Back blocks it may send unasked, and garbage. It keeps its state across
// reads because a block can be split between them.
type statusReader struct {
	asb  [4]byte
	asbN int // bytes of the block in progress; 0 when none
}

// next classifies b. ASB bytes 2..4 have bits 4 and 7 clear while every reply and
// block header has bit 4 set, so a block cut short by a lost byte is abandoned at
// the first byte that cannot belong to it instead of swallowing a reply.
func (r *statusReader) next(b byte) byteClass {
	if r.asbN > 0 {
		if b&0x90 == 0 {
			r.asb[r.asbN] = b
			r.asbN++
			if r.asbN == len(r.asb) {
				r.asbN = 0
			}
			return classASB
		}
		r.asbN = 0
	}
	switch {
	case ValidReply(b):
		return classReply
	case ASBHeader(b):
		r.asb[0] = b
		r.asbN = 1
		return classASB
	}
	return classGarbage
}

// inBlock reports whether the reader is inside an ASB block.
func (r *statusReader) inBlock() bool { return r.asbN > 0 }

// countRequests counts the DLE EOT 1..4 sequences in print data (image bytes can
// hold them by accident): a printer answers each one as if it had been asked.
func countRequests(data []byte) int {
	n := 0
	for i := 0; i+2 < len(data); i++ {
		if data[i] == dle && data[i+1] == eot && data[i+2] >= 1 && data[i+2] <= 4 {
			n++
			i += 2
		}
	}
	return n
}
