package doctor

import (
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
)

// TestEveryTipAppliesToTheRunItIsFor: each tip's --set flags, applied to the config
// of the run it is given for, make a config that validates — a tip a user pastes is
// never refused. (R1 on a D with BatchNorm would be: its tip takes BN out of D.)
func TestEveryTipAppliesToTheRunItIsFor(t *testing.T) {
	for _, tc := range []struct {
		preset string
		shape  data.Shape
	}{
		{"dcgan-fmnist", data.Shape{Size: 28, Channels: 1}},
		{"sngan-hinge", data.Shape{Size: 28, Channels: 1}},
		{"r3gan", data.Shape{Size: 28, Channels: 1}},
		{"grid25", data.Shape{Dim: 2}},
		{"small-64", data.Shape{Size: 64, Channels: 3}},
	} {
		base, err := config.FromPreset(tc.preset)
		if err != nil {
			t.Fatal(err)
		}
		set := SettingOf(base)
		if set.Shape != tc.shape {
			t.Fatalf("%s: ShapeOf gives %v, want %v", tc.preset, set.Shape, tc.shape)
		}
		for _, s := range Symptoms() {
			for _, tip := range tips(s, set) {
				if tip.Set == "" {
					continue
				}
				cfg := base
				fields := strings.Fields(tip.Set)
				for i := 0; i < len(fields); i += 2 {
					kv := strings.SplitN(fields[i+1], "=", 2)
					if fields[i] != "--set" || len(kv) != 2 {
						t.Fatalf("%s, %s: tip %q is not a list of --set key=value", tc.preset, s, tip.Set)
					}
					if err := cfg.Set(kv[0], kv[1]); err != nil {
						t.Fatalf("%s, %s: tip %q: %v", tc.preset, s, tip.Set, err)
					}
				}
				if err := cfg.Validate(tc.shape); err != nil {
					t.Errorf("%s, %s: tip %q gives a config that is refused: %v", tc.preset, s, tip.Set, err)
				}
			}
			if len(tips(s, set)) == 0 {
				t.Errorf("%s, %s: no tip left", tc.preset, s)
			}
		}
	}
}
