package config

import (
	"testing"

	"github.com/gankit/gankit/losses"
)

// TestPenaltyWeightIsThePublishedOneUnlessSet: for every registered penalty,
// train.penalty_weight 0 means the penalty's published weight (its DefaultWeight,
// which losses.TestPenaltiesMatchPyTorch pins to the reference script's), and a value
// set by the user is taken as it is; no penalty weighs nothing.
func TestPenaltyWeightIsThePublishedOneUnlessSet(t *testing.T) {
	weight := func(penalty, w string) float64 {
		t.Helper()
		c, err := FromPreset("wgan-gp")
		if err != nil {
			t.Fatal(err)
		}
		for _, kv := range [][2]string{{"train.penalty", penalty}, {"train.penalty_weight", w}} {
			if err := c.Set(kv[0], kv[1]); err != nil {
				t.Fatal(err)
			}
		}
		return c.PenaltyWeight()
	}
	if got := weight(losses.PenaltyNone, "0"); got != 0 {
		t.Errorf("penalty none: weight %g, want 0", got)
	}
	names := losses.PenaltyNames()[1:]
	if len(names) == 0 {
		t.Fatal("no penalty registered")
	}
	for _, name := range names {
		p, err := losses.PenaltyByName("test", name)
		if err != nil {
			t.Fatal(err)
		}
		if p.DefaultWeight() <= 0 {
			t.Errorf("penalty %s: published weight %g, want > 0 (penalty_weight 0 means it)", name, p.DefaultWeight())
		}
		for _, tc := range []struct {
			set  string
			want float64
		}{{"0", p.DefaultWeight()}, {"0.1", 0.1}, {"5", 5}} {
			if got := weight(name, tc.set); got != tc.want {
				t.Errorf("penalty %s, penalty_weight %s: weight %g, want %g", name, tc.set, got, tc.want)
			}
		}
	}
}
