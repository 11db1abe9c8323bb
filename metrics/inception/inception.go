// Package inception runs the FID Inception network (Szegedy et al. 2016's
// Inception-v3 with the 2015-12-05 TensorFlow weights, as pytorch-fid ports it) from a
// weights file the user provides, for FIDs comparable with published ones (e.g. Lucic
// et al. 2018's Fashion-MNIST table). gankit does not download it.
//
// The file is a NumPy .npz of float32 arrays named as pytorch-fid's FIDInceptionA..E
// state dict ("Conv2d_1a_3x3.conv.weight", "Mixed_5b.branch_pool.bn.running_var", ...);
// scripts/reference/convert_inception.py writes it from pytorch-fid's
// pt_inception-2015-12-05-6726825d.pth. Keras' Inception-v3 weights are a different
// network and give different numbers.
package inception

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"slices"

	"github.com/gankit/gankit/metrics"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Dims is the embedding size (the pool3 features).
const Dims = 2048

// Size is the input resolution: images are resized to Size x Size.
const Size = 299

// bnEpsilon is pytorch-fid's BasicConv2d BatchNorm epsilon.
const bnEpsilon = 0.001

// Weights hands the network its arrays by name.
type Weights interface {
	// Get returns the values of the named array, which must have the given shape.
	Get(name string, shape []int) ([]float32, error)
}

// File is a weights file's arrays by name (ReadNPZ).
type File map[string]Array

// Get implements Weights, naming the array and the expected shape when it is missing
// or differs.
func (f File) Get(name string, shape []int) ([]float32, error) {
	a, ok := f[name]
	if !ok {
		return nil, fmt.Errorf("inception weights: no array %q of shape %v (the file should hold pytorch-fid's FIDInceptionV3 state dict; see scripts/reference/convert_inception.py)", name, shape)
	}
	if !slices.Equal(a.Shape, shape) {
		return nil, fmt.Errorf("inception weights: %q has shape %v, want %v", name, a.Shape, shape)
	}
	return a.Data, nil
}

// Net is the FID Inception network with its weights.
type Net struct {
	weights Weights
	exec    *Exec
	batch   int
	name    string
	size    int // input images: size x size x channels
	chans   int
}

// Load reads an .npz weights file and compiles the network on b for batches of up
// to batch images.
func Load(b backends.Backend, path string, batch int) (*Net, error) {
	w, err := ReadNPZ(path)
	if err != nil {
		return nil, err
	}
	n, err := New(b, File(w), batch)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	n.name = "inception:" + hex.EncodeToString(sum[:])
	return n, nil
}

// For returns an Extractor (the metrics package's) of images of the given shape.
func (n *Net) For(size, channels int) *Net {
	c := *n
	c.size, c.chans = size, channels
	return &c
}

// Name is "inception:" and the weights file's SHA-256.
func (n *Net) Name() string { return n.name }

// Embed implements metrics.Extractor for the images For set.
func (n *Net) Embed(images []float32) (metrics.Features, error) {
	f, err := n.EmbedImages(images, n.size, n.chans)
	if err != nil {
		return metrics.Features{}, err
	}
	return metrics.NewFeatures(f, len(f)/Dims, Dims)
}

// New compiles the network from weights (see the package documentation).
func New(b backends.Backend, weights Weights, batch int) (*Net, error) {
	n := &Net{weights: weights, batch: batch}
	var missing error
	e, err := NewExec(b, func(x *Node) *Node {
		out, err := n.graph(x)
		if err != nil {
			missing = err
			return ReduceAllSum(x)
		}
		return out
	})
	if err != nil {
		return nil, err
	}
	n.exec = e
	// Build once on a single image to check that every weight is there and fits.
	if _, err := n.exec.Exec(tensors.FromShape(shapeOf(1))); err != nil {
		return nil, err
	}
	if missing != nil {
		return nil, missing
	}
	return n, nil
}

// EmbedImages returns the 2048 pool3 features of each image (flat, size x size x channels,
// values in [-1, 1]; one channel is tiled to three), resized to 299x299 bilinearly
// (align_corners=False), as pytorch-fid does.
func (n *Net) EmbedImages(images []float32, size, channels int) ([]float64, error) {
	per := size * size * channels
	count := len(images) / per
	if count*per != len(images) || (channels != 1 && channels != 3) {
		return nil, fmt.Errorf("inception: %d values is not a whole number of %dx%dx%d images", len(images), size, size, channels)
	}
	var out []float64
	for lo := 0; lo < count; lo += n.batch {
		hi := min(count, lo+n.batch)
		x := make([]float32, 0, (hi-lo)*Size*Size*3)
		for i := lo; i < hi; i++ {
			x = append(x, resize(images[i*per:(i+1)*per], size, channels)...)
		}
		res, err := n.exec.Exec(tensors.FromFlatDataAndDimensions(x, hi-lo, Size, Size, 3))
		if err != nil {
			return nil, err
		}
		res[0].MustConstFlatData(func(f any) {
			for _, v := range f.([]float32) {
				out = append(out, float64(v))
			}
		})
		res[0].FinalizeAll()
	}
	return out, nil
}

func shapeOf(n int) shapes.Shape { return shapes.Make(dtypes.Float32, n, Size, Size, 3) }

// resize maps one image to 299x299x3 with bilinear interpolation, align_corners=False
// (half-pixel centres, edges clamped), tiling a single channel to three.
func resize(img []float32, size, channels int) []float32 {
	out := make([]float32, Size*Size*3)
	scale := float64(size) / Size
	src := func(o int) (int, int, float64) {
		p := (float64(o)+0.5)*scale - 0.5
		p = max(p, 0)
		i0 := int(math.Floor(p))
		i1 := min(i0+1, size-1)
		return i0, i1, p - float64(i0)
	}
	for y := range Size {
		y0, y1, fy := src(y)
		for x := range Size {
			x0, x1, fx := src(x)
			for c := range 3 {
				ch := min(c, channels-1)
				at := func(yy, xx int) float64 { return float64(img[(yy*size+xx)*channels+ch]) }
				v := (1-fy)*((1-fx)*at(y0, x0)+fx*at(y0, x1)) + fy*((1-fx)*at(y1, x0)+fx*at(y1, x1))
				out[(y*Size+x)*3+c] = float32(v)
			}
		}
	}
	return out
}
