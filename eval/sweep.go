package eval

import (
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
)

// SweepPoint is one truncation setting's quality (FID, precision) and diversity (recall).
type SweepPoint struct {
	Mode      string  `json:"mode"`  // resample, clip, psi, or "" for none
	Value     float64 `json:"value"` // threshold or psi
	FID       float64 `json:"fid"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
}

// SweepSettings are the settings a truncation sweep visits: thresholds 0.25 to 2 for
// resample and clip, psi 0.1 to 1, and no truncation.
func SweepSettings() []sample.Truncation {
	var out []sample.Truncation
	for _, mode := range []string{sample.TruncResample, sample.TruncClip} {
		for _, t := range []float64{0.25, 0.5, 0.75, 1, 1.5, 2} {
			out = append(out, sample.Truncation{Mode: mode, Value: t})
		}
	}
	for _, psi := range []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1} {
		out = append(out, sample.Truncation{Mode: sample.TruncPsi, Value: psi})
	}
	return append(out, sample.Truncation{})
}

// TruncationSweep measures FID, precision and recall of an image run at every
// setting of SweepSettings, on o.N samples each (the same latents before truncation).
func TruncationSweep(tg *run.Trained, o Options, progress func(i, n int)) ([]SweepPoint, error) {
	o.Metrics = []string{metrics.MetricFID, metrics.MetricPR}
	var out []SweepPoint
	settings := SweepSettings()
	for i, tr := range settings {
		if progress != nil {
			progress(i, len(settings))
		}
		o.Truncation = tr
		res, err := Trained(tg, o)
		if err != nil {
			return nil, err
		}
		im := res.Images
		out = append(out, SweepPoint{Mode: tr.Mode, Value: tr.Value, FID: *im.FID, Precision: *im.Precision, Recall: *im.Recall})
	}
	return out, nil
}
