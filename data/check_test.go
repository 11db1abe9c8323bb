package data

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/internal/testutil"
	"golang.org/x/image/draw"
)

// grayPNG is a w x h PNG whose pixel (x, y) is seed + x + 2y.
func grayPNG(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetGray(x, y, color.Gray{Y: seed + uint8(x+2*y)})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// badFolder writes good images img00..img(n-1) and replaces those in bad with a
// broken file of each kind.
func badFolder(t *testing.T, n int, bad map[int][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		b, ok := bad[i]
		if !ok {
			b = grayPNG(t, 12, 10, uint8(i))
		}
		write(t, filepath.Join(dir, fmt.Sprintf("img%02d.png", i)), b)
	}
	return dir
}

// TestFolderCheckListsEveryBadImageBeforeTraining is issue 12's corrupt-PNG failure:
// one bad image stopped training at the step that first drew it, and again on every
// resume. Check decodes every image first and lists the bad ones (five by name, then
// a count), naming the flag that skips them.
func TestFolderCheckListsEveryBadImageBeforeTraining(t *testing.T) {
	good := grayPNG(t, 12, 10, 0)
	dir := badFolder(t, 19, map[int][]byte{
		2:  good[:len(good)/2],                 // truncated
		5:  []byte("not a PNG"),                // garbage
		6:  {},                                 // empty file
		9:  testutil.PNGHeader(100000, 100000), // a decompression bomb's header
		11: append([]byte{}, good[:40]...),     // cut in the header
		13: []byte("\xff\xd8\xff\xe0"),         // a JPEG's first bytes only
		17: testutil.PNGHeader(0, 5),           // no width
	})
	d, err := Open(dir, Options{Size: 8, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Check(d)
	if err == nil {
		t.Fatal("Check accepted 7 bad images")
	}
	msg := err.Error()
	for _, want := range []string{dir, "7 of 19 images cannot be used", "img02.png", "img05.png", "img06.png", "img09.png", "100000x100000", "data.max_image_pixels", "img11.png", "and 2 more", "--skip-bad-images"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "img13.png") || strings.Contains(msg, "img00.png") {
		t.Errorf("error lists more than five, or a good image:\n%s", msg)
	}
}

// TestFolderSkipsBadImagesAndFillsTheLimit: with data.skip_bad_images the bad files
// are left out and counted, and data.limit is filled with the next good ones.
func TestFolderSkipsBadImagesAndFillsTheLimit(t *testing.T) {
	dir := badFolder(t, 14, map[int][]byte{3: []byte("junk"), 7: []byte("junk")})
	d, err := Open(dir, Options{Size: 8, Channels: 1, Limit: 10, SkipBadImages: true})
	if err != nil {
		t.Fatal(err)
	}
	note, err := Check(d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"skipped 2 of 12 images", "img03.png", "img07.png", "data.skip_bad_images"} {
		if !strings.Contains(note, want) {
			t.Errorf("note lacks %q:\n%s", want, note)
		}
	}
	var names []string
	for _, p := range d.(*Folder).Files() {
		names = append(names, strings.TrimSuffix(filepath.Base(p), ".png"))
	}
	if got, want := strings.Join(names, " "), "img00 img01 img02 img04 img05 img06 img08 img09 img10 img11"; got != want || d.Len() != 10 {
		t.Errorf("after skipping, %d images: %s; want 10: %s", d.Len(), got, want)
	}
	all := badFolder(t, 3, map[int][]byte{0: []byte("a"), 1: []byte("b"), 2: []byte("c")})
	d, err = Open(all, Options{Size: 8, Channels: 1, SkipBadImages: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(d); err == nil || !strings.Contains(err.Error(), "no image can be used") {
		t.Errorf("a folder of only bad images, skipped: %v", err)
	}
}

// TestFolderDecodesEachImageOnce is issue 12's large-image failure: a 20000x20000 PNG
// was decoded again every time it was drawn (4.8 s a step). After Check, reading
// needs no file at all, and gives what reading the file gave.
func TestFolderDecodesEachImageOnce(t *testing.T) {
	dir := badFolder(t, 4, nil)
	d, err := Open(dir, Options{Size: 6, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	before := make([][]float32, d.Len())
	for i := range before {
		before[i] = make([]float32, d.Shape().Len())
		if err := d.Read(i, before[i]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Check(d); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for i := range before {
		for draw := range 2 {
			x := make([]float32, d.Shape().Len())
			if err := d.Read(i, x); err != nil {
				t.Fatalf("image %d, draw %d after Check, files gone: %v", i, draw, err)
			}
			if fmt.Sprint(x) != fmt.Sprint(before[i]) {
				t.Errorf("image %d, draw %d: %v, want %v", i, draw, x, before[i])
			}
		}
	}
}

// TestImageLimitsAreReadFromTheHeader: an image above data.max_image_pixels, or whose
// decoding would not fit in memory, is refused before any pixel is allocated.
func TestImageLimitsAreReadFromTheHeader(t *testing.T) {
	plenty := sysmem.Budget{Bytes: 1 << 30, Source: "test"}
	shape := Shape{Size: 28, Channels: 1}
	for _, tc := range []struct {
		name      string
		file      []byte
		maxPixels int
		mem       sysmem.Budget
		want      string // "" = accepted
	}{
		{"40x30 under the limit", grayPNG(t, 40, 30, 0), 1200, plenty, ""},
		{"40x30 over the limit", grayPNG(t, 40, 30, 0), 1199, plenty, "40x30 (1200 pixels), above data.max_image_pixels 1199"},
		{"a bomb under the default", testutil.PNGHeader(100000, 100000), DefaultMaxImagePixels, plenty, "100000x100000 (10000000000 pixels), above data.max_image_pixels 500000000"},
		// 20000 x 20000 RGBA: 1.6e9 bytes, 1.49 GiB, more than 1 GiB.
		{"too big for memory", testutil.PNGHeader(20000, 20000), DefaultMaxImagePixels, plenty, "needs about 1.49 GiB, and 1 GiB is available (test)"},
		{"100:1", grayPNG(t, 1, 100, 0), DefaultMaxImagePixels, plenty, ""},
		{"more elongated than 100:1", testutil.PNGHeader(1, 101), DefaultMaxImagePixels, plenty, "1x101: the center crop keeps less than 1/100"},
	} {
		_, err := decodeSample("x.png", bytes.NewReader(tc.file), shape, tc.maxPixels, tc.mem)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
	// decodeBytes, a 40x30 gray image to 28x28: 1,200 bytes of pixels, the scaled
	// 37x28 RGBA (28 * 28 * 40/30 * 4 = 4,181.3) and the 28x28 RGBA crop (3,136).
	if got := decodeBytes(image.Config{ColorModel: color.GrayModel, Width: 40, Height: 30}, 28); fmt.Sprintf("%.1f", got) != "8517.3" {
		t.Errorf("decodeBytes = %.1f, want 8517.3", got)
	}
}

// TestIDXHeaderLargerThanAnIntIsRefused: three dimensions of 2^24 are 2^72 bytes,
// which overflowed an int to 0 and matched an empty body; reading then panicked.
func TestIDXHeaderLargerThanAnIntIsRefused(t *testing.T) {
	raw := idxBytes(8, 3, []int{1 << 24, 1 << 24, 1 << 24}, nil)
	if _, err := parseIDX("x.idx", raw, ""); err == nil || !strings.Contains(err.Error(), "x.idx") {
		t.Errorf("IDX header of 2^72 bytes with no body: error %v", err)
	}
}

// TestGzipStopsAtHalfTheMemory: 4 MiB of zeros compress to a few KiB; with 4 MiB
// available, decompression stops at 2 MiB and says so.
func TestGzipStopsAtHalfTheMemory(t *testing.T) {
	z := gz(t, make([]byte, 4<<20))
	_, err := gunzip("zeros.gz", z, sysmem.Budget{Bytes: 4 << 20, Source: "test"})
	if err == nil || !strings.Contains(err.Error(), "zeros.gz: gzip: decompresses to more than 2 MiB") {
		t.Errorf("error %v", err)
	}
	out, err := gunzip("zeros.gz", z, sysmem.Budget{Bytes: 8 << 20, Source: "test"})
	if err != nil || len(out) != 4<<20 {
		t.Errorf("with 8 MiB: %d bytes, %v", len(out), err)
	}
}

// TestDataThatIsNotARegularFileIsRefused: reading /dev/zero never ends, and /dev/null
// reads as an empty file; both are named and refused.
func TestDataThatIsNotARegularFileIsRefused(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Skip(err)
	}
	_, err := Open(os.DevNull, Options{})
	if err == nil || !strings.Contains(err.Error(), os.DevNull) || !strings.Contains(err.Error(), "a device, not a regular file") {
		t.Errorf("Open(%s): %v", os.DevNull, err)
	}
}

// TestResizeCropEqualsScalingThenCropping: resizeCrop scales straight onto the crop;
// its pixels must be bitwise those of scaling the whole image and cropping it (what
// it did before), so that runs on image folders resume exactly.
func TestResizeCropEqualsScalingThenCropping(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 200 {
		w, h, n := 1+r.IntN(90), 1+r.IntN(90), 1+r.IntN(40)
		var img image.Image
		if k%2 == 0 {
			g := image.NewGray(image.Rect(0, 0, w, h))
			for i := range g.Pix {
				g.Pix[i] = uint8(r.IntN(256))
			}
			img = g
		} else {
			c := image.NewNRGBA(image.Rect(3, 5, 3+w, 5+h))
			for i := range c.Pix {
				c.Pix[i] = uint8(r.IntN(256))
			}
			img = c
		}
		sw, sh := n, n
		if w > h {
			sw = (w*n + h/2) / h
		} else {
			sh = (h*n + w/2) / w
		}
		scaled := image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.CatmullRom.Scale(scaled, scaled.Bounds(), img, img.Bounds(), draw.Src, nil)
		want := image.NewRGBA(image.Rect(0, 0, n, n))
		draw.Draw(want, want.Bounds(), scaled, image.Pt((sw-n)/2, (sh-n)/2), draw.Src)
		if got := resizeCrop(img, n); !bytes.Equal(got.Pix, want.Pix) {
			t.Fatalf("%dx%d to %d: pixels differ from scaling then cropping", w, h, n)
		}
	}
}

// TestFolderCheckKeepsTheImagesOnlyWhenTheyFit: 10 images of 8x8x1 kept decoded are
// 640 bytes. With 1,000 bytes available (500 for them; each 12x10 decode needs 683)
// Check checks them all, keeps none and says so: reading decodes again. With 2,000
// it keeps them.
func TestFolderCheckKeepsTheImagesOnlyWhenTheyFit(t *testing.T) {
	for _, tc := range []struct {
		mem  float64
		kept bool
	}{{1000, false}, {2000, true}} {
		dir := badFolder(t, 10, nil)
		d, err := Open(dir, Options{Size: 8, Channels: 1})
		if err != nil {
			t.Fatal(err)
		}
		note, err := d.(*Folder).check(sysmem.Budget{Bytes: tc.mem, Source: "test"})
		if err != nil {
			t.Fatalf("%.0f bytes: %v", tc.mem, err)
		}
		want := "keeping its 10 images decoded at 8x8x1 would take 640 B of the 1000 B available (test): each is decoded again when drawn"
		if tc.kept != (note == "") || (!tc.kept && !strings.Contains(note, want)) {
			t.Errorf("%.0f bytes: note %q", tc.mem, note)
		}
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		err = d.Read(0, make([]float32, 64))
		if tc.kept != (err == nil) {
			t.Errorf("%.0f bytes: reading after the files are gone: %v, want kept %v", tc.mem, err, tc.kept)
		}
	}
}

// TestMemGateRunsTogetherOnlyWhatFits: with 10 units, 6 and 3 run together, a second
// 6 waits until the first is released, and a piece larger than the budget runs when
// nothing else does.
func TestMemGateRunsTogetherOnlyWhatFits(t *testing.T) {
	g := newMemGate(10)
	g.acquire(6)
	g.acquire(3) // fits beside the 6: returns at once
	started := make(chan bool)
	go func() {
		g.acquire(6)
		started <- true
	}()
	select {
	case <-started:
		t.Fatal("a second 6 started beside 6 + 3 of a budget of 10")
	case <-time.After(50 * time.Millisecond):
	}
	g.release(6)
	<-started // 3 + 6 fit
	g.release(3)
	g.release(6)
	g.acquire(25) // larger than the budget, alone: runs
	g.release(25)
}
