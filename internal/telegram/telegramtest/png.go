package telegramtest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// generatePNG draws a square avatar: a colour derived from seed with a
// lighter diagonal band, so different users' photos are told apart at a
// glance in screenshots. A two-colour palette keeps it a few hundred bytes.
func generatePNG(size int, seed int64) []byte {
	hue := uint8(seed * 47)
	base := color.RGBA{R: hue, G: 255 - hue, B: uint8(seed*13) | 0x40, A: 255}
	light := color.RGBA{R: base.R/2 + 127, G: base.G/2 + 127, B: base.B/2 + 127, A: 255}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{base, light})
	band := size / 4
	for y := range size {
		for x := range size {
			if d := x - y; d > -band && d < band {
				img.SetColorIndex(x, y, 1)
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
