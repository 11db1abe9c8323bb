package config

import (
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
)

// TestCheckMemoryNamesTheKeyThatDoesNotFit works through the default DCGAN on
// 28x28x1 images against a 1 GiB budget. Its nets have 904,194 weights and biases
// (G: 100 -> 7x7x128 is 627,200 + 6,272, k4 128->64 131,072 + 64, k4 64->1 1,024 + 1;
// D: k4 1->64 1,024 + 64, k4 64->128 131,072 + 128, dense 6,272 -> 1 6,272 + 1),
// 24 bytes each: 21,700,656 bytes. A training
// sample holds G's 19,600 values (6,272 + 12,544 + 784) and D's 25,088 twice (12,544
// + 6,272 + the 6,272 features), at 16 bytes, plus two images and a latent in
// float32: 16 * 69,776 + 4 * (2 * 784 + 100) = 1,123,088 bytes. The sample grid
// of 64 takes 327,008 bytes a sample (16 * 19,600 + 4 * 100 + 12 * 784 + 4 * 30 * 30):
// 20,928,512. So (1,073,741,824 - 21,700,656 - 20,928,512) / 1,123,088 = 918.1: a
// batch of 918 fits.
func TestCheckMemoryNamesTheKeyThatDoesNotFit(t *testing.T) {
	mem := sysmem.Budget{Bytes: 1 << 30, Source: "a test budget"}
	shape := data.Shape{Size: 28, Channels: 1}
	c, _ := FromPreset(DefaultPreset)
	if got := c.TrainingBytesPerSample(shape); got != 1123088 {
		t.Errorf("bytes per training sample: %.0f, want 1123088", got)
	}
	if got := c.SamplingBytesPerSample(shape); got != 327008 {
		t.Errorf("bytes per generated sample: %.0f, want 327008", got)
	}
	for _, tc := range []struct {
		name string
		set  []string
		want []string // empty: fits
	}{
		{"the preset", nil, nil},
		{"the largest batch that fits", []string{"train.batch=918"}, nil},
		{"one sample more", []string{"train.batch=919"}, []string{"train.batch 919", "1 GiB is available (a test budget)", "at most 918 fit"}},
		{"the issue's batch", []string{"train.batch=100000000"}, []string{"train.batch 100000000", "TiB", "at most 918 fit"}},
		{"a huge grid", []string{"train.sample_count=10000000"}, []string{"train.sample_count 10000000", "available"}},
		{"a huge replay buffer", []string{"train.replay=1000000000"}, []string{"train.replay 1000000000", "available"}},
		{"a huge model", []string{"model.width=100000"}, []string{"model.width 100000", "weights", "available"}},
		{"a huge latent", []string{"model.z_dim=1000000000"}, []string{"model.z_dim 1000000000", "available"}},
		{"a huge reference batch", []string{"model.bn_g=false", "model.vbn_g=true", "model.vbn_ref=100000"}, []string{"model.vbn_ref 100000", "available"}},
		// Minibatch discrimination compares all pairs: its memory grows with batch².
		{"mbdisc at batch 64", []string{"model.mbdisc=true"}, nil},
		{"mbdisc at batch 900", []string{"model.mbdisc=true", "train.batch=900"}, []string{"train.batch 900"}},
	} {
		c, _ := FromPreset(DefaultPreset)
		for _, kv := range tc.set {
			k, v, _ := strings.Cut(kv, "=")
			if err := c.Set(k, v); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		err := c.CheckMemory(shape, mem)
		if len(tc.want) == 0 {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: fits, want a refusal", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}
