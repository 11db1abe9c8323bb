package data

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
)

//go:embed embedded/fashion-mnist-train-10k-images-idx3-ubyte.gz embedded/fashion-mnist-train-10k-labels-idx1-ubyte.gz
var embedded embed.FS

// EmbeddedName is how the embedded Fashion-MNIST subset is named in messages and configs.
const EmbeddedName = "embedded:fashion-mnist-10k"

// Options say how to read a path.
type Options struct {
	Split    string // "train" or "test" for IDX and CIFAR-10 folders
	Size     int    // image folders: output size
	Channels int    // image folders: 1 or 3
	Limit    int    // keep at most this many examples (0: all)

	SkipBadImages  bool   // image folders: Check leaves out images that cannot be used instead of failing
	MaxImagePixels int    // image folders: largest width x height decoded (0: DefaultMaxImagePixels)
	Background     string // image folders: what transparency is composited onto (see ParseBackground; "": DefaultBackground)
	CacheDir       string // image folders: where Check keeps the decoded images (see CacheDir); "": no cache
}

// Formats describes what Open accepts, for help texts and errors.
const Formats = "an IDX images file (.gz or raw), a folder with {train,t10k}-images-idx3-ubyte[.gz] (Fashion-MNIST/MNIST), " +
	"a CIFAR-10 .bin batch or a folder of them, a folder of PNG/JPEG/GIF/WebP/BMP/TIFF images (one sub-folder per class, or StyleGAN2-ADA's dataset.json), " +
	"a StyleGAN2-ADA dataset .zip, stacked:PATH (three grayscale images as RGB channels), or ring8/grid25"

// Embedded returns the first 10,000 Fashion-MNIST training images and labels, built into the binary.
func Embedded() (*IDX, error) {
	imgs, err := embedded.ReadFile("embedded/fashion-mnist-train-10k-images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	raw, err := gunzipIfNeeded(EmbeddedName, imgs)
	if err != nil {
		return nil, err
	}
	d, err := parseIDX(EmbeddedName, raw, "")
	if err != nil {
		return nil, err
	}
	labs, err := embedded.ReadFile("embedded/fashion-mnist-train-10k-labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	rawL, err := gunzipIfNeeded(EmbeddedName, labs)
	if err != nil {
		return nil, err
	}
	_, d.labels, err = idxBody(EmbeddedName+" labels", rawL, 1)
	return d, err
}

// Open reads the dataset at path (see Formats); "" means the embedded Fashion-MNIST subset.
func Open(path string, opt Options) (Dataset, error) {
	d, err := open(path, opt)
	if err != nil {
		return nil, err
	}
	if opt.Limit > 0 && opt.Limit < d.Len() {
		d = &limited{Dataset: d, n: opt.Limit}
	}
	return d, nil
}

func open(path string, opt Options) (Dataset, error) {
	if base, ok := IsStacked(path); ok {
		d, err := open(base, opt)
		if err != nil {
			return nil, err
		}
		return NewStacked(d, d.Len(), 0)
	}
	if path == "" || path == EmbeddedName {
		return Embedded()
	}
	split := opt.Split
	if split == "" {
		split = "train"
	}
	if split != "train" && split != "test" {
		return nil, fmt.Errorf("data.split: %q is not one of [train test]", split)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w; gankit reads %s", path, unwrapPathError(err), Formats)
	}
	if !st.IsDir() {
		if err := fsutil.CheckRegular(path, st); err != nil {
			return nil, fmt.Errorf("data %s: %w; gankit reads %s", path, err, Formats)
		}
		if strings.EqualFold(filepath.Ext(path), ".zip") {
			return readZip(path, opt)
		}
		return openFile(path)
	}
	idxPrefix := map[string]string{"train": "train", "test": "t10k"}[split]
	for _, ext := range []string{"", ".gz"} {
		img := filepath.Join(path, idxPrefix+"-images-idx3-ubyte"+ext)
		if _, err := os.Stat(img); err == nil {
			lab := filepath.Join(path, idxPrefix+"-labels-idx1-ubyte"+ext)
			if _, err := os.Stat(lab); err != nil {
				lab = ""
			}
			return ReadIDX(img, lab)
		}
	}
	var bins []string
	if split == "train" {
		bins, _ = filepath.Glob(filepath.Join(path, "data_batch_*.bin"))
	} else {
		bins, _ = filepath.Glob(filepath.Join(path, "test_batch.bin"))
	}
	if len(bins) > 0 {
		return ReadCIFAR(bins...)
	}
	f, err := readFolder(path, opt)
	if err != nil {
		return nil, fmt.Errorf("data %s: no %s-images-idx3-ubyte[.gz], no CIFAR-10 batches, and as an image folder: %w", path, idxPrefix, err)
	}
	return f, nil
}

func openFile(path string) (Dataset, error) {
	raw, err := readMaybeGzip(path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", path, err)
	}
	switch {
	case len(raw) >= 4 && raw[0] == 0 && raw[1] == 0 && raw[2] == 0x08:
		lab := idxLabelsBeside(path)
		if lab != "" {
			return ReadIDX(path, lab)
		}
		return parseIDX(path, raw, "")
	case strings.HasSuffix(path, ".bin"):
		return ReadCIFAR(path)
	}
	head := raw[:min(len(raw), 8)]
	if isImageFile(path) || bytes.HasPrefix(head, []byte("\x89PNG")) || bytes.HasPrefix(head, []byte("\xff\xd8")) {
		return nil, fmt.Errorf("data %s: a single image; point --data at the folder that holds the images", path)
	}
	return nil, fmt.Errorf("data %s: not a format gankit reads (tried IDX by its header, CIFAR-10 by the .bin name); gankit reads %s", path, Formats)
}

// idxLabelsBeside guesses the labels file for an images file named like Fashion-MNIST's.
func idxLabelsBeside(images string) string {
	dir, base := filepath.Split(images)
	if !strings.Contains(base, "-images-idx3-") {
		return ""
	}
	lab := filepath.Join(dir, strings.Replace(base, "-images-idx3-", "-labels-idx1-", 1))
	if _, err := os.Stat(lab); err != nil {
		return ""
	}
	return lab
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

type limited struct {
	Dataset
	n int
}

func (l *limited) Len() int { return min(l.n, l.Dataset.Len()) }
