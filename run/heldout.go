package run

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
)

// OpenHeldOut opens n real images that training never sees, for the doctor's
// held-out measure of D: the dataset's images after data.limit when the run uses a
// limit, else the first n of the test split when the run trains on a dataset's train
// split and the dataset has one. It returns nil (and no error) when there are no such
// images: the embedded data without a limit, an image folder without one, a toy.
func OpenHeldOut(cfg config.Config, n int) (data.Dataset, error) {
	if n <= 0 || cfg.IsToy() {
		return nil, nil
	}
	cache, err := data.CacheDir(cfg.Data.Cache)
	if err != nil {
		return nil, err
	}
	opt := data.Options{Split: cfg.Data.Split, Size: cfg.Data.Size, Channels: cfg.Data.Channels,
		SkipBadImages: cfg.Data.SkipBadImages, MaxImagePixels: cfg.Data.MaxImagePixels, Background: cfg.Data.Background, CacheDir: cache}
	if lim := cfg.Data.Limit; lim > 0 {
		all, err := data.Open(cfg.Data.Path, opt)
		if err != nil {
			return nil, fmt.Errorf("held-out images: %w", err)
		}
		if all.Len() < lim+n {
			return nil, nil
		}
		return &slice{Dataset: all, from: lim, n: n}, nil
	}
	if cfg.Data.Path == "" || cfg.Data.Path == data.EmbeddedName || (cfg.Data.Split != "" && cfg.Data.Split != "train") {
		return nil, nil
	}
	if !hasTestSplit(cfg.Data.Path) {
		return nil, nil // a folder of images: its "test split" would be itself
	}
	opt.Split = "test"
	test, err := data.Open(cfg.Data.Path, opt)
	if err != nil {
		return nil, fmt.Errorf("held-out images: %w", err)
	}
	if test.Len() < n {
		return nil, nil
	}
	return &slice{Dataset: test, from: 0, n: n}, nil
}

// hasTestSplit says whether dir holds an IDX or CIFAR-10 test split (data.Open's
// split "test").
func hasTestSplit(dir string) bool {
	for _, name := range []string{"t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz", "test_batch.bin"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err == nil && st.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// slice is examples from .. from+n-1 of a dataset.
type slice struct {
	data.Dataset
	from, n int
}

func (s *slice) Name() string {
	return fmt.Sprintf("%s (examples %d-%d, held out)", s.Dataset.Name(), s.from, s.from+s.n-1)
}
func (s *slice) Len() int                        { return s.n }
func (s *slice) Read(i int, dst []float32) error { return s.Dataset.Read(s.from+i, dst) }
func (s *slice) Label(i int) int                 { return s.Dataset.Label(s.from + i) }
