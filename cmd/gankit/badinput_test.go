package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gankit/gankit/internal/testutil"
)

// The bad-input set runs the real CLI in a child process (this test binary re-executed
// into TestGankitHelperProcess), so that a panic or a runtime fatal error — which no
// in-process recover can catch — shows up in the output instead of killing the test.

// helperEnv marks the child process; its arguments follow "--" on its command line.
const helperEnv = "GANKIT_TEST_HELPER"

// TestGankitHelperProcess is the gankit command when this binary runs as a child of
// runGankit; in a plain test run it does nothing.
func TestGankitHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		return
	}
	limitChildMemory()
	root := newRoot()
	root.SetArgs(flag.Args())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "gankit:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// runGankit runs gankit with args in a child process and returns its exit status and
// its stdout and stderr together.
func runGankit(t *testing.T, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"-test.run=^TestGankitHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("gankit %s: still running after 3 minutes\n%s", strings.Join(args, " "), out.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("gankit %s: %v", strings.Join(args, " "), err)
	}
	return code, out.String()
}

// badFiles is a directory of broken and odd inputs, built once per test.
type badFiles struct {
	dir string
	run string // a trained tiny run (2 steps)
}

func (b badFiles) path(name string) string { return filepath.Join(b.dir, name) }

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func idxImages(n, side int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, 3})
	for _, d := range []int{n, side, side} {
		_ = binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(make([]byte, n*side*side))
	return b.Bytes()
}

func gzipBytes(raw []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write(raw)
	_ = w.Close()
	return b.Bytes()
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func makeBadFiles(t *testing.T) badFiles {
	t.Helper()
	b := badFiles{dir: t.TempDir()}
	b.run = b.path("run")
	if code, out := runGankit(t, "train", "--preset", "tiny", "--steps", "2", "--out", b.run); code != 0 {
		t.Fatalf("training the tiny run the bad inputs use: exit %d\n%s", code, out)
	}
	good := pngBytes(t, 40, 30)
	for i := range 20 {
		writeFile(t, b.path(fmt.Sprintf("good/img%02d.png", i)), good)
		writeFile(t, b.path(fmt.Sprintf("onebad/img%02d.png", i)), good)
	}
	writeFile(t, b.path("onebad/img07.png"), good[:len(good)/2]) // truncated mid-data
	writeFile(t, b.path("garbage/a.png"), []byte("this is not a PNG at all"))
	writeFile(t, b.path("garbage/b.jpg"), []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0})
	for i := range 16 {
		writeFile(t, b.path(fmt.Sprintf("bomb/img%02d.png", i)), good)
	}
	writeFile(t, b.path("bomb/huge.png"), testutil.PNGHeader(100000, 100000))
	if err := os.MkdirAll(b.path("empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, b.path("empty/readme.txt"), []byte("no images here"))
	idx := idxImages(10, 28)
	writeFile(t, b.path("truncated-idx/train-images-idx3-ubyte"), idx[:len(idx)-100])
	writeFile(t, b.path("truncated-gz/train-images-idx3-ubyte.gz"), gzipBytes(idx)[:60])
	writeFile(t, b.path("cifar/data_batch_1.bin"), make([]byte, 3073*2+17))
	for _, split := range []string{"train", "t10k"} {
		writeFile(t, b.path("labelled/"+split+"-images-idx3-ubyte"), idx)
		writeFile(t, b.path("labelled/"+split+"-labels-idx1-ubyte"), append([]byte{0, 0, 8, 1, 0, 0, 0, 10}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))
	}
	writeFile(t, b.path("idx-overflow"), idxHeaderOnly(1<<24, 1<<24))
	writeFile(t, b.path("bad.yaml"), []byte("train:\n  lr_g: .inf\n"))
	writeFile(t, b.path("nan.yaml"), []byte("train:\n  lr_d: .nan\n"))
	writeFile(t, b.path("frac.yaml"), []byte("train:\n  batch: 8.7\n"))
	writeFile(t, b.path("str.yaml"), []byte("train:\n  batch: \"abc\"\n"))
	writeFile(t, b.path("list.yaml"), []byte("- 1\n- 2\n"))
	writeFile(t, b.path("binary.yaml"), []byte{0x00, 0xff, 0xfe, 0x01, 0x9c})
	writeFile(t, b.path("big-steps.yaml"), []byte("train:\n  steps: 1e30\n"))
	writeFile(t, b.path("broken-ablation/plan.json"), []byte(`{"dir": 5, garbage`))
	junk := make([]byte, 1000)
	for i := range junk {
		junk[i] = uint8(i*131 + i/7)
	}
	writeFile(t, b.path("junk.bin"), junk)
	writeFile(t, b.path("junk.gz"), append([]byte{0x1f, 0x8b, 8, 0}, junk...))
	return b
}

// idxHeaderOnly is an IDX header claiming n images of side x side and holding no pixels.
func idxHeaderOnly(n, side uint32) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, 3})
	for _, d := range []uint32{n, side, side} {
		_ = binary.Write(&b, binary.BigEndian, d)
	}
	return b.Bytes()
}

// badInputCase is one command on bad input: it must fail (unless ok) without a panic
// or a fatal error, and its output must contain every string of want.
type badInputCase struct {
	name string
	args []string
	want []string
	ok   bool // the command succeeds (a bad input it is told to tolerate)
}

func badInputCases(b badFiles) []badInputCase {
	k := 0
	out := func() string { k++; return b.path(fmt.Sprintf("out%02d", k)) } // a fresh --out per case
	run := b.run
	return []badInputCase{
		// eval: counts.
		{"eval --n -10 (--run)", []string{"eval", "--run", run, "--n", "-10"}, []string{"--n", "-10", "at least 1"}, false},
		{"eval --n 0", []string{"eval", "--run", run, "--n", "0"}, []string{"--n", "at least 1"}, false},
		{"eval --n -10 (--images)", []string{"eval", "--images", b.path("good"), "--real", b.path("good"), "--n", "-10"}, []string{"--n", "-10"}, false},
		{"eval --n -10 (--truncation-sweep)", []string{"eval", "--run", run, "--truncation-sweep", "--n", "-10"}, []string{"--n", "-10"}, false},
		{"eval --n beyond memory", []string{"eval", "--run", run, "--n", "100000000000"}, []string{"--n", "available", "at most"}, false},
		{"eval --n not a number", []string{"eval", "--run", run, "--n", "ten"}, []string{"--n", "ten"}, false},
		{"eval psi NaN", []string{"eval", "--run", run, "--truncation-mode", "psi", "--truncation", "NaN"}, []string{"truncation", "NaN"}, false},
		{"eval missing run", []string{"eval", "--run", b.path("no-such-run")}, []string{b.path("no-such-run")}, false},
		{"eval --feature-net garbage", []string{"eval", "--run", run, "--n", "10", "--feature-net", b.path("junk.bin")}, []string{b.path("junk.bin")}, false},
		{"eval --feature-net broken gzip", []string{"eval", "--run", run, "--n", "10", "--feature-net", b.path("junk.gz")}, []string{b.path("junk.gz")}, false},
		{"eval --inception garbage", []string{"eval", "--run", run, "--n", "10", "--inception", b.path("junk.bin")}, []string{b.path("junk.bin")}, false},
		{"eval --real garbage", []string{"eval", "--run", run, "--n", "10", "--real", b.path("junk.bin")}, []string{b.path("junk.bin")}, false},
		{"eval --images corrupt folder", []string{"eval", "--images", b.path("garbage"), "--real", b.path("good")}, []string{b.path("garbage")}, false},
		// sample: counts.
		{"sample --n beyond memory", []string{"sample", "--run", run, "--n", "100000000"}, []string{"--n", "100000000", "available", "at most"}, false},
		{"sample --n 0", []string{"sample", "--run", run, "--n", "0"}, []string{"--n", "at least 1"}, false},
		{"sample --n -5", []string{"sample", "--run", run, "--n", "-5"}, []string{"--n", "at least 1"}, false},
		{"sample psi NaN", []string{"sample", "--run", run, "--truncation-mode", "psi", "--truncation", "NaN"}, []string{"truncation", "NaN"}, false},
		{"sample clip +Inf", []string{"sample", "--run", run, "--truncation-mode", "clip", "--truncation", "+Inf"}, []string{"truncation", "Inf"}, false},
		{"sample missing run", []string{"sample", "--run", b.path("no-such-run")}, []string{b.path("no-such-run")}, false},
		// train: sizes against memory.
		{"train.batch beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.batch=100000000"}, []string{"train.batch", "100000000", "available", "at most"}, false},
		{"--batch beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--batch", "100000000"}, []string{"train.batch", "available"}, false},
		{"train.sample_count beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.sample_count=1000000000"}, []string{"train.sample_count", "available"}, false},
		{"train.replay beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.replay=100000000000"}, []string{"train.replay", "available"}, false},
		{"model.width beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--set", "model.width=10000000"}, []string{"model.width", "available"}, false},
		{"model.z_dim beyond memory", []string{"train", "--preset", "tiny", "--out", out(), "--set", "model.z_dim=10000000000"}, []string{"model.z_dim", "available"}, false},
		{"--steps -1", []string{"train", "--preset", "tiny", "--out", out(), "--steps", "-1"}, []string{"train.steps", "-1"}, false},
		{"--batch 0", []string{"train", "--preset", "tiny", "--out", out(), "--batch", "0"}, []string{"train.batch", "0"}, false},
		// train: config values.
		{"lr_g .inf in a file", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("bad.yaml")}, []string{b.path("bad.yaml"), "train.lr_g", ".inf", "finite"}, false},
		{"lr_d .nan in a file", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("nan.yaml")}, []string{"train.lr_d", "finite"}, false},
		{"--set train.lr_g=.inf", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.lr_g=.inf"}, []string{"train.lr_g", "finite"}, false},
		{"--set train.lr_g=-.Inf", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.lr_g=-.Inf"}, []string{"train.lr_g", "finite"}, false},
		{"batch 8.7 in a file", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("frac.yaml")}, []string{b.path("frac.yaml"), "train.batch", "8.7", "whole number"}, false},
		{"--set train.batch=8.7", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.batch=8.7"}, []string{"train.batch", "8.7", "whole number"}, false},
		{"batch \"abc\" in a file", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("str.yaml")}, []string{b.path("str.yaml"), "train.batch", "abc", "whole number"}, false},
		{"--set train.batch=abc", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.batch=abc"}, []string{"train.batch", "abc"}, false},
		{"--set model.bn_g=maybe", []string{"train", "--preset", "tiny", "--out", out(), "--set", "model.bn_g=maybe"}, []string{"model.bn_g", "maybe"}, false},
		{"--set train.lr_d=fast", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.lr_d=fast"}, []string{"train.lr_d", "fast", "number"}, false},
		{"steps 1e30 in a file", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("big-steps.yaml")}, []string{"train.steps", "1e30"}, false},
		{"--set train.batch= (empty)", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.batch="}, []string{"train.batch"}, false},
		{"--set without =", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.batch"}, []string{"--set", "key=value"}, false},
		{"--set unknown key", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.nope=1"}, []string{"train.nope"}, false},
		{"--set train.lr_g=-1", []string{"train", "--preset", "tiny", "--out", out(), "--set", "train.lr_g=-1"}, []string{"train.lr_g"}, false},
		{"config is a list", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("list.yaml")}, []string{b.path("list.yaml"), "mapping"}, false},
		{"config is binary", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("binary.yaml")}, []string{b.path("binary.yaml")}, false},
		{"config missing", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("no-such.yaml")}, []string{b.path("no-such.yaml")}, false},
		{"config is a folder", []string{"train", "--preset", "tiny", "--out", out(), "--config", b.path("good")}, []string{b.path("good")}, false},
		{"config is a device", []string{"train", "--preset", "tiny", "--out", out(), "--config", os.DevNull}, []string{os.DevNull, "regular file"}, false},
		{"unknown preset", []string{"train", "--preset", "nope", "--out", out()}, []string{"nope", "dcgan-fmnist"}, false},
		// train: data.
		{"folder with a corrupt PNG", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("onebad"), "--batch", "4"}, []string{b.path("onebad/img07.png"), "1 of 20", "--skip-bad-images"}, false},
		{"folder with a corrupt PNG, skipped", []string{"train", "--preset", "tiny", "--out", b.path("skipped"), "--data", b.path("onebad"), "--batch", "4", "--steps", "1", "--skip-bad-images"}, []string{"skipped 1 of 20", "img07.png"}, true},
		{"folder of garbage", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("garbage"), "--batch", "4"}, []string{b.path("garbage/a.png"), b.path("garbage/b.jpg"), "all 2 fail"}, false},
		{"folder of garbage, skipped", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("garbage"), "--skip-bad-images"}, []string{b.path("garbage"), "no image"}, false},
		{"folder with a decompression bomb", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("bomb"), "--batch", "4"}, []string{b.path("bomb/huge.png"), "100000x100000", "data.max_image_pixels"}, false},
		{"images above data.max_image_pixels", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("good"), "--batch", "4", "--set", "data.max_image_pixels=1000"}, []string{"img00.png", "40x30", "data.max_image_pixels"}, false},
		{"data.max_image_pixels -1", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("good"), "--set", "data.max_image_pixels=-1"}, []string{"data.max_image_pixels", "-1"}, false},
		{"data.size 100000 for a folder", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("good"), "--set", "data.size=100000"}, []string{"data.size", "100000"}, false},
		{"data.channels 2", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("good"), "--set", "data.channels=2"}, []string{"data.channels", "2"}, false},
		{"empty folder", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("empty")}, []string{b.path("empty"), ".png"}, false},
		{"truncated IDX", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("truncated-idx")}, []string{b.path("truncated-idx/train-images-idx3-ubyte"), "bytes"}, false},
		{"truncated gzip", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("truncated-gz")}, []string{b.path("truncated-gz/train-images-idx3-ubyte.gz"), "gzip"}, false},
		{"IDX header beyond int", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("idx-overflow")}, []string{b.path("idx-overflow"), "IDX"}, false},
		{"CIFAR of a wrong size", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("cifar")}, []string{b.path("cifar/data_batch_1.bin"), "CIFAR-10"}, false},
		{"data is a device", []string{"train", "--preset", "tiny", "--out", out(), "--data", os.DevNull}, []string{os.DevNull, "regular file"}, false},
		{"data missing", []string{"train", "--preset", "tiny", "--out", out(), "--data", b.path("no-such-data")}, []string{b.path("no-such-data")}, false},
		{"--skip-bad-images on resume", []string{"train", "--resume", run, "--skip-bad-images"}, []string{"--skip-bad-images", run}, false},
		{"resume a missing run", []string{"train", "--resume", b.path("no-such-run")}, []string{b.path("no-such-run")}, false},
		// data inspect.
		{"inspect corrupt folder", []string{"data", "inspect", b.path("onebad"), "--size", "28", "--channels", "1"}, []string{b.path("onebad/img07.png")}, false},
		{"inspect --size 0", []string{"data", "inspect", b.path("good"), "--size", "0"}, []string{"size", "0"}, false},
		{"inspect --size 1000000", []string{"data", "inspect", b.path("good"), "--size", "1000000"}, []string{"size", "1000000"}, false},
		{"inspect --channels 2", []string{"data", "inspect", b.path("good"), "--channels", "2"}, []string{"channels", "2"}, false},
		{"inspect --split validation", []string{"data", "inspect", b.path("truncated-idx"), "--split", "validation"}, []string{"split", "validation"}, false},
		{"inspect a missing path", []string{"data", "inspect", b.path("no-such-data")}, []string{b.path("no-such-data")}, false},
		// ablate.
		{"ablate --seeds 0", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--seeds", "0", "--out", b.path("abl0")}, []string{"--seeds", "0"}, false},
		{"ablate --seeds beyond memory", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--seeds", "1000000000000", "--out", b.path("abl1")}, []string{"--seeds", "1000000000000"}, false},
		{"ablate --steps -1", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--steps", "-1", "--out", b.path("abl2")}, []string{"--steps", "-1"}, false},
		{"ablate --eval-n -1", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--eval-n", "-1", "--out", b.path("abl3")}, []string{"--eval-n", "-1"}, false},
		{"ablate --eval-n beyond memory", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--eval-n", "100000000000", "--out", b.path("abl4")}, []string{"--eval-n", "available"}, false},
		{"ablate --workers 0", []string{"ablate", "--preset", "tiny", "--vary", "train.lr_d=1e-4,2e-4", "--workers", "0", "--out", b.path("abl5")}, []string{"--workers", "0"}, false},
		{"ablate --vary a fraction", []string{"ablate", "--preset", "tiny", "--vary", "train.batch=8.7,16", "--out", b.path("abl6")}, []string{"train.batch", "8.7"}, false},
		{"ablate --vary beyond memory", []string{"ablate", "--preset", "tiny", "--vary", "train.batch=16,100000000", "--out", b.path("abl7")}, []string{"train.batch", "available"}, false},
		// classifier.
		{"classifier --epochs 0", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--epochs", "0"}, []string{"--epochs", "0"}, false},
		{"classifier --batch 0", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--batch", "0"}, []string{"--batch", "0"}, false},
		{"classifier --batch beyond memory", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--batch", "100000000000"}, []string{"--batch", "available"}, false},
		{"classifier --lr NaN", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--lr", "NaN"}, []string{"--lr", "NaN"}, false},
		{"classifier --lr -1", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--lr", "-1"}, []string{"--lr", "-1"}, false},
		{"classifier --batch above the data", []string{"classifier", "train", "--data", b.path("labelled"), "--out", b.path("c.gob.gz"), "--batch", "11"}, []string{"--batch", "11", "10 training examples"}, false},
		{"classifier on unlabelled data", []string{"classifier", "train", "--data", b.path("truncated-idx"), "--out", b.path("c.gob.gz")}, []string{b.path("truncated-idx")}, false},
		// bench (only its refusals: a bench run takes minutes).
		{"bench --batches 0", []string{"bench", "--batches", "0", "--no-torch"}, []string{"--batches"}, false},
		{"bench --batches beyond memory", []string{"bench", "--batches", "100000000", "--no-torch"}, []string{"--batches", "100000000", "available"}, false},
		{"bench --iters 0", []string{"bench", "--iters", "0", "--no-torch"}, []string{"--iters"}, false},
		{"bench --size 30", []string{"bench", "--size", "30", "--no-torch"}, []string{"--size", "30"}, false},
		// report.
		{"report a missing folder", []string{"report", b.path("no-such-ablation")}, []string{b.path("no-such-ablation")}, false},
		{"report a broken plan.json", []string{"report", b.path("broken-ablation")}, []string{b.path("broken-ablation/plan.json")}, false},
	}
}

// TestBadInputNeverPanicsAndNamesTheCulprit runs gankit on every bad input of the set:
// no output may hold "panic:" or "fatal error:", each failure must name the flag, key
// or file at fault, and the tolerated cases must succeed.
func TestBadInputNeverPanicsAndNamesTheCulprit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gankit about 95 times")
	}
	b := makeBadFiles(t)
	cases := append(badInputCases(b), platformBadInputCases(t, b)...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runGankit(t, tc.args...)
			t.Logf("gankit %s -> exit %d\n%s", strings.Join(tc.args, " "), code, lastLines(out, 6))
			for _, bad := range []string{"panic:", "fatal error:", "goroutine "} {
				if strings.Contains(out, bad) {
					t.Errorf("output holds %q:\n%s", bad, out)
				}
			}
			if tc.ok != (code == 0) {
				t.Errorf("exit status %d, want success %v:\n%s", code, tc.ok, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, lastLines(out, 6))
				}
			}
		})
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
