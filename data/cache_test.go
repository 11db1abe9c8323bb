package data

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
)

// bmpOf is a w x h grey BMP of level v: the same size in bytes whatever v is, so a
// file can be rewritten with other pixels and keep its size.
func bmpOf(t *testing.T, w, h int, v uint8) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return encodeBMP(t, img)
}

func encodeBMP(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := bmp.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// openChecked opens dir with the cache in cache, checks it, and returns the folder,
// Check's note and image 0's first pixel level.
func openChecked(t *testing.T, dir, cache string, opt Options) (*Folder, string, int) {
	t.Helper()
	opt.Size, opt.Channels, opt.CacheDir = 4, 1, cache
	d, err := Open(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	note, err := Check(d)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 16)
	if err := d.Read(0, x); err != nil {
		t.Fatal(err)
	}
	return d.(*Folder), note, int((x[0]+1)*127.5 + 0.5)
}

// TestCacheIsUsedOnTheSecondStartAndIgnoredAfterAFileChanges: the first Check
// decodes and writes the cache, the second reads it (the note says so, with the
// file's path); rewriting an image and putting its size and time back is not seen
// (the pixels come from the cache, which proves it was read), and a new modification
// time makes the cache stale: decoded again, the new pixels, the file rewritten.
func TestCacheIsUsedOnTheSecondStartAndIgnoredAfterAFileChanges(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	img := filepath.Join(dir, "a.bmp")
	write(t, img, bmpOf(t, 4, 4, 40))
	write(t, filepath.Join(dir, "b.bmp"), bmpOf(t, 4, 4, 90))
	st, err := os.Stat(img)
	if err != nil {
		t.Fatal(err)
	}

	f, note, p := openChecked(t, dir, cache, Options{})
	path := f.CachePath()
	if !strings.HasPrefix(path, cache) || !strings.Contains(note, "kept 2 decoded images in the cache "+path) || p != 40 {
		t.Fatalf("first start: cache %s, pixel %d, note:\n%s", path, p, note)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no cache file: %v", err)
	}
	_, note, p = openChecked(t, dir, cache, Options{})
	if !strings.Contains(note, "read 2 decoded images from the cache "+path) || strings.Contains(note, "kept") || p != 40 {
		t.Fatalf("second start: pixel %d, note:\n%s", p, note)
	}

	write(t, img, bmpOf(t, 4, 4, 200))
	if err := os.Chtimes(img, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	if _, _, p = openChecked(t, dir, cache, Options{}); p != 40 {
		t.Fatalf("same size and time: pixel %d, want the cached 40", p)
	}

	later := st.ModTime().Add(time.Second)
	if err := os.Chtimes(img, later, later); err != nil {
		t.Fatal(err)
	}
	_, note, p = openChecked(t, dir, cache, Options{})
	if p != 200 || !strings.Contains(note, "was made for other files or settings") || !strings.Contains(note, "kept 2 decoded images") {
		t.Fatalf("after touching a.bmp: pixel %d, want 200; note:\n%s", p, note)
	}
	if _, note, p = openChecked(t, dir, cache, Options{}); p != 200 || !strings.Contains(note, "read 2 decoded images") {
		t.Fatalf("after the rewrite: pixel %d, note:\n%s", p, note)
	}

	// A file added to the folder, or another background, also means decoding again.
	write(t, filepath.Join(dir, "c.bmp"), bmpOf(t, 4, 4, 7))
	if _, note, _ = openChecked(t, dir, cache, Options{}); !strings.Contains(note, "kept 3 decoded images") {
		t.Errorf("after adding c.bmp: note:\n%s", note)
	}
	g, note, _ := openChecked(t, dir, cache, Options{Background: "black"})
	if g.CachePath() == path || strings.Contains(note, "read ") {
		t.Errorf("another background used %s: note:\n%s", g.CachePath(), note)
	}
}

// TestBrokenCacheIsIgnoredWithANote: a truncated cache file, one with a flipped byte
// and one that is not a cache at all are each passed over with a note naming the
// file; Check decodes the images and succeeds, and writes a good file again.
func TestBrokenCacheIsIgnoredWithANote(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dir, "a.png"), grayPNG(t, 4, 4, 30))
	write(t, filepath.Join(dir, "b.png"), grayPNG(t, 4, 4, 60))
	f, _, _ := openChecked(t, dir, cache, Options{})
	path := f.CachePath()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-10] ^= 0xff // a pixel of b.png
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"truncated", good[:len(good)-7], "checksum does not match"},
		{"cut inside the header", good[:20], "not a gankit image cache, or truncated"},
		{"a flipped byte", flipped, "checksum does not match"},
		{"not a cache", []byte("hello"), "not a gankit image cache"},
	} {
		if err := os.WriteFile(path, tc.file, 0o644); err != nil {
			t.Fatal(err)
		}
		_, note, p := openChecked(t, dir, cache, Options{})
		if p != 30 || !strings.Contains(note, "ignored the decoded-image cache "+path) || !strings.Contains(note, tc.want) || !strings.Contains(note, "kept 2") {
			t.Errorf("%s: pixel %d, note:\n%s", tc.name, p, note)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, good) {
			t.Errorf("%s: the cache was not written again as it was", tc.name)
		}
	}
}

// TestCacheKeepsWhatTheLimitDecodedAndAddsTheRest: with data.limit 2 the cache
// holds two images; a start without the limit reads those two and decodes the third.
// An image that does not decode is not kept, and is found bad again.
func TestCacheKeepsWhatTheLimitDecodedAndAddsTheRest(t *testing.T) {
	dir, cache := t.TempDir(), t.TempDir()
	for i, name := range []string{"a.png", "b.png", "c.png"} {
		write(t, filepath.Join(dir, name), grayPNG(t, 4, 4, uint8(10*i)))
	}
	write(t, filepath.Join(dir, "d.png"), []byte("not a PNG"))
	if _, note, _ := openChecked(t, dir, cache, Options{Limit: 2}); !strings.Contains(note, "kept 2 decoded images") {
		t.Fatalf("limit 2: note:\n%s", note)
	}
	f, note, _ := openChecked(t, dir, cache, Options{SkipBadImages: true})
	if !strings.Contains(note, "read 2 decoded images") || !strings.Contains(note, "kept 3 decoded images") || !strings.Contains(note, "d.png") || f.Len() != 3 {
		t.Fatalf("no limit: %d images, note:\n%s", f.Len(), note)
	}
	x := make([]float32, 16)
	if err := f.Read(2, x); err != nil || int((x[0]+1)*127.5+0.5) != 20 {
		t.Errorf("c.png: %g, %v; want 20", x[0], err)
	}
	if _, note, _ = openChecked(t, dir, cache, Options{SkipBadImages: true}); !strings.Contains(note, "read 3 decoded images") || strings.Contains(note, "kept") || !strings.Contains(note, "skipped 1 of 4") {
		t.Errorf("third start: note:\n%s", note)
	}
}

// TestCacheOffAndTheUserCacheDirectory: data.cache "off" is no cache, "" the user
// cache directory (asked of os.UserCacheDir, here pointed at a temporary folder),
// anything else that folder.
func TestCacheOffAndTheUserCacheDirectory(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // Linux's; other systems' user cache folder is only read
	user, err := os.UserCacheDir()
	if err != nil {
		t.Skip(err)
	}
	for _, tc := range []struct{ setting, want string }{
		{"off", ""},
		{"", filepath.Join(user, "gankit", "images")},
		{"/some/where", "/some/where"},
	} {
		got, err := CacheDir(tc.setting)
		if err != nil || got != tc.want {
			t.Errorf("CacheDir(%q) = %q, %v; want %q", tc.setting, got, err, tc.want)
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.png"), grayPNG(t, 4, 4, 0))
	f, note, _ := openChecked(t, dir, "", Options{})
	if f.CachePath() != "" || strings.Contains(note, "cache") {
		t.Errorf("no cache directory: path %q, note %q", f.CachePath(), note)
	}
}
