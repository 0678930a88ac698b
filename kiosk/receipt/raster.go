package receipt

import (
	"image"
	"image/draw"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"bianmin/assets"
	"bianmin/devices/escpos"
)

var (
	faceOnce sync.Once
	face     font.Face
	faceErr  error
)

// lineFace is the bundled font at the printer's Font A height (24 dots), so
// image lines sit among text lines without a visible change of size.
func lineFace() (font.Face, error) {
	faceOnce.Do(func() {
		f, err := opentype.Parse(assets.Font())
		if err != nil {
			faceErr = err
			return
		}
		face, faceErr = opentype.NewFace(f, &opentype.FaceOptions{Size: 22, DPI: 72, Hinting: font.HintingFull})
	})
	return face, faceErr
}

// rasterText draws s as a 24-dot high black-on-white bitmap for GS v 0.
func rasterText(s string, widthDots int) (*escpos.Bitmap, error) {
	f, err := lineFace()
	if err != nil {
		return nil, err
	}
	const h = 24
	img := image.NewGray(image.Rect(0, 0, widthDots, h))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	dr := &font.Drawer{Dst: img, Src: image.Black, Face: f, Dot: fixed.P(0, 19)}
	dr.DrawString(s)
	return escpos.FromImage(img, 128), nil
}
