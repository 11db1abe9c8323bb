package featnet

import (
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/optim"
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// TrainOptions set how the classifier trains.
type TrainOptions struct {
	Epochs int
	Batch  int
	LR     float64 // Adam, betas 0.9/0.999
	Seed   int64
	Limit  int // use only the first Limit training examples (0: all), for tests
}

// TrainingBytesPerSample estimates the memory one sample of a training batch takes:
// the three convolutions' outputs (H·W·32, then H·W/4·64 and H·W/16·64 values: 52 H·W
// in all) at 16 bytes a value, as gankit's GAN trainer measures it (the value, its
// gradient, temporaries and the collector's headroom), and the image itself.
func TrainingBytesPerSample(shape data.Shape) float64 {
	hw := float64(shape.Size * shape.Size)
	return 16*52*hw + 4*float64(shape.Len())
}

// DefaultTraining gives the committed Fashion-MNIST model (a function, so that no
// caller can change another's defaults).
func DefaultTraining() TrainOptions { return TrainOptions{Epochs: 5, Batch: 128, LR: 1e-3} }

// Train fits the network to a labelled training set with cross-entropy and Adam,
// reporting each epoch to log, and returns it with its accuracy on testSet.
func Train(b backends.Backend, trainSet, testSet data.Dataset, opt TrainOptions, log io.Writer) (*Model, error) {
	if trainSet.Label(0) < 0 || testSet.Label(0) < 0 {
		return nil, fmt.Errorf("classifier: %s has no labels (want IDX with a labels file, CIFAR-10, or a folder with one sub-folder of images per class)", trainSet.Name())
	}
	classes := 0
	n := trainSet.Len()
	if opt.Limit > 0 {
		n = min(n, opt.Limit)
	}
	for i := range n {
		classes = max(classes, trainSet.Label(i)+1)
	}
	shape := trainSet.Shape()
	ctx := context.New()
	ctx.SetParam(nets.ParamSeed, opt.Seed)
	adam := optim.Adam{LR: opt.LR, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8}
	step, err := context.NewExec(b, ctx, func(ctx *context.Context, x, onehot *Node) *Node {
		logits, _ := Net(ctx, x, classes)
		loss := crossEntropy(logits, onehot)
		var vars []*context.Variable
		var values []*Node
		for v := range ctx.IterVariables() {
			if v.Trainable && v.InUseByGraph(x.Graph()) {
				vars = append(vars, v)
				values = append(values, v.ValueGraph(x.Graph()))
			}
		}
		adam.Update(ctx, "featnet", vars, Gradient(loss, values...))
		return loss
	})
	if err != nil {
		return nil, err
	}
	per := shape.Len()
	x := make([]float32, opt.Batch*per)
	onehot := make([]float32, opt.Batch*classes)
	r := rand.New(rand.NewPCG(uint64(opt.Seed), 0xc1a55))
	dims := append([]int{opt.Batch}, shape.Dims()...)
	m := &Model{Shape: shape, Classes: classes, Data: trainSet.Name()}
	for epoch := range opt.Epochs {
		t0 := time.Now()
		perm := r.Perm(n)
		var sum float64
		batches := n / opt.Batch
		for bi := range batches {
			clear(onehot)
			for k := range opt.Batch {
				i := perm[bi*opt.Batch+k]
				if err := trainSet.Read(i, x[k*per:(k+1)*per]); err != nil {
					return nil, err
				}
				onehot[k*classes+trainSet.Label(i)] = 1
			}
			out, err := step.Exec(tensors.FromFlatDataAndDimensions(x, dims...), tensors.FromFlatDataAndDimensions(onehot, opt.Batch, classes))
			if err != nil {
				return nil, err
			}
			sum += float64(out[0].Value().(float32))
		}
		m.Weights = weights(ctx)
		acc, err := Accuracy(b, m, testSet)
		if err != nil {
			return nil, err
		}
		m.Accuracy = acc
		fmt.Fprintf(log, "epoch %d/%d: loss %.4f, test accuracy %.2f%% (%s)\n", epoch+1, opt.Epochs, sum/float64(batches), 100*acc, time.Since(t0).Round(time.Second))
	}
	return m, nil
}

// crossEntropy is the mean of -log softmax(logits)[label], written with log-sum-exp
// shifted by the (constant) row maximum.
func crossEntropy(logits, onehot *Node) *Node {
	mx := StopGradient(ReduceAndKeep(logits, ReduceMax, 1))
	shifted := Sub(logits, mx)
	lse := Log(ReduceSum(Exp(shifted), 1))
	return ReduceAllMean(Sub(lse, ReduceSum(Mul(shifted, onehot), 1)))
}

// weights copies the network's variables out of ctx.
func weights(ctx *context.Context) map[string]Tensor {
	out := map[string]Tensor{}
	for v := range ctx.IterVariables() {
		if !v.Trainable {
			continue
		}
		t := v.MustValue()
		var vals []float32
		t.MustConstFlatData(func(f any) { vals = append(vals, f.([]float32)...) })
		out[v.ScopeAndName()] = Tensor{Dims: t.Shape().Dimensions, Values: vals}
	}
	return out
}

// Accuracy is the share of set's examples whose most probable class is their label.
func Accuracy(b backends.Backend, m *Model, set data.Dataset) (float64, error) {
	e, err := NewEmbedder(b, m, 500)
	if err != nil {
		return 0, err
	}
	per := m.Shape.Len()
	x := make([]float32, set.Len()*per)
	for i := range set.Len() {
		if err := set.Read(i, x[i*per:(i+1)*per]); err != nil {
			return 0, err
		}
	}
	_, probs, err := e.Run(x)
	if err != nil {
		return 0, err
	}
	right := 0
	for i, c := range Predictions(probs, m.Classes) {
		if c == set.Label(i) {
			right++
		}
	}
	return float64(right) / float64(set.Len()), nil
}

// Predictions is each row's most probable class, for probabilities of n rows of classes.
func Predictions(probs []float64, classes int) []int {
	out := make([]int, len(probs)/classes)
	for i := range out {
		row := probs[i*classes : (i+1)*classes]
		for c, p := range row {
			if p > row[out[i]] {
				out[i] = c
			}
		}
	}
	return out
}
