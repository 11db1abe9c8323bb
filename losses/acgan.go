package losses

import . "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive

// ClassCrossEntropy is AC-GAN's class loss on one batch (Odena et al. 2017, eq. 3):
// the mean over samples of -log P(C = y_i | x_i), P the softmax of D's class logits
// [N, K] and y [N] (int32) the classes — real ones for real samples, the requested
// ones for fakes. D minimises it on both batches and G on its fakes, so both maximise
// L_C as the paper has it. It is PyTorch's F.cross_entropy(logits, y) with its
// default mean reduction, computed through a log-sum-exp shifted by each row's
// maximum (scripts/reference/torch_acgan.py).
func ClassCrossEntropy(logits, y *Node) *Node {
	k := logits.Shape().Dimensions[1]
	top := StopGradient(ReduceAndKeep(logits, ReduceMax, 1))
	lse := Add(Log(ReduceAndKeep(Exp(Sub(logits, top)), ReduceSum, 1)), top) // [N, 1]
	picked := ReduceAndKeep(Mul(logits, OneHot(y, k, logits.DType())), ReduceSum, 1)
	return ReduceAllMean(Sub(lse, picked))
}
