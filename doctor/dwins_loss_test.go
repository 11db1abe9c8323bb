package doctor

import (
	"testing"

	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/run"
)

// TestDWinsUnderTheNonSaturatingLossNeedsGsLossHigh: under the non-saturating loss,
// D right on 99% of both batches from step 610 is D winning only when G's loss is up
// too (4, against dWinsLossG = 3): with G's loss at 2.2, as dcgan-fmnist trains at its
// preset's rates, it is no diagnosis. Under another loss the accuracies alone decide.
// The diagnosis comes where the accuracies' window first holds (step 870, since 580:
// see symptomCases), G's loss being high all along.
func TestDWinsUnderTheNonSaturatingLossNeedsGsLossHigh(t *testing.T) {
	for _, tc := range []struct {
		name  string
		loss  string
		lossG float64
		want  []want
	}{
		{"ns, G's loss 2.2", losses.NameNS, 2.2, nil},
		{"ns, G's loss 4", losses.NameNS, 4, []want{{DWins, 580, 870}}},
		{"hinge, G's loss 2.2", "hinge", 2.2, []want{{DWins, 580, 870}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ms := images(4000).lines()
			setFrom(ms, 610, 1600, "d_acc_real", 0.99)
			setFrom(ms, 610, 1600, "d_acc_fake", 0.99)
			setFrom(ms, 10, 4000, "loss_g", tc.lossG)
			got := Diagnose(ms, Options{Steps: 10000, Setting: Setting{Loss: tc.loss}})
			var ours []run.Diagnosis
			for _, d := range got {
				if d.Symptom == DWins {
					ours = append(ours, d)
				}
			}
			if len(ours) != len(tc.want) {
				t.Fatalf("d_wins diagnoses %v, want %v", ours, tc.want)
			}
			for i, w := range tc.want {
				if ours[i].Since != w.since || ours[i].Step != w.step {
					t.Errorf("d_wins since %d at %d, want since %d at %d", ours[i].Since, ours[i].Step, w.since, w.step)
				}
			}
		})
	}
}

// TestNoOverfittingOnAToy: a toy mixture's batches are drawn fresh from the mixture,
// so D's r_t at 0.98 for the whole run is not memorisation: no d_overfits (the same
// stream on image data gives one).
func TestNoOverfittingOnAToy(t *testing.T) {
	for _, toy := range []bool{true, false} {
		ms := spec{last: 4000, noHeldOut: true}.lines()
		setFrom(ms, 1010, 4000, "d_acc_real", 0.99)
		n := 0
		for _, d := range Diagnose(ms, Options{Steps: 10000, Setting: Setting{Toy: toy}}) {
			if d.Symptom == DOverfits {
				n++
			}
		}
		if toy && n != 0 || !toy && n != 1 {
			t.Errorf("toy %v: %d d_overfits diagnoses", toy, n)
		}
	}
}
