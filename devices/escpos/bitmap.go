package escpos

import "image"

// Bitmap is a 1-bit image in the GS v 0 layout: rows top to bottom, each row
// padded to whole bytes, the most significant bit the leftmost dot, 1 = black.
type Bitmap struct {
	W, H int
	Pix  []byte
}

// NewBitmap returns an all-white w×h bitmap; a negative size is taken as 0.
func NewBitmap(w, h int) *Bitmap {
	w, h = max(w, 0), max(h, 0)
	b := &Bitmap{W: w, H: h}
	b.Pix = make([]byte, b.Stride()*h)
	return b
}

// Stride is the number of bytes in one row.
func (b *Bitmap) Stride() int { return (b.W + 7) / 8 }

// Set colours the dot at (x, y); dots outside the bitmap are ignored.
func (b *Bitmap) Set(x, y int, black bool) {
	if x < 0 || y < 0 || x >= b.W || y >= b.H {
		return
	}
	i := y*b.Stride() + x/8
	if i >= len(b.Pix) {
		return
	}
	mask := byte(0x80) >> (x % 8)
	if black {
		b.Pix[i] |= mask
	} else {
		b.Pix[i] &^= mask
	}
}

// At reports whether the dot at (x, y) is black; dots outside are white.
func (b *Bitmap) At(x, y int) bool {
	if x < 0 || y < 0 || x >= b.W || y >= b.H {
		return false
	}
	i := y*b.Stride() + x/8
	return i < len(b.Pix) && b.Pix[i]&(0x80>>(x%8)) != 0
}

// FromImage thresholds img into a Bitmap: a pixel is black when its
// luminance, after compositing over white paper, is below threshold
// (0..255; 128 suits black-on-white artwork). The bitmap's origin is
// img.Bounds().Min.
func FromImage(img image.Image, threshold uint8) *Bitmap {
	r := img.Bounds()
	b := NewBitmap(r.Dx(), r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			// Colours are alpha-premultiplied: adding the uncovered part
			// of a white background is enough to composite.
			bg := 0xFFFF - ca
			cr, cg, cb = cr+bg, cg+bg, cb+bg
			// Same weights as color.GrayModel, giving 0..255.
			lum := (19595*cr + 38470*cg + 7471*cb + 1<<15) >> 24
			if lum < uint32(threshold) {
				b.Set(x-r.Min.X, y-r.Min.Y, true)
			}
		}
	}
	return b
}
