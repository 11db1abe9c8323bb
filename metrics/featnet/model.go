package featnet

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"math"
	"os"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

const modelMagic = "gankit-featnet-v1"

// Model is a trained feature network.
type Model struct {
	Shape    data.Shape // the images it takes
	Classes  int
	Accuracy float64  // on the test split (or held-out images) it was checked against
	Data     string   // what it was trained on
	Labels   []string // the class names, when the data named them (an image folder's class folders)
	Weights  map[string]Tensor
	hash     string
}

// Tensor is a variable's values.
type Tensor struct {
	Dims   []int
	Values []float32
}

// Hash is the SHA-256 of the model file's bytes.
func (m *Model) Hash() string { return m.hash }

//go:embed fmnist.gob.gz
var fmnistModel []byte

// FashionMNISTHash is the SHA-256 of the committed Fashion-MNIST feature network:
// FIDs computed with the same hash are comparable.
const FashionMNISTHash = "79a5ada1c9d7fcb2cc16bf6383bc1492f837f2153512c88b787347589409e431"

// FashionMNIST is the committed Fashion-MNIST feature network.
func FashionMNIST() (*Model, error) { return decode("embedded fmnist.gob.gz", fmnistModel) }

// Load reads a model file written by Save.
func Load(path string) (*Model, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("feature network: %w", err)
	}
	return decode(path, raw)
}

func decode(name string, raw []byte) (*Model, error) {
	sum := sha256.Sum256(raw)
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("feature network %s: not a gankit model file (%v)", name, err)
	}
	dec := gob.NewDecoder(zr)
	var magic string
	if err := dec.Decode(&magic); err != nil || magic != modelMagic {
		return nil, fmt.Errorf("feature network %s: not a gankit model file (want %q)", name, modelMagic)
	}
	m := &Model{}
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("feature network %s: %w", name, err)
	}
	m.hash = hex.EncodeToString(sum[:])
	return m, nil
}

// Save writes the model (gzip'd gob) atomically and sets its hash.
func (m *Model) Save(path string) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := gob.NewEncoder(zw)
	if err := enc.Encode(modelMagic); err != nil {
		return err
	}
	if err := enc.Encode(m); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	m.hash = hex.EncodeToString(sum[:])
	return fsutil.WriteFileAtomic(path, buf.Bytes())
}

// context returns a context holding the model's weights.
func (m *Model) context() *context.Context {
	ctx := context.New()
	for key, t := range m.Weights {
		scope, name := context.SplitScope(key)
		ctx.InAbsPath(scope).VariableWithValue(name, tensors.FromFlatDataAndDimensions(t.Values, t.Dims...))
	}
	return ctx
}

// Embedder runs a model on batches of images.
type Embedder struct {
	m     *Model
	exec  *context.Exec
	batch int
}

// NewEmbedder compiles m on backend b for batches of up to batch images.
func NewEmbedder(b backends.Backend, m *Model, batch int) (*Embedder, error) {
	ctx := m.context()
	e, err := context.NewExec(b, ctx, func(ctx *context.Context, x *Node) []*Node {
		logits, f := Net(ctx, x, m.Classes)
		return []*Node{f, Softmax(logits, -1)}
	})
	if err != nil {
		return nil, err
	}
	return &Embedder{m: m, exec: e, batch: batch}, nil
}

// Run returns the embeddings (n x Width) and class probabilities (n x Classes) of n
// images (flat, each m.Shape, values in [-1, 1]).
func (e *Embedder) Run(images []float32) (features, probs []float64, err error) {
	per := e.m.Shape.Len()
	n := len(images) / per
	if n*per != len(images) || n == 0 {
		return nil, nil, fmt.Errorf("feature network: %d values is not a whole number of %v", len(images), e.m.Shape)
	}
	dims := e.m.Shape.Dims()
	for lo := 0; lo < n; lo += e.batch {
		hi := min(n, lo+e.batch)
		x := tensors.FromFlatDataAndDimensions(images[lo*per:hi*per], append([]int{hi - lo}, dims...)...)
		out, err := e.exec.Exec(x)
		if err != nil {
			return nil, nil, err
		}
		out[0].MustConstFlatData(func(f any) {
			for _, v := range f.([]float32) {
				features = append(features, float64(v))
			}
		})
		out[1].MustConstFlatData(func(f any) {
			for _, v := range f.([]float32) {
				probs = append(probs, float64(v))
			}
		})
		for _, o := range out {
			o.FinalizeAll()
		}
	}
	return features, probs, nil
}

func sqrt(v float64) float64 { return math.Sqrt(v) }
