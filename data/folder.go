package data

import (
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/image/draw"
)

// Folder is every PNG/JPEG file under a directory (recursively, in sorted order),
// decoded when read — never all at once — resized so the shorter side is Size,
// center-cropped to Size x Size, and converted to grayscale or RGB.
type Folder struct {
	root  string
	files []string
	shape Shape
}

// ImageExts are the file extensions Folder reads (case-insensitive).
var ImageExts = []string{".png", ".jpg", ".jpeg"}

// ReadFolder lists the images under root; size and channels (1 or 3) fix the output shape.
func ReadFolder(root string, size, channels int) (*Folder, error) {
	if size < 1 {
		return nil, fmt.Errorf("reading %s: data.size must be set for a folder of images (e.g. 28, 32 or 64), got %d", root, size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("reading %s: data.channels must be 1 (grayscale) or 3 (RGB), got %d", root, channels)
	}
	f := &Folder{root: root, shape: Shape{Size: size, Channels: channels}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isImageFile(p) {
			f.files = append(f.files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	if len(f.files) == 0 {
		return nil, fmt.Errorf("reading %s: no %s files in the folder or below", root, strings.Join(ImageExts, "/"))
	}
	sort.Strings(f.files)
	return f, nil
}

func isImageFile(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	for _, e := range ImageExts {
		if ext == e {
			return true
		}
	}
	return false
}

func (f *Folder) Name() string { return f.root }

func (f *Folder) Len() int { return len(f.files) }

func (f *Folder) Shape() Shape { return f.shape }

func (f *Folder) Label(int) int { return -1 }

// Files are the image paths, in the order Read indexes them.
func (f *Folder) Files() []string { return f.files }

func (f *Folder) Read(i int, dst []float32) error {
	img, err := decodeImage(f.files[i])
	if err != nil {
		return err
	}
	sq := resizeCrop(img, f.shape.Size)
	n := f.shape.Size
	for y := range n {
		for x := range n {
			c := sq.RGBAAt(x, y)
			o := (y*n + x) * f.shape.Channels
			if f.shape.Channels == 1 {
				g := color.GrayModel.Convert(c).(color.Gray)
				dst[o] = scaleByte(g.Y)
			} else {
				dst[o], dst[o+1], dst[o+2] = scaleByte(c.R), scaleByte(c.G), scaleByte(c.B)
			}
		}
	}
	return nil
}

func decodeImage(path string) (image.Image, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	img, format, err := image.Decode(fh)
	if err != nil {
		return nil, fmt.Errorf("decoding image %s (PNG or JPEG expected): %w", path, err)
	}
	if b := img.Bounds(); b.Dx() == 0 || b.Dy() == 0 {
		return nil, fmt.Errorf("decoding image %s: %s image is empty", path, format)
	}
	return img, nil
}

// resizeCrop scales img so its shorter side is n (Catmull-Rom) and crops the center n x n.
func resizeCrop(img image.Image, n int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	sw, sh := n, n
	if w > h {
		sw = (w*n + h/2) / h
	} else {
		sh = (h*n + w/2) / w
	}
	scaled := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(scaled, scaled.Bounds(), img, b, draw.Src, nil)
	out := image.NewRGBA(image.Rect(0, 0, n, n))
	off := image.Pt((sw-n)/2, (sh-n)/2)
	draw.Draw(out, out.Bounds(), scaled, off, draw.Src)
	return out
}
