package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gankit/gankit/config"
)

// configOnlyRun writes a run directory holding only the config.yaml of preset with
// the given key=value changes: enough for the refusals that read a run's config
// before they open its checkpoint.
func configOnlyRun(t *testing.T, preset string, sets ...string) string {
	t.Helper()
	cfg, err := config.FromPreset(preset)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range sets {
		k, v, _ := strings.Cut(kv, "=")
		if err := cfg.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// trainOnly writes an IDX folder with a training split of 4 blank 28x28 images and no
// test split.
func trainOnly(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	raw := []byte{0, 0, 8, 3}
	for _, d := range []uint32{4, 28, 28} {
		raw = binary.BigEndian.AppendUint32(raw, d)
	}
	raw = append(raw, make([]byte, 4*28*28)...)
	if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// expectRefusal runs the command and fails unless it is refused with an error that
// contains every one of want (the flag or key, and what was expected or found).
func expectRefusal(t *testing.T, want []string, args ...string) {
	t.Helper()
	err := run(t, args...)
	if err == nil {
		t.Errorf("gankit %s: accepted, want a refusal", strings.Join(args, " "))
		return
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("gankit %s: error %q lacks %q", strings.Join(args, " "), err, w)
		}
	}
}

// TestCLIRefusalsNameTheFlagAndTheValue runs every refusal of the CLI's own flag
// checks (and the package errors it passes on for bad flag values) that needs no
// trained run: each must say which flag or key is wrong, and with what.
func TestCLIRefusalsNameTheFlagAndTheValue(t *testing.T) {
	tmp := t.TempDir()
	out := filepath.Join(tmp, "out")
	cfgRun := configOnlyRun(t, "tiny")
	noTest := trainOnly(t)
	missing := filepath.Join(tmp, "no-such-run")
	// An ablation directory with a plan and no finished cell.
	abl := filepath.Join(tmp, "abl")
	if _, err := captureStdout(t, func() error {
		return run(t, "ablate", "--preset", "ring8", "--vary", "model.pack=1,2", "--seeds", "1", "--out", abl, "--emit", "slurm")
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		// train
		{"unknown preset", []string{"train", "--preset", "dcgan-xl", "--out", out}, []string{`preset "dcgan-xl"`, "tiny"}},
		{"missing --config file", []string{"train", "--config", filepath.Join(tmp, "none.yaml"), "--out", out}, []string{"none.yaml"}},
		{"--set without =", []string{"train", "--set", "train.lr_d", "--out", out}, []string{"--set", `"train.lr_d"`, "key=value"}},
		{"--set unknown key", []string{"train", "--set", "train.lr_x=1", "--out", out}, []string{"train.lr_x", "unknown key", "lr_d"}},
		{"--set bad value", []string{"train", "--set", "train.loss=wasserstein", "--preset", "tiny", "--out", out}, []string{"train.loss", "wasserstein"}},
		{"resume a missing run", []string{"train", "--resume", missing}, []string{"resuming", "reading run " + missing, "no such file"}},
		{"resume with --preset", []string{"train", "--resume", cfgRun, "--preset", "tiny"}, []string{"--preset", "cannot change a run being resumed"}},
		{"resume with --seed", []string{"train", "--resume", cfgRun, "--seed", "3"}, []string{"--seed", "cannot change"}},
		// sample
		{"sample without --run", []string{"sample"}, []string{"--run DIR is required"}},
		{"sample --n 0", []string{"sample", "--run", cfgRun, "--n", "0"}, []string{"--n", "at least 1", "got 0"}},
		{"sample unknown truncation mode", []string{"sample", "--run", cfgRun, "--truncation-mode", "cut", "--truncation", "1"}, []string{"--truncation-mode", `"cut"`, "resample"}},
		{"sample negative threshold", []string{"sample", "--run", cfgRun, "--truncation-mode", "clip", "--truncation", "-1"}, []string{"--truncation", "t > 0", "got -1"}},
		{"sample psi above 1", []string{"sample", "--run", cfgRun, "--truncation-mode", "psi", "--truncation", "1.5"}, []string{"psi", "<= 1", "got 1.5"}},
		{"sample a missing run", []string{"sample", "--run", missing}, []string{"reading run " + missing, "no such file"}},
		// eval
		{"eval without --run or --images", []string{"eval"}, []string{"--run DIR", "--images DIR"}},
		{"eval with both", []string{"eval", "--run", cfgRun, "--images", tmp}, []string{"--run DIR", "--images DIR"}},
		{"eval unknown metric", []string{"eval", "--run", cfgRun, "--metrics", "fid,lpips"}, []string{"--metrics", `"lpips"`, "fid"}},
		{"eval bad truncation", []string{"eval", "--run", cfgRun, "--truncation-mode", "psi", "--truncation", "2"}, []string{"psi", "got 2"}},
		{"sweep of an image folder", []string{"eval", "--images", tmp, "--real", noTest, "--truncation-sweep"}, []string{"--truncation-sweep needs --run"}},
		{"eval a missing run", []string{"eval", "--run", missing}, []string{missing}},
		// ablate and report
		{"ablate without --out", []string{"ablate", "--vary", "model.pack=1,2"}, []string{"--out DIR is required"}},
		{"ablate with nothing to vary", []string{"ablate", "--out", filepath.Join(tmp, "abl2")}, []string{"no ablation yet", "--vary", "--variant"}},
		{"ablate bad --vary", []string{"ablate", "--vary", "model.pack", "--out", filepath.Join(tmp, "abl3")}, []string{"--vary", `"model.pack"`, "key=value1,value2"}},
		{"ablate --vary bad value", []string{"ablate", "--vary", "model.pack=1,x", "--out", filepath.Join(tmp, "abl4")}, []string{"--vary", "model.pack"}},
		{"ablate bad --variant", []string{"ablate", "--variant", "pack4", "--out", filepath.Join(tmp, "abl5")}, []string{"--variant", `"pack4"`, "name:key=value"}},
		{"ablate --seeds 0", []string{"ablate", "--vary", "model.pack=1,2", "--seeds", "0", "--out", filepath.Join(tmp, "abl6")}, []string{"--seeds", "at least 1", "got 0"}},
		{"ablate --set without =", []string{"ablate", "--vary", "model.pack=1,2", "--set", "model.width", "--out", filepath.Join(tmp, "abl7")}, []string{"--set", `"model.width"`, "key=value"}},
		{"ablate an unknown --vary value", []string{"ablate", "--preset", "tiny", "--vary", "train.loss=ns,wasserstein", "--out", filepath.Join(tmp, "abl9")}, []string{"train.loss", "wasserstein"}},
		{"ablate a contradicting cell", []string{"ablate", "--preset", "tiny", "--vary", "model.pack=1,3", "--out", filepath.Join(tmp, "abl8")}, []string{"model.pack", "pack=3", "divisible"}},
		{"ablate unknown --emit", []string{"ablate", "--out", abl, "--emit", "pbs"}, []string{"--emit", `"pbs"`, "slurm"}},
		{"ablate --cell out of range", []string{"ablate", "--out", abl, "--cell", "2"}, []string{"--cell 2", "0..1"}},
		{"ablate a finished plan again with --seeds", []string{"ablate", "--out", abl, "--seeds", "2"}, []string{"already holds an ablation", abl}},
		{"report a folder without a plan", []string{"report", tmp}, []string{tmp, "not an ablation directory", "plan.json"}},
		{"report --best without finished cells", []string{"report", abl, "--best"}, []string{abl, "no setting has all its cells finished"}},
		// classifier, data, profiles
		{"classifier without --data", []string{"classifier", "train", "--out", out}, []string{"--data PATH", "--out FILE"}},
		{"classifier without a test split", []string{"classifier", "train", "--data", noTest, "--out", out, "--batch", "2"}, []string{"test split", "t10k"}},
		{"inspect a missing path", []string{"data", "inspect", missing}, []string{missing, "IDX"}},
		{"profile into a missing folder", []string{"data", "inspect", "--cpuprofile", filepath.Join(missing, "cpu.prof")}, []string{filepath.Join(missing, "cpu.prof")}},
	} {
		t.Run(tc.name, func(t *testing.T) { expectRefusal(t, tc.want, tc.args...) })
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused command wrote %s", out)
	}
}

// TestReadmeRefusals runs the refusals the README lists that no other test reaches:
// virtual BN together with BN in G, DiffAugment on 2-D points, and a truncation
// sweep of a run whose generator pixel-normalises z (or of a toy run). Each must
// name the keys involved, and a refused training must leave no run directory.
func TestReadmeRefusals(t *testing.T) {
	tmp := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"virtual BN with BN in G", []string{"train", "--preset", "tiny", "--set", "model.vbn_g=true"}, []string{"model.vbn_g", "model.bn_g"}},
		{"DiffAugment on 2-D points", []string{"train", "--preset", "ring8", "--set", "train.diffaugment=color,translation"}, []string{"train.diffaugment", "2-D points"}},
	} {
		out := filepath.Join(tmp, strings.ReplaceAll(tc.name, " ", "-"))
		expectRefusal(t, tc.want, append(tc.args, "--out", out, "--backend", "cpu")...)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: the refused run wrote %s", tc.name, out)
		}
	}
	// One-step runs: the sweep refuses them after opening their checkpoint.
	pn, toy := filepath.Join(tmp, "pixelnorm"), filepath.Join(tmp, "toy")
	for _, args := range [][]string{
		{"--preset", "tiny", "--set", "model.pixel_norm=true", "--set", "model.bn_g=false", "--out", pn},
		{"--preset", "ring8", "--set", "model.width=8", "--out", toy},
	} {
		if _, err := runStdout(t, append([]string{"train", "--steps", "1", "--backend", "cpu"}, args...)...); err != nil {
			t.Fatal(err)
		}
	}
	expectRefusal(t, []string{"--truncation-sweep", "model.pixel_norm"}, "eval", "--run", pn, "--truncation-sweep", "--n", "10")
	expectRefusal(t, []string{"--truncation-sweep", "measures images", toy, "ring8"}, "eval", "--run", toy, "--truncation-sweep", "--n", "10")
	for _, dir := range []string{pn, toy} {
		if _, err := os.Stat(filepath.Join(dir, "truncation-sweep.png")); err == nil {
			t.Errorf("a refused sweep wrote %s", filepath.Join(dir, "truncation-sweep.png"))
		}
	}
}
