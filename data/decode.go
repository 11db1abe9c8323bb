package data

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // registers the GIF decoder (image.Decode returns the first frame)
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder (every colour type and bit depth, tRNS included)
	"io"
	"strconv"
	"strings"

	"github.com/gankit/gankit/internal/sysmem"
	_ "golang.org/x/image/bmp"  // registers the BMP decoder
	_ "golang.org/x/image/tiff" // registers the TIFF decoder
	_ "golang.org/x/image/webp" // registers the WebP decoder (lossy, lossless, alpha)
)

// ImageExts lists the file extensions Folder reads, matched case-insensitively (a copy).
func ImageExts() []string {
	return []string{".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff"}
}

// imageFormats names the formats the decoders read, for errors.
const imageFormats = "PNG, JPEG, GIF, WebP, BMP or TIFF"

// DefaultBackground is the colour transparent pixels are composited onto when
// data.background is empty: white, the page icons, emoji, sprites and logos are drawn
// for.
const DefaultBackground = "white"

// ParseBackground reads data.background: white, black, grey (or gray, #808080),
// #rrggbb or rrggbb, case-insensitive; "" is DefaultBackground. (In YAML, # starts a
// comment: a config file writes "#ff8000" quoted, or ff8000.)
func ParseBackground(s string) (color.RGBA, error) {
	if s == "" {
		s = DefaultBackground
	}
	switch strings.ToLower(s) {
	case "white":
		return color.RGBA{255, 255, 255, 255}, nil
	case "black":
		return color.RGBA{0, 0, 0, 255}, nil
	case "grey", "gray":
		return color.RGBA{128, 128, 128, 255}, nil
	}
	if hex := strings.TrimPrefix(s, "#"); len(hex) == 6 {
		if v, err := strconv.ParseUint(hex, 16, 32); err == nil {
			return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}, nil
		}
	}
	return color.RGBA{}, fmt.Errorf("data.background: %q is not white, black, grey, gray or #rrggbb (e.g. #ff8000, quoted in YAML)", s)
}

// imageInfo is what decoding learnt about a file, for data inspect.
type imageInfo struct {
	format      string // the decoder's name and the colour model, e.g. "png palette"
	width       int
	height      int
	transparent bool     // some pixel has alpha < 255
	pixels      [32]byte // SHA-256 of the decoded pixels, when asked for
}

// decodeSample is decodeImage on the default background, for callers with no Options.
func decodeSample(path string, r io.ReadSeeker, shape Shape, maxPixels int, mem sysmem.Budget) ([]uint8, error) {
	bg, _ := ParseBackground("")
	pix, _, err := decodeImage(path, r, decodeOptions{shape: shape, maxPixels: maxPixels, background: bg}, mem)
	return pix, err
}

// decodeOptions say how an image becomes a sample.
type decodeOptions struct {
	shape      Shape
	maxPixels  int
	background color.RGBA
	hash       bool // fill imageInfo.pixels
}

// decodeImage decodes an image from r (named path in errors), composites any
// transparency onto the background, and returns it resized and center-cropped to
// the shape, channels-last. The header is read first: an image above maxPixels, or
// whose decoding would need more than mem, is refused before any pixel is allocated.
// Compositing comes before resizing: scaling an image whose transparent pixels hold
// arbitrary colours would blend those colours into the edges (a dark halo, on the
// usual black), while the composited image is what the picture looks like.
func decodeImage(path string, r io.ReadSeeker, o decodeOptions, mem sysmem.Budget) ([]uint8, imageInfo, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return nil, imageInfo{}, fmt.Errorf("decoding image %s (%s expected): %w", path, imageFormats, err)
	}
	info := imageInfo{format: format + " " + modelName(cfg.ColorModel), width: cfg.Width, height: cfg.Height}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, info, fmt.Errorf("decoding image %s: %s image is empty (%dx%d)", path, format, cfg.Width, cfg.Height)
	}
	if px := float64(cfg.Width) * float64(cfg.Height); px > float64(o.maxPixels) {
		return nil, info, fmt.Errorf("image %s is %dx%d (%.0f pixels), above data.max_image_pixels %d", path, cfg.Width, cfg.Height, px, o.maxPixels)
	}
	if w, h := float64(cfg.Width), float64(cfg.Height); max(w/h, h/w) > MaxAspect {
		return nil, info, fmt.Errorf("image %s is %dx%d: the center crop keeps less than 1/%d of an image that elongated (and scaling it costs in proportion)", path, cfg.Width, cfg.Height, MaxAspect)
	}
	if need := decodeBytes(cfg, o.shape.Size); need > mem.Bytes {
		return nil, info, fmt.Errorf("image %s is %dx%d: decoding and resizing it needs about %s, and %s is available (%s)",
			path, cfg.Width, cfg.Height, sysmem.Format(need), sysmem.Format(mem.Bytes), mem.Source)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, info, err
	}
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, info, fmt.Errorf("decoding image %s (%s expected): %w", path, imageFormats, err)
	}
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, info, fmt.Errorf("decoding image %s: header says %dx%d, pixels are %dx%d", path, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	if o.hash {
		info.pixels = hashPixels(img)
	}
	if op, ok := img.(interface{ Opaque() bool }); !ok || !op.Opaque() {
		info.transparent = true
		img = composite(img, o.background)
	}
	return toSample(resizeCrop(img, o.shape.Size), o.shape.Channels), info, nil
}

// modelName names a colour model the way people describe image files.
func modelName(m color.Model) string {
	if p, ok := m.(color.Palette); ok {
		return fmt.Sprintf("palette (%d colours)", len(p))
	}
	switch m {
	case color.GrayModel:
		return "grey"
	case color.Gray16Model:
		return "grey 16-bit"
	case color.RGBAModel:
		return "RGB(A)"
	case color.RGBA64Model:
		return "RGB(A) 16-bit"
	case color.NRGBAModel:
		return "RGBA"
	case color.NRGBA64Model:
		return "RGBA 16-bit"
	case color.YCbCrModel:
		return "YCbCr"
	case color.NYCbCrAModel:
		return "YCbCr + alpha"
	case color.CMYKModel:
		return "CMYK"
	}
	return "other colours"
}

// hashPixels is the SHA-256 of an image's size and its pixels as 16-bit
// premultiplied RGBA, the form every decoder's pixels convert to exactly: two files
// that decode to the same picture hash alike, whatever their formats.
func hashPixels(img image.Image) [32]byte {
	h := sha256.New()
	b := img.Bounds()
	row := make([]byte, 8+8*b.Dx())
	binary.LittleEndian.PutUint32(row, uint32(b.Dx()))
	binary.LittleEndian.PutUint32(row[4:], uint32(b.Dy()))
	h.Write(row[:8])
	fast, _ := img.(image.RGBA64Image)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		o := row[:0]
		for x := b.Min.X; x < b.Max.X; x++ {
			var c color.RGBA64
			if fast != nil {
				c = fast.RGBA64At(x, y)
			} else {
				r, g, bl, a := img.At(x, y).RGBA()
				c = color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}
			}
			o = binary.LittleEndian.AppendUint16(o, c.R)
			o = binary.LittleEndian.AppendUint16(o, c.G)
			o = binary.LittleEndian.AppendUint16(o, c.B)
			o = binary.LittleEndian.AppendUint16(o, c.A)
		}
		h.Write(o)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// composite puts img over the opaque background bg ("over", Porter & Duff 1984) and
// rounds each channel to 8 bits. With alpha a in [0, 1] and colours in [0, 1], a
// straight-alpha pixel c (PNG, GIF, WebP and TIFF store colours so) becomes
//
//	out = c·a + bg·(1 - a)
//
// and a premultiplied one (c_p = c·a, as Go's image.RGBA holds it)
//
//	out = c_p + bg·(1 - a),
//
// the same picture. Straight 8- and 16-bit pixels are computed from their stored
// values, not through Go's premultiplied conversion, which truncates c·a first and
// could round out one level off. The decoded image is rewritten in place where its
// layout allows (no second copy of a large image); a palette is composited entry by
// entry.
func composite(img image.Image, bg color.RGBA) image.Image {
	bgc := [3]uint32{uint32(bg.R), uint32(bg.G), uint32(bg.B)}
	switch m := img.(type) {
	case *image.NRGBA:
		compositeRows8(m.Pix, m.Stride, m.Rect.Dx(), bgc, straight8)
		return m
	case *image.RGBA:
		compositeRows8(m.Pix, m.Stride, m.Rect.Dx(), bgc, premultiplied8)
		return m
	case *image.NRGBA64:
		compositeRows16(m.Pix, m.Stride, m.Rect.Dx(), bgc, true)
		return m
	case *image.RGBA64:
		compositeRows16(m.Pix, m.Stride, m.Rect.Dx(), bgc, false)
		return m
	case *image.Paletted:
		p := make(color.Palette, len(m.Palette))
		for i, c := range m.Palette {
			p[i] = compositeColor(c, bgc)
		}
		out := *m
		out.Palette = p
		return &out
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			out.SetRGBA(x, y, compositeColor(img.At(x, y), bgc))
		}
	}
	return out
}

// straight8 is out = c·a + bg·(1 - a) on 8-bit values, rounded: (c·a + bg·(255-a))/255.
func straight8(c, a, bg uint32) uint8 { return uint8((c*a + bg*(255-a) + 127) / 255) }

// premultiplied8 is out = c_p + bg·(1 - a) on 8-bit values, rounded.
func premultiplied8(c, a, bg uint32) uint8 { return uint8((c*255 + bg*(255-a) + 127) / 255) }

func compositeRows8(pix []uint8, stride, w int, bg [3]uint32, f func(c, a, bg uint32) uint8) {
	for off := 0; off < len(pix); off += stride {
		row := pix[off : off+4*w]
		for i := 0; i < len(row); i += 4 {
			a := uint32(row[i+3])
			for k := range 3 {
				row[i+k] = f(uint32(row[i+k]), a, bg[k])
			}
			row[i+3] = 255
		}
	}
}

// to8 is round(v / (65535·257)): a value in 65535² units (a 16-bit colour times a
// 16-bit alpha) as an 8-bit level. 65535·257 is odd, so no value falls on a half.
func to8(v uint64) uint8 { return uint8((v + 65535*257/2) / (65535 * 257)) }

// compositeRows16 composites 16-bit pixels (big-endian, as image.NRGBA64 and
// image.RGBA64 hold them) and stores each result as its 8-bit level times 257, which
// the resizer reads back as that level.
func compositeRows16(pix []uint8, stride, w int, bg [3]uint32, straight bool) {
	for off := 0; off < len(pix); off += stride {
		row := pix[off : off+8*w]
		for i := 0; i < len(row); i += 8 {
			a := uint64(binary.BigEndian.Uint16(row[i+6:]))
			for k := range 3 {
				c := uint64(binary.BigEndian.Uint16(row[i+2*k:]))
				if straight {
					c *= a
				} else {
					c *= 65535
				}
				v := to8(c + uint64(bg[k])*257*(65535-a))
				binary.BigEndian.PutUint16(row[i+2*k:], uint16(v)*257)
			}
			binary.BigEndian.PutUint16(row[i+6:], 65535)
		}
	}
}

// compositeColor composites one colour: exactly for straight 8- and 16-bit colours,
// from the 16-bit premultiplied values otherwise.
func compositeColor(c color.Color, bg [3]uint32) color.RGBA {
	switch s := c.(type) {
	case color.NRGBA:
		a := uint32(s.A)
		return color.RGBA{straight8(uint32(s.R), a, bg[0]), straight8(uint32(s.G), a, bg[1]), straight8(uint32(s.B), a, bg[2]), 255}
	case color.NRGBA64:
		a := uint64(s.A)
		ch := func(v uint16, bg uint32) uint8 { return to8(uint64(v)*a + uint64(bg)*257*(65535-a)) }
		return color.RGBA{ch(s.R, bg[0]), ch(s.G, bg[1]), ch(s.B, bg[2]), 255}
	}
	r, g, b, a := c.RGBA()
	ch := func(v uint32, bg uint32) uint8 {
		return to8(uint64(v)*65535 + uint64(bg)*257*(65535-uint64(a)))
	}
	return color.RGBA{ch(r, bg[0]), ch(g, bg[1]), ch(b, bg[2]), 255}
}
