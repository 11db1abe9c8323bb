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
	"strings"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
)

// Format is how Export writes a synthetic dataset.
type Format int

const (
	// PNGFolder is a folder of numbered PNGs (000000.png, 000001.png, ...) and
	// manifest.json: what `gankit train --data` and `eval --images` read as a folder
	// of images. A conditional run's samples go in one sub-folder per class
	// (ClassDirs), the layout gankit's folder reader and torchvision's ImageFolder
	// take labels from, and the manifest lists each file's label and class.
	PNGFolder Format = iota
	// IDX is one rank-3 unsigned-byte IDX images file (magic 0x00000803, as
	// Fashion-MNIST's), with the manifest next to it as FILE.manifest.json.
	// Grayscale only: gankit's IDX reader takes n x h x w bytes. A conditional run's
	// labels go in a rank-1 IDX file beside it (magic 0x00000801, IDXLabelsPath), where
	// gankit's IDX reader finds them.
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
	Classes    []string        `json:"classes,omitempty"` // a conditional run's class names: label l is Classes[l]
	Labels     *LabelNote      `json:"labels,omitempty"`  // a conditional run's: how each sample got its class, and where the labels are
	// A labelled png-folder export's manifest ends with "samples": one entry per file
	// (SampleNote), written as it is streamed out, never held whole.
}

// LabelNote says how the samples of a conditional run's export got their classes and
// where their labels are.
type LabelNote struct {
	Rule     string   `json:"rule"`           // "sample i has class i mod K" or "every sample has class c"
	Class    *int32   `json:"class"`          // the one class asked for (--class); null: balanced
	PerClass []int    `json:"per_class"`      // how many samples of each class
	Dirs     []string `json:"dirs,omitempty"` // png-folder: class l's images are in the sub-folder Dirs[l]
	File     string   `json:"file,omitempty"` // idx: the IDX labels file beside the images
}

// SampleNote is one file of a labelled png-folder export, in its manifest.
type SampleNote struct {
	File  string `json:"file"` // relative to the folder, forward slashes
	Seed  int64  `json:"seed"`
	Label int32  `json:"label"`
	Class string `json:"class"`
}

// Draw is which samples an export draws: the seeds First, ..., First+N-1, truncated,
// and for a conditional generator their classes.
type Draw struct {
	First      int64
	N          int
	Truncation Truncation
	// Class, when set, draws every sample from class *Class; nil draws sample i from
	// class i mod K (Balanced). An unconditional generator takes none.
	Class *int32
}

// classOf is the draw's classes among k, checked; nil for an unconditional generator.
func (d Draw) classOf(classes []string) (ClassOf, error) {
	switch {
	case len(classes) == 0 && d.Class != nil:
		return nil, fmt.Errorf("class %d: %s", *d.Class, unconditional)
	case len(classes) == 0:
		return nil, nil
	case d.Class == nil:
		return Balanced(len(classes)), nil
	}
	c, err := CheckClass(int64(*d.Class), classes)
	return OnlyClass(c), err
}

// labelNote describes the draw's classes for the manifest.
func (d Draw) labelNote(classes []string) *LabelNote {
	k := len(classes)
	l := &LabelNote{PerClass: make([]int, k), Class: d.Class}
	if d.Class != nil {
		l.Rule = fmt.Sprintf("every sample has class %d (%s)", *d.Class, classes[*d.Class])
		l.PerClass[*d.Class] = d.N
		return l
	}
	l.Rule = fmt.Sprintf("sample i has seed first+i and class i mod %d", k)
	for c := range l.PerClass {
		l.PerClass[c] = d.N / k
		if c < d.N%k {
			l.PerClass[c]++
		}
	}
	return l
}

// Written is what an export wrote.
type Written struct {
	Data     string // the folder or the images file
	Labels   string // an IDX export's labels file; "" for none
	Manifest string
}

// IDXLabelsPath is where a labelled IDX export of the images file images puts its
// labels: beside it, named with "-images-idx3-" replaced by "-labels-idx1-", as
// Fashion-MNIST's files are and as gankit's IDX reader looks for them (a folder of
// train-images-idx3-ubyte and train-labels-idx1-ubyte is also a dataset `--data DIR`
// reads).
func IDXLabelsPath(images string) (string, error) {
	dir, base := filepath.Split(images)
	if !strings.Contains(base, idxImagesTag) {
		return "", fmt.Errorf("%s: the labels of an IDX export go in a file beside the images whose name has %q where the images' has %q, and %q has no %q; name it like train%subyte (then its labels are train%subyte)",
			images, idxLabelsTag, idxImagesTag, base, idxImagesTag, idxImagesTag, idxLabelsTag)
	}
	return filepath.Join(dir, strings.Replace(base, idxImagesTag, idxLabelsTag, 1)), nil
}

// The parts of Fashion-MNIST's file names that gankit's IDX reader pairs.
const (
	idxImagesTag = "-images-idx3-"
	idxLabelsTag = "-labels-idx1-"
)

// MaxIDXClasses is the most classes an IDX labels file holds: its labels are bytes.
const MaxIDXClasses = 256

// CheckLabels refuses what a conditional run's export with classes cannot write: an
// IDX file named so that its labels could not be found beside it, or whose labels
// file exists (without force); more classes than IDX labels hold; points (csv),
// which have no labels column. Nothing to check for an unconditional run.
func CheckLabels(f Format, out string, force bool, classes []string) error {
	if len(classes) == 0 {
		return nil
	}
	switch f {
	case CSV:
		return fmt.Errorf("format csv writes unlabelled points, and this run is conditional (%d classes): use --format png-folder or idx", len(classes))
	case IDX:
		if len(classes) > MaxIDXClasses {
			return fmt.Errorf("format idx: its labels are bytes, at most %d classes, and this run has %d: use --format png-folder", MaxIDXClasses, len(classes))
		}
		labels, err := IDXLabelsPath(out)
		if err != nil {
			return err
		}
		if err := fsutil.CheckReplaceable(labels); err != nil {
			return err
		}
		if _, err := os.Lstat(labels); err == nil && !force {
			return fmt.Errorf("%s (the labels beside %s) exists: choose another path, or pass --force to replace it", labels, out)
		}
	}
	return nil
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
// earlier samples (NNNNNN.png, at its root and in an earlier export's class
// sub-folders) and manifest are removed by Export, so none is left from a larger
// export; other files in it are kept. CheckLabels checks a labelled export's labels.
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

// prepare makes the folder of a PNGFolder export, removing an earlier export's
// samples and manifest from it: at its root, and in the class sub-folders that the
// earlier manifest names or that this export writes (dirs), each removed once empty.
// It does nothing for the file formats.
func prepare(f Format, out string, dirs []string) error {
	if f != PNGFolder {
		return nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	subs := append(earlierClassDirs(out), dirs...)
	if err := removeSamples(out); err != nil {
		return err
	}
	for _, d := range subs {
		sub := filepath.Join(out, d)
		if st, err := os.Lstat(sub); err != nil || !st.IsDir() {
			continue // not there (or not a folder): nothing of an export's
		}
		if err := removeSamples(sub); err != nil {
			return err
		}
		if ents, err := os.ReadDir(sub); err == nil && len(ents) == 0 {
			if err := os.Remove(sub); err != nil {
				return err
			}
		}
	}
	return nil
}

// removeSamples removes the files of a folder named as an export's samples and manifest.
func removeSamples(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() && (sampleFile.MatchString(e.Name()) || e.Name() == "manifest.json") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// earlierClassDirs are the class sub-folders an earlier labelled export's manifest
// names; only plain names count (never a path out of the folder).
func earlierClassDirs(out string) []string {
	raw, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		return nil
	}
	var m struct {
		Labels struct {
			Dirs []string `json:"dirs"`
		} `json:"labels"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var dirs []string
	for _, d := range m.Labels.Dirs {
		if d != "" && d != "." && d != ".." && filepath.Base(d) == d && !strings.ContainsAny(d, `/\`) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// Export writes the samples of d through G in format f at out, a batch at a time
// (never holding more than one batch), calls done after each sample, and writes m
// last, so that a manifest means a complete export. A conditional generator's
// samples are labelled: in class sub-folders (png-folder) or an IDX labels file
// (idx), and in the manifest. The file formats are written atomically; a PNG folder
// one file at a time.
func Export(g *Generator, f Format, out string, d Draw, m Manifest, done func()) (Written, error) {
	shape, n := g.shape, d.N
	classes := g.Classes()
	w := Written{Data: out, Manifest: f.ManifestPath(out)}
	if err := f.Fits(shape); err != nil {
		return w, err
	}
	if f == IDX && n > MaxIDXCount {
		return w, fmt.Errorf("format idx: %d images, gankit's IDX reader takes at most %d: use --format png-folder", n, MaxIDXCount)
	}
	class, err := d.classOf(classes)
	if err != nil {
		return w, err
	}
	if err := CheckLabels(f, out, true, classes); err != nil {
		return w, err
	}
	var dirs []string
	if class != nil && f == PNGFolder {
		dirs = ClassDirs(classes)
	}
	if err := prepare(f, out, dirs); err != nil {
		return w, err
	}
	each := func(write func(i int, x []float32) error) error {
		return g.RunSeeds(d.First, n, d.Truncation, class, func(i int, x []float32) error {
			if err := write(i, x); err != nil {
				return err
			}
			if done != nil {
				done()
			}
			return nil
		})
	}
	var samples func(i int) SampleNote // a labelled png-folder's files, for the manifest
	switch f {
	case PNGFolder:
		name := func(i int) string { return PNGName(i, n) }
		m.Files = PNGName(0, n) + " ... " + PNGName(n-1, n)
		if dirs != nil {
			name = func(i int) string { return dirs[class(i)] + "/" + PNGName(i, n) }
			m.Files = "CLASS_DIR/" + m.Files + " (labels.dirs), sample i as PNGName(i): see samples"
			samples = func(i int) SampleNote {
				c := class(i)
				return SampleNote{File: name(i), Seed: d.First + int64(i), Label: c, Class: classes[c]}
			}
		}
		err = writePNGFolder(out, name, shape, each)
	case IDX:
		m.Files = filepath.Base(out)
		if class != nil {
			if w.Labels, err = IDXLabelsPath(out); err != nil {
				return w, err
			}
		}
		err = writeIDX(out, n, shape, each)
		if err == nil && class != nil {
			err = writeIDXLabels(w.Labels, n, class)
		}
	case CSV:
		m.Files = filepath.Base(out)
		err = writeCSV(out, shape, each)
	default:
		err = fmt.Errorf("export: unknown format %v", f)
	}
	if err != nil {
		return w, fmt.Errorf("exporting to %s: %w", out, err)
	}
	m.Format, m.Count, m.Batch = f.String(), n, Batch
	m.Shape = ShapeNote{Size: shape.Size, Channels: shape.Channels, Dim: shape.Dim}
	m.Seeds, m.Truncation = NewSeedRange(d.First, n), d.Truncation.Note()
	if class != nil {
		m.Classes, m.Labels = classes, d.labelNote(classes)
		m.Labels.Dirs = dirs
		if w.Labels != "" {
			m.Labels.File = filepath.Base(w.Labels)
		}
	}
	if err := writeManifest(w.Manifest, m, n, samples); err != nil {
		return w, fmt.Errorf("writing the manifest %s: %w", w.Manifest, err)
	}
	return w, nil
}

// writeManifest writes m as indented JSON, atomically; with samples, the object ends
// with "samples", one entry per file, each made as it is written.
func writeManifest(path string, m Manifest, n int, samples func(i int) SampleNote) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if samples == nil {
		return fsutil.WriteFileAtomic(path, append(raw, '\n'))
	}
	return fsutil.WriteAtomic(path, func(file *os.File) error {
		w := bufio.NewWriter(file)
		w.Write(bytes.TrimSuffix(raw, []byte("\n}"))) // MarshalIndent ends an object so
		w.WriteString(",\n  \"samples\": [")
		for i := range n {
			e, err := json.Marshal(samples(i))
			if err != nil {
				return err
			}
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString("\n    ")
			w.Write(e)
		}
		w.WriteString("\n  ]\n}\n")
		return w.Flush()
	})
}

// eachSample hands write every sample of an export in turn, i its index.
type eachSample func(write func(i int, x []float32) error) error

// writePNGFolder writes sample i as out/name(i), one file at a time, making the
// sub-folders a name holds as they are first needed.
func writePNGFolder(out string, name func(i int) string, shape data.Shape, each eachSample) error {
	made := map[string]bool{}
	return each(func(i int, x []float32) error {
		img, err := Image(x, shape)
		if err != nil {
			return err
		}
		p := filepath.Join(out, filepath.FromSlash(name(i)))
		if dir := filepath.Dir(p); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			made[dir] = true
		}
		return WritePNG(p, img)
	})
}

// writeIDXLabels writes the n labels class(0), ..., class(n-1) as one rank-1 IDX file
// of unsigned bytes (magic 0x0801, then n), atomically.
func writeIDXLabels(path string, n int, class ClassOf) error {
	return fsutil.WriteAtomic(path, func(file *os.File) error {
		w := bufio.NewWriter(file)
		w.Write(binary.BigEndian.AppendUint32([]byte{0, 0, 0x08, 1}, uint32(n)))
		for i := range n {
			w.WriteByte(byte(class(i)))
		}
		return w.Flush()
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
// A conditional generator draws every image of it from class (class 0 when nil): a
// strip walks the latent alone.
func WriteStrip(g *Generator, path string, zs [][]float32, class *int32) error {
	if g.shape.Dim > 0 {
		return fmt.Errorf("an interpolation strip is a row of images, and this run's samples are %d-D points", g.shape.Dim)
	}
	classes := g.Classes()
	var of ClassOf
	switch {
	case len(classes) > 0 && class == nil:
		of = OnlyClass(0)
	case class != nil:
		c, err := CheckClass(int64(*class), classes)
		if err != nil {
			return err
		}
		of = OnlyClass(c)
	}
	var all []float32
	if err := g.RunEach(len(zs), func(i int) []float32 {
		if i < len(zs) {
			return zs[i]
		}
		return make([]float32, g.cfg.ZDim) // filler, dropped
	}, of, func(_ int, x []float32) error {
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
