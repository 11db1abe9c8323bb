package data

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/internal/testutil"
)

// The fuzz targets feed each reader arbitrary bytes: it must return an error or a
// dataset whose every example reads, in [-1, 1] — never panic, hang or allocate what
// the input only claims. `go test ./internal/fuzzci` runs each for a few seconds.

// fuzzMemory is the memory the fuzzed readers are told is available: enough for any
// input the fuzzer makes, and a ceiling on what a header can make them allocate.
var fuzzMemory = sysmem.Budget{Bytes: 256 << 20, Source: "fuzz"}

// readEvery reads every example of d (at most 64) and checks the values' range.
func readEvery(t *testing.T, d Dataset) {
	if d.Len() < 1 {
		t.Fatalf("%s: %d examples", d.Name(), d.Len())
	}
	x := make([]float32, d.Shape().Len())
	for i := range min(d.Len(), 64) {
		if err := d.Read(i, x); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		for _, v := range x {
			if !(v >= -1 && v <= 1) {
				t.Fatalf("example %d: value %g outside [-1, 1]", i, v)
			}
		}
		_ = d.Label(i)
	}
}

func FuzzIDX(f *testing.F) {
	f.Add(idxBytes(8, 3, []int{2, 2, 2}, []byte{0, 255, 51, 204, 10, 20, 30, 40}))
	f.Add(idxBytes(8, 3, []int{1, 28, 28}, make([]byte, 784)))
	f.Add(idxBytes(8, 3, []int{1 << 24, 1 << 24, 1 << 24}, nil))
	f.Add(idxBytes(8, 3, []int{3, 2, 4}, make([]byte, 24)))
	f.Add(idxBytes(8, 1, []int{4}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes(9, 3, []int{1, 1, 1}, []byte{7}))
	f.Add([]byte{0, 0, 8})
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := parseIDX("fuzz.idx", raw, "")
		if err != nil {
			return
		}
		readEvery(t, d)
	})
}

func FuzzGzip(f *testing.F) {
	f.Add(gz(f, []byte("hello")))
	f.Add(gz(f, idxBytes(8, 3, []int{1, 2, 2}, []byte{1, 2, 3, 4})))
	f.Add(gz(f, make([]byte, 1<<16))[:30])
	f.Add([]byte{0x1f, 0x8b})
	f.Add([]byte("plain bytes"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := gunzip("fuzz.gz", raw, fuzzMemory)
		if err != nil {
			return
		}
		if (len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b) && !bytes.Equal(out, raw) {
			t.Fatal("bytes without gzip's magic were changed")
		}
		back, err := gunzip("fuzz.gz", gz(t, raw), fuzzMemory)
		if err != nil || !bytes.Equal(back, raw) {
			t.Fatalf("round trip through gzip: %v", err)
		}
	})
}

func FuzzCIFAR(f *testing.F) {
	rec := make([]byte, cifarRecord)
	rec[0] = 3
	f.Add(rec)
	f.Add(append(append([]byte{}, rec...), rec...))
	f.Add(rec[:100])
	bad := append([]byte{}, rec...)
	bad[0] = 10
	f.Add(bad)
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := checkCIFAR("fuzz.bin", raw); err != nil {
			return
		}
		c := &CIFAR{name: "fuzz.bin", records: raw}
		readEvery(t, c)
		for i := range c.Len() {
			if l := c.Label(i); l < 0 || l > 9 {
				t.Fatalf("record %d: label %d", i, l)
			}
		}
	})
}

func FuzzImageFile(f *testing.F) {
	var b bytes.Buffer
	_ = png.Encode(&b, image.NewGray(image.Rect(0, 0, 5, 3)))
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:b.Len()/2])
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 7))
	for i := range rgba.Pix {
		rgba.Pix[i] = uint8(i * 13)
	}
	b.Reset()
	_ = png.Encode(&b, rgba)
	f.Add(b.Bytes())
	pal := image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})
	b.Reset()
	_ = png.Encode(&b, pal)
	f.Add(b.Bytes())
	b.Reset()
	_ = jpeg.Encode(&b, rgba, nil)
	f.Add(b.Bytes())
	f.Add(testutil.PNGHeader(100000, 100000))
	f.Add(testutil.PNGHeader(1, math.MaxInt32))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, shape := range []Shape{{Size: 4, Channels: 1}, {Size: 3, Channels: 3}} {
			pix, err := decodeSample("fuzz.png", bytes.NewReader(raw), shape, 1<<20, fuzzMemory)
			if err != nil {
				continue
			}
			if len(pix) != shape.Len() {
				t.Fatalf("%v: %d values, want %d", shape, len(pix), shape.Len())
			}
		}
	})
}
