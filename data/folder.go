package data

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/gankit/gankit/internal/sysmem"
	"golang.org/x/image/draw"
)

// DefaultMaxImagePixels is the largest image (width x height) a folder may hold when
// data.max_image_pixels is 0: 500 megapixels, a 22,000 x 22,000 photo (2 GiB decoded
// as 8-bit RGBA). A header claiming more is likelier a decompression bomb than a photo.
const DefaultMaxImagePixels = 500_000_000

// MaxAspect is the most elongated image a folder may hold, longer side over shorter.
const MaxAspect = 100

// MaxFolderSize is the largest data.size a folder of images may be resized to.
const MaxFolderSize = 4096

// Folder is every image file under a directory (recursively, in sorted order), or
// in a .zip archive, resized so the shorter side is Size, center-cropped to Size x
// Size, and converted to grayscale or RGB, transparency composited onto a background
// colour first (see decodeImage). Its images have classes when they sit in one
// sub-folder per class, or when a dataset.json gives them (see labels.go). Check
// (which training runs first) decodes each image once and, when they fit in memory,
// keeps them at that size (Size x Size x Channels bytes), so a large photo costs one
// decode, not one per draw; the decoded originals are never all in memory. With a
// cache directory, Check also keeps them in a file there for the next start (see
// cache.go).
type Folder struct {
	root       string   // the folder or the .zip, as given
	src        source   // where the files are
	files      []string // image names relative to the root, forward slashes, sorted
	shape      Shape
	limit      int  // keep at most this many images (0: all)
	skipBad    bool // Check leaves out the images that cannot be used
	maxPixels  int
	background color.RGBA // transparency is composited onto it
	cacheDir   string     // where Check keeps the decoded images; "" = nowhere
	labels     []int      // per file: its class's index in classes; nil when the images have no classes
	classes    []string   // class names; nil when the images have no classes
	labelsFrom string     // what gave the classes: "class folders" or a dataset.json; "" for none

	mu    sync.Mutex
	cache [][]uint8 // per file: its pixels at the output size, channels-last; nil until decoded
}

// ReadFolder lists the images under root; size and channels (1 or 3) fix the output shape.
func ReadFolder(root string, size, channels int) (*Folder, error) {
	return readFolder(root, Options{Size: size, Channels: channels})
}

// readFolder lists the images of a directory.
func readFolder(root string, opt Options) (*Folder, error) {
	return newFolder(root, dirSource{root}, opt)
}

// readZip lists the images of a .zip archive.
func readZip(path string, opt Options) (*Folder, error) {
	z, err := openZip(path)
	if err != nil {
		return nil, err
	}
	return newFolder(path, z, opt)
}

func newFolder(root string, src source, opt Options) (*Folder, error) {
	size, channels := opt.Size, opt.Channels
	if size < 1 || size > MaxFolderSize {
		return nil, fmt.Errorf("reading %s: data.size must be set for a folder of images (e.g. 28, 32 or 64; at most %d), got %d", root, MaxFolderSize, size)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("reading %s: data.channels must be 1 (grayscale) or 3 (RGB), got %d", root, channels)
	}
	if opt.MaxImagePixels < 0 {
		return nil, fmt.Errorf("reading %s: data.max_image_pixels must be >= 0 (0 = %d), got %d", root, DefaultMaxImagePixels, opt.MaxImagePixels)
	}
	bg, err := ParseBackground(opt.Background)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	f := &Folder{root: root, src: src, shape: Shape{Size: size, Channels: channels}, limit: max(0, opt.Limit),
		skipBad: opt.SkipBadImages, maxPixels: opt.MaxImagePixels, background: bg, cacheDir: opt.CacheDir}
	if f.maxPixels == 0 {
		f.maxPixels = DefaultMaxImagePixels
	}
	all, err := src.list()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	hasJSON := false
	for _, rel := range all {
		if isImageFile(rel) {
			f.files = append(f.files, rel)
		}
		hasJSON = hasJSON || rel == datasetJSON
	}
	if len(f.files) == 0 {
		return nil, fmt.Errorf("reading %s: no %s files in the folder or below", root, strings.Join(ImageExts(), "/"))
	}
	if hasJSON {
		if f.labels, f.classes, err = readDatasetJSON(src, f.files); err != nil {
			return nil, err
		}
		f.labelsFrom = src.path(datasetJSON)
	} else if f.labels, f.classes = classFolders(f.files); f.labels != nil {
		f.labelsFrom = "class folders"
	}
	f.cache = make([][]uint8, len(f.files))
	return f, nil
}

func isImageFile(p string) bool {
	return slices.Contains(ImageExts(), strings.ToLower(path.Ext(p)))
}

func (f *Folder) Name() string { return f.root }

func (f *Folder) Len() int {
	if f.limit > 0 {
		return min(f.limit, len(f.files))
	}
	return len(f.files)
}

func (f *Folder) Shape() Shape { return f.shape }

// Label is image i's class (an index into Classes), or -1 when the images have no classes.
func (f *Folder) Label(i int) int {
	if f.labels == nil {
		return -1
	}
	return f.labels[i]
}

// Classes are the class names, indexed by Label (a copy); nil when the images have
// none. Class folders are named by their folders, dataset.json's classes by their
// numbers ("0", "1", ...).
func (f *Folder) Classes() []string { return slices.Clone(f.classes) }

// LabelsFrom says what gave the images their classes: "class folders", the
// dataset.json's path, or "" when they have none.
func (f *Folder) LabelsFrom() string { return f.labelsFrom }

// Files are the image paths (inside a zip: the zip's path, "/", the entry's name),
// in the order Read indexes them.
func (f *Folder) Files() []string {
	out := make([]string, f.Len())
	for i := range out {
		out[i] = f.src.path(f.files[i])
	}
	return out
}

func (f *Folder) Read(i int, dst []float32) error {
	pix, err := f.pixels(i)
	if err != nil {
		return err
	}
	for j, p := range pix {
		dst[j] = scaleByte(p)
	}
	return nil
}

// pixels is image i at the output size: kept from Check, or decoded now (and not
// kept: without Check, as in eval and data inspect, each image is read once, and
// keeping them all is what Check first makes sure fits in memory).
func (f *Folder) pixels(i int) ([]uint8, error) {
	f.mu.Lock()
	pix := f.cache[i]
	f.mu.Unlock()
	if pix != nil {
		return pix, nil
	}
	pix, _, err := f.loadGated(i, sysmem.Available(), false, nil)
	return pix, err
}

// decodeBytes estimates the memory decoding an image of cfg and resizing it to
// size needs: its pixels in the decoder's layout, plus resizeCrop's working memory
// (which grows with the scaled image's longer side) and its RGBA output. A
// WebP with alpha is composited into a copy (composite rewrites the other layouts in
// place), which its 8 bytes a pixel include.
func decodeBytes(cfg image.Config, size int) float64 {
	w, h := float64(cfg.Width), float64(cfg.Height)
	per := 8.0 // 16-bit RGBA, the largest layout
	switch cfg.ColorModel {
	case color.GrayModel, color.AlphaModel:
		per = 1
	case color.Gray16Model, color.Alpha16Model:
		per = 2
	case color.YCbCrModel:
		per = 3 // 4:4:4 at most
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		per = 4
	case color.NYCbCrAModel:
		per = 4 + 4
	}
	if _, ok := cfg.ColorModel.(color.Palette); ok {
		per = 1
	}
	n := float64(size)
	scaled := n * n * max(w/h, h/w)
	return w*h*per + 4*scaled + 4*n*n
}

// toSample converts a size x size RGBA image to channels-last grayscale or RGB bytes.
func toSample(sq *image.RGBA, channels int) []uint8 {
	n := sq.Bounds().Dx()
	out := make([]uint8, n*n*channels)
	for y := range n {
		for x := range n {
			c := sq.RGBAAt(x, y)
			o := (y*n + x) * channels
			if channels == 1 {
				out[o] = color.GrayModel.Convert(c).(color.Gray).Y
			} else {
				out[o], out[o+1], out[o+2] = c.R, c.G, c.B
			}
		}
	}
	return out
}

// resizeCrop scales img so its shorter side is n (Catmull-Rom) and crops the center
// n x n. The scaled image is never made: scaling onto the n x n output through the
// rectangle the whole scaled image would cover computes the crop's pixels only, the
// same pixels as scaling and then cropping.
func resizeCrop(img image.Image, n int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	sw, sh := n, n
	if w > h {
		sw = (w*n + h/2) / h
	} else {
		sh = (h*n + w/2) / w
	}
	out := image.NewRGBA(image.Rect(0, 0, n, n))
	off := image.Pt((sw-n)/2, (sh-n)/2)
	draw.CatmullRom.Scale(out, image.Rect(-off.X, -off.Y, sw-off.X, sh-off.Y), img, b, draw.Src, nil)
	return out
}

// BadImage is a file of an image folder that cannot be used, and why.
type BadImage struct {
	Path string
	Err  error
}

// maxListed is how many bad images a message lists by name.
const maxListed = 5

// Check decodes every image not decoded yet, on all cores, and keeps each at the
// output size so training never decodes it again — unless keeping them all would
// take more than half the memory available: then they are only checked, decoded
// again when drawn, and note says so. Images that cannot be used are an error that
// lists them; with data.skip_bad_images they are left out instead (the next files
// fill data.limit), and note says how many and which. With a cache directory, the
// images are read from the cache file when it is up to date, and those decoded are
// written to it; note says which, and the file's path.
func (f *Folder) Check() (note string, err error) { return f.check(sysmem.Available()) }

func (f *Folder) check(mem sysmem.Budget) (note string, err error) {
	want := f.Len()
	var notes []string
	keep := true
	if need := float64(want) * float64(f.shape.Len()); need > mem.Bytes/2 {
		keep = false
		notes = append(notes, fmt.Sprintf("keeping its %d images decoded at %dx%dx%d would take %s of the %s available (%s): each is decoded again when drawn (data.limit or a smaller data.size avoid that)",
			want, f.shape.Size, f.shape.Size, f.shape.Channels, sysmem.Format(need), sysmem.Format(mem.Bytes), mem.Source))
	}
	var key [32]byte
	writeCache := false
	if keep && f.cacheDir != "" {
		var n string
		key, writeCache, n = f.useCache(mem)
		if n != "" {
			notes = append(notes, n)
		}
	}
	var good []int
	var bad []BadImage
	next, decoded := 0, 0
	for len(good) < want && next < len(f.files) {
		if !f.skipBad && len(bad) > 0 {
			break
		}
		batch := make([]int, 0, want-len(good))
		for ; next < len(f.files) && len(batch) < cap(batch); next++ {
			batch = append(batch, next)
		}
		errs, n := f.loadAll(batch, mem, keep)
		decoded += n
		for k, i := range batch {
			if errs[k] != nil {
				bad = append(bad, BadImage{f.src.path(f.files[i]), errs[k]})
			} else {
				good = append(good, i)
			}
		}
	}
	if writeCache && decoded > 0 {
		path := f.CachePath()
		if n, err := f.writeCache(path, key); err != nil {
			notes = append(notes, fmt.Sprintf("could not keep the decoded images in the cache %s: %v (data.cache names another folder, or off)", path, err))
		} else {
			notes = append(notes, fmt.Sprintf("kept %d decoded images in the cache %s for the next start (data.cache)", n, path))
		}
	}
	checked := len(good) + len(bad)
	switch {
	case len(bad) == 0:
		return strings.Join(notes, "\n"), nil
	case len(good) == 0:
		return "", fmt.Errorf("data %s: no image can be used; all %d fail:\n%s", f.root, checked, listBad(bad))
	case !f.skipBad:
		return "", fmt.Errorf("data %s: %d of %d images cannot be used:\n%s\nleave them out with --skip-bad-images (data.skip_bad_images: true), or fix or remove them",
			f.root, len(bad), checked, listBad(bad))
	}
	files, cache := make([]string, len(good)), make([][]uint8, len(good))
	var labels []int
	if f.labels != nil {
		labels = make([]int, len(good))
	}
	for k, i := range good {
		files[k], cache[k] = f.files[i], f.cache[i]
		if labels != nil {
			labels[k] = f.labels[i]
		}
	}
	f.files, f.cache, f.labels, f.limit = files, cache, labels, 0
	notes = append(notes, fmt.Sprintf("skipped %d of %d images that cannot be used (data.skip_bad_images):\n%s", len(bad), checked, listBad(bad)))
	return strings.Join(notes, "\n"), nil
}

// loadAll decodes the files at idx not decoded yet, keeps them in the cache when
// keep is set, and returns each one's error and how many it decoded without one.
func (f *Folder) loadAll(idx []int, mem sysmem.Budget, keep bool) ([]error, int) {
	errs := make([]error, len(idx))
	var todo []int
	for k, i := range idx {
		if !f.cached(i) {
			todo = append(todo, k)
		}
	}
	decoded := 0
	f.decodeAll(len(todo), mem, false, func(j int) int { return idx[todo[j]] }, func(j int, pix []uint8, _ imageInfo, err error) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if err != nil {
			errs[todo[j]] = err
			return
		}
		decoded++
		if keep {
			f.cache[idx[todo[j]]] = pix
		}
	})
	return errs, decoded
}

// decodeAll decodes n images, image(j) for j < n, GOMAXPROCS at a time, and hands
// each one's result to done (called concurrently). Decodes run together only while
// their memory fits in half of mem.
func (f *Folder) decodeAll(n int, mem sysmem.Budget, hash bool, image func(j int) int, done func(j int, pix []uint8, info imageInfo, err error)) {
	gate := newMemGate(mem.Bytes / 2)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				pix, info, err := f.loadGated(image(j), mem, hash, gate)
				done(j, pix, info, err)
			}
		}()
	}
	for j := range n {
		work <- j
	}
	close(work)
	wg.Wait()
}

func (f *Folder) cached(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cache[i] != nil
}

// loadGated decodes image i and brings it to the output shape, refusing what is not
// a regular file, an image above the pixel limit, and one whose decoding would not
// fit in mem; hash asks for the decoded pixels' hash in the info. It decodes once
// gate (when not nil) has room for what the image's header says its decoding needs
// (nothing, when the header does not read: decoding then says why).
func (f *Folder) loadGated(i int, mem sysmem.Budget, hash bool, gate *memGate) ([]uint8, imageInfo, error) {
	rel := f.files[i]
	r, c, err := f.src.open(rel, mem.Bytes/2)
	if err != nil {
		return nil, imageInfo{}, err
	}
	defer c.Close()
	need := 0.0
	if cfg, _, err := image.DecodeConfig(r); err == nil {
		need = decodeBytes(cfg, f.shape.Size)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, imageInfo{}, fmt.Errorf("reading %s: %w", f.src.path(rel), err)
	}
	gate.acquire(need)
	defer gate.release(need)
	return decodeImage(f.src.path(rel), r, f.decodeOptions(hash), mem)
}

func (f *Folder) decodeOptions(hash bool) decodeOptions {
	return decodeOptions{shape: f.shape, maxPixels: f.maxPixels, background: f.background, hash: hash}
}

func listBad(bad []BadImage) string {
	var b strings.Builder
	for i, x := range bad {
		if i == maxListed {
			fmt.Fprintf(&b, "  ... and %d more", len(bad)-maxListed)
			break
		}
		if i > 0 {
			b.WriteString("\n")
		}
		msg := x.Err.Error()
		if !strings.Contains(msg, x.Path) {
			msg = x.Path + ": " + msg
		}
		fmt.Fprintf(&b, "  %s", msg)
	}
	return b.String()
}

// memGate lets work run concurrently while the memory it takes fits in a budget; a
// piece larger than the whole budget runs alone.
type memGate struct {
	mu         sync.Mutex
	cond       *sync.Cond
	free, used float64
}

func newMemGate(budget float64) *memGate {
	g := &memGate{free: budget}
	g.cond = sync.NewCond(&g.mu)
	return g
}

func (g *memGate) acquire(n float64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for n > g.free && g.used > 0 {
		g.cond.Wait()
	}
	g.free -= n
	g.used += n
}

func (g *memGate) release(n float64) {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.free += n
	g.used -= n
	g.mu.Unlock()
	g.cond.Broadcast()
}

// Check checks a dataset's examples before training: an image folder decodes every
// image once (see Folder.Check); other formats were checked whole when read.
func Check(d Dataset) (note string, err error) {
	switch d := d.(type) {
	case *Folder:
		return d.Check()
	case *limited:
		return Check(d.Dataset)
	}
	return "", nil
}

// CheckSource is Check for the dataset behind a training source.
func CheckSource(s Source) (note string, err error) {
	if sh, ok := s.(*Shuffled); ok {
		return Check(sh.Data)
	}
	return "", nil
}
