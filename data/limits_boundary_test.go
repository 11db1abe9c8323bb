package data

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/internal/sysmem"
)

// TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast: each limit on what data may
// hold or cost (the gzip output, the decoding memory, the folder's output size and
// max_image_pixels, a batch against the dataset's size) is accepted at the limit
// itself and refused one past it.
func TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast(t *testing.T) {
	t.Run("gzip output of exactly half the memory", func(t *testing.T) {
		const mem = 1 << 20
		for _, tc := range []struct {
			size int
			ok   bool
		}{{mem / 2, true}, {mem/2 + 1, false}} {
			out, err := gunzip("x.gz", gz(t, make([]byte, tc.size)), sysmem.Budget{Bytes: mem, Source: "test"})
			if ok := err == nil && len(out) == tc.size; ok != tc.ok {
				t.Errorf("%d bytes with %d available: %d bytes out, %v; want accepted %v", tc.size, mem, len(out), err, tc.ok)
			}
		}
	})
	t.Run("decoding memory", func(t *testing.T) {
		file, shape := grayPNG(t, 40, 30, 0), Shape{Size: 28, Channels: 1}
		need := decodeBytes(image.Config{ColorModel: color.GrayModel, Width: 40, Height: 30}, 28)
		for _, tc := range []struct {
			mem float64
			ok  bool
		}{{need, true}, {need - 1, false}} {
			_, err := decodeSample("x.png", bytes.NewReader(file), shape, DefaultMaxImagePixels, sysmem.Budget{Bytes: tc.mem, Source: "test"})
			if (err == nil) != tc.ok {
				t.Errorf("%.1f bytes available for %.1f needed: %v, want accepted %v", tc.mem, need, err, tc.ok)
			}
		}
	})
	t.Run("folder options", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.png"), grayPNG(t, 12, 10, 0), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			opt  Options
			want string // "" = accepted
		}{
			{"size 1", Options{Size: 1, Channels: 1}, ""},
			{"size 0", Options{Size: 0, Channels: 1}, "data.size"},
			{"size MaxFolderSize", Options{Size: MaxFolderSize, Channels: 1}, ""},
			{"size MaxFolderSize + 1", Options{Size: MaxFolderSize + 1, Channels: 1}, "data.size"},
			{"max_image_pixels 0 (the default)", Options{Size: 8, Channels: 1, MaxImagePixels: 0}, ""},
			{"max_image_pixels -1", Options{Size: 8, Channels: 1, MaxImagePixels: -1}, "data.max_image_pixels"},
		} {
			_, err := readFolder(dir, tc.opt)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s: %v", tc.name, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("%s: error %v, want one naming %s", tc.name, err, tc.want)
			}
		}
	})
	t.Run("a batch of the whole dataset", func(t *testing.T) {
		for _, tc := range []struct {
			n  int
			ok bool
		}{{5, true}, {6, false}} {
			err := NewShuffled(indexed(5), 1).Batch(0, tc.n, make([]float32, tc.n))
			if (err == nil) != tc.ok {
				t.Errorf("batch %d of 5 examples: %v, want accepted %v", tc.n, err, tc.ok)
			}
		}
	})
}
