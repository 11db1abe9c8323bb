package sample

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
)

// Format is how Export writes a synthetic dataset.
type Format int

const (
	// PNGFolder is a folder of numbered PNGs (000000.png, 000001.png, ...) and
	// manifest.json: what `gankit train --data` and `eval --images` read as a folder
	// of images.
	PNGFolder Format = iota
	// IDX is one rank-3 unsigned-byte IDX images file (magic 0x00000803, as
	// Fashion-MNIST's), with the manifest next to it as FILE.manifest.json.
	// Grayscale only: gankit's IDX reader takes n x h x w bytes.
	IDX
	// CSV is one "x,y" line per point for 2-D toy runs, whose samples are points,
	// not images; the manifest is FILE.manifest.json.
	CSV
)

var formatNames = [...]string{PNGFolder: "png-folder", IDX: "idx", CSV: "csv"}

func (f Format) String() string {
	if f >= 0 && int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// ParseFormat reads "png-folder", "idx" or "csv".
func ParseFormat(s string) (Format, error) {
	for f, name := range formatNames {
		if s == name {
			return Format(f), nil
		}
	}
	return 0, fmt.Errorf("export format %q is not one of %s, %s, %s", s, PNGFolder, IDX, CSV)
}

// Fits says whether f can hold samples of shape, and if not, what to use instead.
func (f Format) Fits(shape data.Shape) error {
	switch {
	case shape.Dim > 0 && f != CSV:
		return fmt.Errorf("format %s writes images, and this run's samples are %d-D points (a toy mixture): use --format csv (one x,y line per point)", f, shape.Dim)
	case shape.Dim == 0 && f == CSV:
		return fmt.Errorf("format csv is for the points of toy runs, and this run's samples are %dx%dx%d images: use --format png-folder or idx", shape.Size, shape.Size, shape.Channels)
	case f == IDX && shape.Channels != 1:
		return fmt.Errorf("format idx holds grayscale images (n x h x w bytes, as gankit's IDX reader takes), and this run's are %dx%dx%d: use --format png-folder", shape.Size, shape.Size, shape.Channels)
	}
	return nil
}

// MaxIDXCount is the most images an IDX file gankit reads back may hold: its reader
// refuses a dimension above 2^24.
const MaxIDXCount = 1 << 24

// ManifestPath is where the manifest of an export at out goes.
func (f Format) ManifestPath(out string) string {
	if f == PNGFolder {
		return filepath.Join(out, "manifest.json")
	}
	return out + ".manifest.json"
}

// Manifest describes an exported synthetic dataset: enough to make it again.
type Manifest struct {
	Format     string          `json:"format"`
	Count      int             `json:"count"`
	Seeds      SeedRange       `json:"seeds"`
	Truncation *TruncationNote `json:"truncation"` // null: none
	Run        string          `json:"run"`
	Step       int             `json:"step"`
	Checkpoint string          `json:"checkpoint"`
	Generator  string          `json:"generator"` // "G_ema" or "G"
	Shape      ShapeNote       `json:"shape"`
	Batch      int             `json:"batch"`
	Files      string          `json:"files"`
	Gankit     string          `json:"gankit_version,omitempty"`
}

// SeedRange is the seeds of an export: sample i has seed First+i.
type SeedRange struct {
	First int64  `json:"first"`
	Last  int64  `json:"last"`
	Rule  string `json:"rule"`
}

// ShapeNote is one sample's shape: an image's size and channels, or a point's dimension.
type ShapeNote struct {
	Size     int `json:"size,omitempty"`
	Channels int `json:"channels,omitempty"`
	Dim      int `json:"dim,omitempty"`
}

// TruncationNote is a Truncation as the manifest records it.
type TruncationNote struct {
	Mode  string  `json:"mode"`
	Value float64 `json:"value"`
}

// NewSeedRange is the seeds first, ..., first+n-1.
func NewSeedRange(first int64, n int) SeedRange {
	return SeedRange{First: first, Last: first + int64(n) - 1, Rule: "sample i has seed first+i (gankit sample --seed first)"}
}

// Note is t for a manifest: nil when there is no truncation.
func (t Truncation) Note() *TruncationNote {
	if t.Mode == TruncNone {
		return nil
	}
	return &TruncationNote{Mode: t.Mode, Value: t.Value}
}

// sampleFile matches the names PNGFolder writes.
var sampleFile = regexp.MustCompile(`^[0-9]{6,}\.png$`)

// PNGName is sample i's file name in a folder of n: at least six digits, zero-padded
// to the width of the last index so that the names sort in order.
func PNGName(i, n int) string {
	w := max(6, len(strconv.Itoa(n-1)))
	return fmt.Sprintf("%0*d.png", w, i)
}

// CheckTarget refuses to write an export over anything unless force: an existing
// non-empty folder (png-folder) or an existing file (idx, csv). With force, a folder's
// earlier samples (NNNNNN.png) and manifest are removed by Prepare, so none is left
// from a larger export; other files in it are kept.
func CheckTarget(f Format, out string, force bool) error {
	st, err := os.Lstat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if f == PNGFolder {
		if !st.IsDir() {
			return fmt.Errorf("%s exists and is not a folder: png-folder writes a folder of images; choose a new path", out)
		}
		ents, err := os.ReadDir(out)
		if err != nil {
			return err
		}
		if len(ents) > 0 && !force {
			return fmt.Errorf("%s is a folder holding %d entries: an export writes into a new or empty folder; choose another path, or pass --force to write over its samples", out, len(ents))
		}
		return nil
	}
	if err := fsutil.CheckReplaceable(out); err != nil {
		return err
	}
	if !force {
		return fmt.Errorf("%s exists: choose another path, or pass --force to replace it", out)
	}
	return nil
}

// Prepare makes the folder of a PNGFolder export (removing an earlier export's
// samples and manifest from it); it does nothing for the file formats.
func Prepare(f Format, out string) error {
	if f != PNGFolder {
		return nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() && (sampleFile.MatchString(e.Name()) || e.Name() == "manifest.json") {
			if err := os.Remove(filepath.Join(out, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Export writes the n samples of seeds first, ... through G in format f at out, a
// batch at a time (never holding more than one batch), calls done after each sample,
// and writes m last, so that a manifest means a complete export. It returns the paths
// it wrote: the data (a file, or the folder) and the manifest. The file formats are
// written atomically; a PNG folder one file at a time.
func Export(g *Generator, f Format, out string, first int64, n int, tr Truncation, m Manifest, done func()) ([]string, error) {
	shape := g.shape
	if err := f.Fits(shape); err != nil {
		return nil, err
	}
	if f == IDX && n > MaxIDXCount {
		return nil, fmt.Errorf("format idx: %d images, gankit's IDX reader takes at most %d: use --format png-folder", n, MaxIDXCount)
	}
	if err := Prepare(f, out); err != nil {
		return nil, err
	}
	each := func(write func(i int, x []float32) error) error {
		return g.RunSeeds(first, n, tr, func(i int, x []float32) error {
			if err := write(i, x); err != nil {
				return err
			}
			if done != nil {
				done()
			}
			return nil
		})
	}
	var err error
	switch f {
	case PNGFolder:
		m.Files = PNGName(0, n) + " ... " + PNGName(n-1, n)
		err = writePNGFolder(out, n, shape, each)
	case IDX:
		m.Files = filepath.Base(out)
		err = writeIDX(out, n, shape, each)
	case CSV:
		m.Files = filepath.Base(out)
		err = writeCSV(out, shape, each)
	default:
		err = fmt.Errorf("export: unknown format %v", f)
	}
	if err != nil {
		return nil, fmt.Errorf("exporting to %s: %w", out, err)
	}
	m.Format, m.Count, m.Batch = f.String(), n, Batch
	m.Shape = ShapeNote{Size: shape.Size, Channels: shape.Channels, Dim: shape.Dim}
	m.Seeds, m.Truncation = NewSeedRange(first, n), tr.Note()
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	mp := f.ManifestPath(out)
	if err := fsutil.WriteFileAtomic(mp, append(raw, '\n')); err != nil {
		return nil, fmt.Errorf("writing the manifest %s: %w", mp, err)
	}
	return []string{out, mp}, nil
}

// eachSample hands write every sample of an export in turn, i its index.
type eachSample func(write func(i int, x []float32) error) error

// writePNGFolder writes sample i as out/PNGName(i, n), one file at a time.
func writePNGFolder(out string, n int, shape data.Shape, each eachSample) error {
	return each(func(i int, x []float32) error {
		img, err := Image(x, shape)
		if err != nil {
			return err
		}
		return WritePNG(filepath.Join(out, PNGName(i, n)), img)
	})
}

// writeIDX writes the n samples as one IDX file of unsigned bytes (magic 0x0803,
// then n, rows and columns), atomically.
func writeIDX(out string, n int, shape data.Shape, each eachSample) error {
	return fsutil.WriteAtomic(out, func(file *os.File) error {
		w := bufio.NewWriter(file)
		hdr := []byte{0, 0, 0x08, 3}
		for _, d := range []int{n, shape.Size, shape.Size} {
			hdr = binary.BigEndian.AppendUint32(hdr, uint32(d))
		}
		if _, err := w.Write(hdr); err != nil {
			return err
		}
		px := make([]byte, shape.Len())
		if err := each(func(_ int, x []float32) error {
			for j, v := range x {
				px[j] = pixel(v)
			}
			_, err := w.Write(px)
			return err
		}); err != nil {
			return err
		}
		return w.Flush()
	})
}

// writeCSV writes a header, then one line of shortest-round-trip float32 values
// per sample, atomically.
func writeCSV(out string, shape data.Shape, each eachSample) error {
	return fsutil.WriteAtomic(out, func(file *os.File) error {
		w := bufio.NewWriter(file)
		if _, err := w.WriteString(csvHeader(shape.Dim)); err != nil {
			return err
		}
		var line []byte
		if err := each(func(_ int, x []float32) error {
			line = line[:0]
			for j, v := range x {
				if j > 0 {
					line = append(line, ',')
				}
				line = strconv.AppendFloat(line, float64(v), 'g', -1, 32)
			}
			line = append(line, '\n')
			_, err := w.Write(line)
			return err
		}); err != nil {
			return err
		}
		return w.Flush()
	})
}

// csvHeader names the columns: x,y for 2-D points, x0,x1,... otherwise.
func csvHeader(dim int) string {
	if dim == 2 {
		return "x,y\n"
	}
	var b bytes.Buffer
	for j := range dim {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "x%d", j)
	}
	b.WriteByte('\n')
	return b.String()
}

// WriteStrip writes the interpolation strip of latents zs (one row, left to right).
func WriteStrip(g *Generator, path string, zs [][]float32) error {
	if g.shape.Dim > 0 {
		return fmt.Errorf("an interpolation strip is a row of images, and this run's samples are %d-D points", g.shape.Dim)
	}
	var all []float32
	if err := g.RunEach(len(zs), func(i int) []float32 {
		if i < len(zs) {
			return zs[i]
		}
		return make([]float32, g.cfg.ZDim) // filler, dropped
	}, func(_ int, x []float32) error {
		all = append(all, x...)
		return nil
	}); err != nil {
		return err
	}
	img, err := Strip(all, g.shape)
	if err != nil {
		return err
	}
	return WritePNG(path, img)
}
