package metrics

import (
	"encoding/json"
	"math"
)

// ModeCoverage summarises generated points of a toy mixture (docs/protocols.md): a point
// is high quality (HQ) when within 3 standard deviations of its nearest mode.
type ModeCoverage struct {
	Modes     int     `json:"modes"`      // modes with at least one HQ point
	HQ        float64 `json:"hq"`         // share of HQ points, 0..1
	ReverseKL float64 `json:"reverse_kl"` // KL(p_hat || uniform) of the HQ points over the modes
}

// klFloor stands in for the share of an empty mode in the reverse KL.
const klFloor = 1e-10

// CoverModes measures points (x, y pairs, flat) against a mixture's modes of standard
// deviation std. The reverse KL is KL(p_hat || U) with p_hat the histogram of HQ
// points over the modes, each empty mode counted as klFloor; with no HQ point at all
// it is +Inf.
func CoverModes(points []float64, modes [][2]float64, std float64) ModeCoverage {
	counts := make([]int, len(modes))
	hq, n := 0, len(points)/2
	for i := range n {
		x, y := points[2*i], points[2*i+1]
		best, bi := math.Inf(1), -1
		for k, m := range modes {
			if d := math.Hypot(x-m[0], y-m[1]); d < best {
				best, bi = d, k
			}
		}
		if best <= 3*std {
			counts[bi]++
			hq++
		}
	}
	out := ModeCoverage{}
	if n > 0 {
		out.HQ = float64(hq) / float64(n)
	}
	if hq == 0 {
		out.ReverseKL = math.Inf(1)
		return out
	}
	u := 1 / float64(len(modes))
	for _, c := range counts {
		if c > 0 {
			out.Modes++
		}
		p := max(float64(c)/float64(hq), klFloor)
		out.ReverseKL += p * math.Log(p/u)
	}
	return out
}

// StackedModes counts the distinct label triples of stacked samples (three images
// as the channels of one, each labelled by a classifier: 1000 possible modes) and the
// KL divergence of their histogram to the uniform one over classes^3 triples
// (PacGAN, Table 2): KL(p_hat || U) = sum over seen triples of p log(p * classes^3).
func StackedModes(labels [][3]int, classes int) (modes int, kl float64) {
	counts := map[[3]int]int{}
	for _, l := range labels {
		counts[l]++
	}
	total := float64(classes * classes * classes)
	for _, c := range counts {
		p := float64(c) / float64(len(labels))
		kl += p * math.Log(p*total)
	}
	return len(counts), kl
}

// InceptionScore is exp(E_x KL(p(y|x) || p(y))) (Salimans et al. 2016) from class
// probabilities (n rows of classes), averaged over splits as the reference code does;
// it returns the mean and standard deviation over the splits, with divisor n (the
// reference's np.std).
func InceptionScore(probs []float64, classes, splits int) (mean, std float64) {
	n := len(probs) / classes
	splits = max(1, min(splits, n))
	var scores []float64
	for s := range splits {
		lo, hi := s*n/splits, (s+1)*n/splits
		py := make([]float64, classes)
		for i := lo; i < hi; i++ {
			for c := range classes {
				py[c] += probs[i*classes+c] / float64(hi-lo)
			}
		}
		var kl float64
		for i := lo; i < hi; i++ {
			for c := range classes {
				if p := probs[i*classes+c]; p > 0 {
					kl += p * math.Log(p/py[c])
				}
			}
		}
		scores = append(scores, math.Exp(kl/float64(hi-lo)))
	}
	for _, v := range scores {
		mean += v
	}
	mean /= float64(len(scores))
	for _, v := range scores {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(scores)))
}

// MarshalJSON writes an infinite reverse KL (no high-quality point) as null, which
// JSON can hold.
func (m ModeCoverage) MarshalJSON() ([]byte, error) {
	type plain ModeCoverage
	out := struct {
		plain
		ReverseKL *float64 `json:"reverse_kl"`
	}{plain: plain(m)}
	if !math.IsInf(m.ReverseKL, 0) {
		out.ReverseKL = &m.ReverseKL
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes (null: +Inf).
func (m *ModeCoverage) UnmarshalJSON(b []byte) error {
	type plain ModeCoverage
	var in struct {
		plain
		ReverseKL *float64 `json:"reverse_kl"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*m = ModeCoverage(in.plain)
	m.ReverseKL = math.Inf(1)
	if in.ReverseKL != nil {
		m.ReverseKL = *in.ReverseKL
	}
	return nil
}
