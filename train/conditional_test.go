package train

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/run"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// condConfig is microConfig trained on the embedded Fashion-MNIST's labels.
func condConfig(t *testing.T, condD string) config.Config {
	cfg := microConfig(t)
	cfg.Data.Labels, cfg.Model.CondD = true, condD
	return cfg
}

// TestFakeClassesAreBalancedAndCycle: D step k's fakes take (k·n + j) mod K, by
// hand for n = 4, K = 3: [0 1 2 0] at step 0 and [1 2 0 1] at step 1; with n = 20 and
// K = 10 every class gets two of each batch.
func TestFakeClassesAreBalancedAndCycle(t *testing.T) {
	for _, tc := range []struct {
		k, n, classes int
		want          []int32
	}{
		{0, 4, 3, []int32{0, 1, 2, 0}},
		{1, 4, 3, []int32{1, 2, 0, 1}},
		{5, 2, 2, []int32{0, 1}},
	} {
		if got := fakeClasses(tc.k, tc.n, tc.classes); !slices.Equal(got, tc.want) {
			t.Errorf("fakeClasses(%d, %d, %d) = %v, want %v", tc.k, tc.n, tc.classes, got, tc.want)
		}
	}
	for k := range 3 {
		count := make([]int, 10)
		for _, c := range fakeClasses(k, 20, 10) {
			count[c]++
		}
		for c, n := range count {
			if n != 2 {
				t.Errorf("step %d: class %d drawn %d times of 20, want 2", k, c, n)
			}
		}
	}
}

// TestConditionalStepIsFedTheBatchsClasses: the step's class inputs are the real
// batch's classes as given and the balanced fake classes, int32 [batch].
func TestConditionalStepIsFedTheBatchsClasses(t *testing.T) {
	cfg := condConfig(t, nets.CondProjection)
	cfg, _, err := resolveClasses(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(mnistShape); err != nil {
		t.Fatal(err)
	}
	s, err := newStepper(testutil.Backend(t, "cpu"), run.NewContext(cfg), cfg, mnistShape)
	if err != nil {
		t.Fatal(err)
	}
	n := cfg.Train.Batch
	real := realBatch{x: make([]float32, n*mnistShape.Len()), y: []int32{9, 8, 7, 6, 5, 4, 3, 2}}
	in, _ := s.inputs(3, real, make([]float32, n*cfg.Model.ZDim), realBatch{})
	got := map[input][]int32{}
	for i, name := range s.inNames {
		if name == inClassReal || name == inClassFake {
			got[name] = tensors.MustCopyFlatData[int32](in[i].(*tensors.Tensor))
		}
	}
	if !slices.Equal(got[inClassReal], real.y) {
		t.Errorf("class_real fed %v, the batch's classes are %v", got[inClassReal], real.y)
	}
	if want := fakeClasses(3, n, 10); !slices.Equal(got[inClassFake], want) {
		t.Errorf("class_fake fed %v, want %v", got[inClassFake], want)
	}
}

// TestConditionalResumeIsBitwise: a conditional run (each D conditioning) stopped at
// step 3 and resumed to 6 has bitwise the weights of 6 uninterrupted steps; its
// config.yaml names Fashion-MNIST's classes, and an AC-GAN run logs its class losses.
func TestConditionalResumeIsBitwise(t *testing.T) {
	for _, mode := range nets.CondDModes() {
		t.Run(mode, func(t *testing.T) {
			cfg := condConfig(t, mode)
			b := testutil.Backend(t, "cpu")
			testResume(t, b, cfg)
			dir := t.TempDir()
			if _, err := Run(cfg, Options{RunDir: dir, Backend: b}); err != nil {
				t.Fatal(err)
			}
			saved, err := run.ReadConfig(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(saved.Model.Classes) != 10 || saved.Model.Classes[9] != "Ankle boot" {
				t.Errorf("config.yaml's model.classes %q, want Fashion-MNIST's ten", saved.Model.Classes)
			}
			vars := checkpointBytes(t, dir)
			want := map[string]string{nets.CondProjection: "/d/projection\x00weights", nets.CondACGAN: "/d/classifier\x00weights"}[mode]
			if _, ok := vars[want]; !ok {
				t.Errorf("the checkpoint has no %s", strings.ReplaceAll(want, "\x00", "/"))
			}
			if _, ok := vars["/g/project/cbn\x00scale"]; !ok {
				t.Errorf("the checkpoint has no conditional BN table /g/project/cbn/scale")
			}
			for _, m := range readMetrics(t, dir) {
				l, ok := m.Get("class_loss_d")
				if (mode == nets.CondACGAN) != ok {
					t.Fatalf("step %d: class_loss_d logged %v, want logged only for acgan", m.Step, ok)
				}
				if ok && (math.IsNaN(l) || l <= 0) {
					t.Errorf("step %d: class_loss_d %v, want a positive cross-entropy", m.Step, l)
				}
			}
		})
	}
}

// TestConditionalWithEveryLoss trains two steps of each loss with each D
// conditioning (RpGAN's G step reads a labelled real batch of its own; WGAN takes
// WGAN-GP's penalty on interpolates, given the reals' classes), and the r3gan preset,
// whose G joins a class embedding to z.
func TestConditionalWithEveryLoss(t *testing.T) {
	type tcase struct {
		name string
		cfg  config.Config
	}
	var cases []tcase
	for _, name := range losses.Names() {
		for _, mode := range nets.CondDModes() {
			cfg := condConfig(t, mode)
			cfg.Train.Steps, cfg.Train.CheckpointEvery, cfg.Train.Loss = 2, 0, name
			if l, _ := losses.ByName(name); l.Traits().Lipschitz {
				cfg.Model.BND, cfg.Train.Penalty = false, losses.PenaltyWGANGP
			}
			cases = append(cases, tcase{name + "/" + mode, cfg})
		}
	}
	r3, err := config.FromPreset("r3gan")
	if err != nil {
		t.Fatal(err)
	}
	r3.Data.Labels, r3.Data.Limit = true, 64
	r3.Model.R3GAN.Width, r3.Model.R3GAN.Groups, r3.Model.ZDim = 8, 2, 8
	r3.Train.Batch, r3.Train.Steps, r3.Train.CheckpointEvery, r3.Train.SampleEvery = 8, 2, 0, 0
	cases = append(cases, tcase{"r3gan", r3})
	fm := condConfig(t, nets.CondACGAN)
	fm.Train.Steps, fm.Train.CheckpointEvery, fm.Train.FeatureMatch = 2, 0, true
	cases = append(cases, tcase{"feature-matching/acgan", fm})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := Run(tc.cfg, Options{RunDir: dir, Backend: testutil.Backend(t, "cpu")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Steps != 2 {
				t.Errorf("%d steps, want 2", res.Steps)
			}
			if _, err := os.Stat(filepath.Join(dir, run.MetricsFile)); err != nil {
				t.Error(err)
			}
		})
	}
}
