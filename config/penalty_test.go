package config

import "testing"

// TestPenaltyWeightIsThePublishedOneUnlessSet: train.penalty_weight 0 means each
// penalty's published weight — lambda 10 for WGAN-GP (Gulrajani et al. 2017, §4) and
// DRAGAN (Kodali et al. 2017), gamma 10 for R1 (Mescheder et al. 2018) — and a value
// set by the user is taken as it is.
func TestPenaltyWeightIsThePublishedOneUnlessSet(t *testing.T) {
	for _, tc := range []struct {
		penalty, weight string
		want            float64
	}{
		{"none", "0", 0},
		{"wgan-gp", "0", 10},
		{"r1", "0", 10},
		{"dragan", "0", 10},
		{"r1", "0.1", 0.1},
		{"wgan-gp", "5", 5},
	} {
		c, err := FromPreset("wgan-gp")
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range map[string]string{"train.penalty": tc.penalty, "train.penalty_weight": tc.weight} {
			if err := c.Set(k, v); err != nil {
				t.Fatal(err)
			}
		}
		if got := c.PenaltyWeight(); got != tc.want {
			t.Errorf("penalty %s, penalty_weight %s: weight %g, want %g", tc.penalty, tc.weight, got, tc.want)
		}
	}
}
