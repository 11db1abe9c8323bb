package featnet

import (
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"

	"github.com/gankit/gankit/data"
)

// HoldOut splits an image folder, which has no test split, into training and
// held-out images: an image is held out when the 64-bit FNV-1a hash of its path
// relative to the folder, read as a fraction of 2^64, is below fraction. Whether an
// image is held out depends on its name alone, never on which other files the folder
// holds or their order, so adding images to a folder moves none of the others across.
func HoldOut(f *data.Folder, fraction float64) (train, test data.Dataset, err error) {
	if !(fraction > 0 && fraction < 1) {
		return nil, nil, fmt.Errorf("--test-fraction %g: want a share of the images between 0 and 1", fraction)
	}
	files := f.Files()
	names := make([]string, len(files))
	for i, p := range files {
		rel, err := filepath.Rel(f.Name(), p)
		if err != nil {
			return nil, nil, fmt.Errorf("splitting %s: %w", f.Name(), err)
		}
		names[i] = filepath.ToSlash(rel)
	}
	tr, te := splitByName(names, fraction)
	if len(tr) == 0 || len(te) == 0 {
		return nil, nil, fmt.Errorf("--test-fraction %g: %s's %d images split into %d for training and %d held out; want some of each", fraction, f.Name(), len(names), len(tr), len(te))
	}
	return &subset{f, tr, "training images"}, &subset{f, te, fmt.Sprintf("held-out %g", fraction)}, nil
}

// splitByName returns the indices of the names kept for training and of those held
// out (see HoldOut), each in the names' order.
func splitByName(names []string, fraction float64) (train, test []int) {
	for i, name := range names {
		h := fnv.New64a()
		h.Write([]byte(name))
		if float64(h.Sum64())/math.Exp2(64) < fraction {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// subset is some of a dataset's examples, by index.
type subset struct {
	data.Dataset
	idx  []int
	what string
}

func (s *subset) Name() string                    { return fmt.Sprintf("%s (%s)", s.Dataset.Name(), s.what) }
func (s *subset) Len() int                        { return len(s.idx) }
func (s *subset) Read(i int, dst []float32) error { return s.Dataset.Read(s.idx[i], dst) }
func (s *subset) Label(i int) int                 { return s.Dataset.Label(s.idx[i]) }
