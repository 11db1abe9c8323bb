package cpu

import (
	"slices"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// Bias epilogue. A convolution whose value only a per-channel bias add reads
// (R3GAN's bias-free convolutions followed by a learned bias, the DCGAN's biased
// layers) runs as one step that adds the bias as it stores its outputs (the
// indirect plans, rows and cols) or in one pass after it (im2col and the others):
// the Add's full pass over memory, a 25 MB read and write for a 64-image batch of
// R3GAN's 28x28x128 activations, is gone. Each output is the convolution's sum plus
// the bias, rounded once, as the Add computed it: bitwise the same.

// convBiasOp names the merged step in GANKIT_CPU_OPTIMES.
const convBiasOp = "ConvGeneral+bias"

// fuseConvBias merges each such convolution into the Add that reads it. The merged
// step runs where the Add ran (the bias may be computed after the convolution).
// It runs before elementwise fusion and before last uses are computed.
func (e *Executable) fuseConvBias() {
	f := e.newFusion() // who writes each value and how often it is read (graph outputs twice)
	merged := map[int]bool{}
	for i, st := range e.steps {
		if st.n.op != "Add" || st.kernel == nil || len(st.inputs) != 2 {
			continue
		}
		for k := range 2 {
			p, ok := f.soleProducer(st.inputs[k])
			if !ok || merged[p] {
				continue
			}
			kern := convBiasKernel(e.steps[p].n, st.n, k)
			if kern == nil {
				continue
			}
			conv := e.steps[p]
			n := *conv.n
			n.op = convBiasOp
			n.inputs = append(slices.Clone(conv.n.inputs), st.n.inputs[1-k])
			n.outs = st.n.outs
			e.steps[i] = step{n: &n, inputs: append(slices.Clone(conv.inputs), st.inputs[1-k]), outs: st.outs, kernel: kern}
			merged[p] = true
			break
		}
	}
	steps := e.steps[:0]
	for i, st := range e.steps {
		if !merged[i] {
			steps = append(steps, st)
		}
	}
	e.steps = steps
}

// convBiasKernel is the merged kernel of ConvGeneral node conv and Add node add,
// whose operand k is conv's value and whose other operand the bias: one value per
// output channel ([C] or [1, ..., 1, C]), the channels conv's last axis. Nil when it
// does not fit.
func convBiasKernel(conv, add *node, k int) kernel {
	if conv.op != "ConvGeneral" {
		return nil
	}
	y, out, bias := conv.outs[0].shape, add.outs[0].shape, add.inputs[1-k].shape
	if !slices.Equal(y.Dimensions, out.Dimensions) || y.DType != out.DType || bias.DType != y.DType ||
		(y.DType != dtypes.Float32 && y.DType != dtypes.Float64) || !isChannel(bias, y) {
		return nil
	}
	if axes := conv.args[2].(backends.ConvolveAxesConfig); axes.OutputChannels != y.Rank()-1 {
		return nil
	}
	g, cg, ok := convGeomOf(conv)
	if !ok {
		return nil
	}
	return convGroupsKernel(y, g, cg, true)
}
