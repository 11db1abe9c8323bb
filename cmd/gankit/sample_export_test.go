package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gankit/gankit/data"
)

// The export tests share one tiny run and one toy run, trained in-process once.
var (
	exportRunsOnce        sync.Once
	exportTiny, exportToy string
	exportRunsErr         error
	exportRunsDir         string
)

func exportRuns(t *testing.T) (tiny, toy string) {
	t.Helper()
	exportRunsOnce.Do(func() {
		exportRunsDir, exportRunsErr = os.MkdirTemp("", "gankit-export-")
		if exportRunsErr != nil {
			return
		}
		exportTiny, exportToy = filepath.Join(exportRunsDir, "tiny"), filepath.Join(exportRunsDir, "ring8")
		if _, exportRunsErr = runStdout(t, "train", "--preset", "tiny", "--steps", "5", "--out", exportTiny); exportRunsErr != nil {
			return
		}
		_, exportRunsErr = runStdout(t, "train", "--preset", "ring8", "--steps", "5", "--out", exportToy)
	})
	if exportRunsErr != nil {
		t.Fatal(exportRunsErr)
	}
	return exportTiny, exportToy
}

func TestMain(m *testing.M) {
	// Image folders' decoded-image cache goes to the user's cache directory by
	// default (data.cache): the tests, and the gankit processes they start, use one
	// of their own instead, removed at the end.
	cache, err := os.MkdirTemp("", "gankit-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CACHE_HOME", cache)
	code := m.Run()
	if exportRunsDir != "" {
		os.RemoveAll(exportRunsDir)
	}
	os.RemoveAll(cache)
	os.Exit(code)
}

// readIDX reads an exported IDX file back through gankit's own reader, as bytes.
func readIDX(t *testing.T, path string) [][]byte {
	t.Helper()
	d, err := data.ReadIDX(path, "")
	if err != nil {
		t.Fatalf("gankit's IDX reader refuses the export: %v", err)
	}
	if s := d.Shape(); s.Size != 28 || s.Channels != 1 {
		t.Fatalf("export reads back as %v, want 28x28x1", s)
	}
	out := make([][]byte, d.Len())
	x := make([]float32, 28*28)
	for i := range out {
		if err := d.Read(i, x); err != nil {
			t.Fatal(err)
		}
		out[i] = make([]byte, len(x))
		for j, v := range x {
			out[i][j] = byte((v+1)*127.5 + 0.5) // the reader's pixel/127.5 - 1, inverted
		}
	}
	return out
}

// grayAt reads the 28x28 image whose top-left corner is (x0, y0) of a PNG.
func grayAt(t *testing.T, path string, x0, y0 int) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 0, 28*28)
	for y := range 28 {
		for x := range 28 {
			r, _, _, _ := img.At(x0+x, y0+y).RGBA()
			out = append(out, byte(r>>8))
		}
	}
	return out
}

func readManifest(t *testing.T, path string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("manifest: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest %s is not JSON: %v", path, err)
	}
	return m
}

// TestExportSampleDependsOnlyOnItsSeed: sample 5 of an export of 10 is sample 5 of an
// export of 100 (which G sees in other batches), bitwise, with resampling truncation
// (whose redraws used to come after all n latents); the same image is in the grid of
// --seed 0 and in a png-folder export; and an export from --seed 5 starts with it.
func TestExportSampleDependsOnlyOnItsSeed(t *testing.T) {
	tiny, _ := exportRuns(t)
	dir := t.TempDir()
	trunc := []string{"--truncation-mode", "resample", "--truncation", "1"}
	export := func(n, seed, format, out string) {
		t.Helper()
		args := append([]string{"sample", "--run", tiny, "--format", format, "--n", n, "--seed", seed, "--out", out}, trunc...)
		if _, err := runStdout(t, args...); err != nil {
			t.Fatal(err)
		}
	}
	export("10", "0", "idx", filepath.Join(dir, "a.idx"))
	export("100", "0", "idx", filepath.Join(dir, "b.idx"))
	export("3", "5", "idx", filepath.Join(dir, "c.idx"))
	export("7", "0", "png-folder", filepath.Join(dir, "pf"))
	a, b, c := readIDX(t, filepath.Join(dir, "a.idx")), readIDX(t, filepath.Join(dir, "b.idx")), readIDX(t, filepath.Join(dir, "c.idx"))
	if len(a) != 10 || len(b) != 100 || len(c) != 3 {
		t.Fatalf("exports hold %d, %d, %d images, want 10, 100, 3", len(a), len(b), len(c))
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			t.Fatalf("sample %d of an export of 10 differs from sample %d of an export of 100", i, i)
		}
	}
	if string(c[0]) != string(a[5]) {
		t.Error("the first sample of --seed 5 is not sample 5 of --seed 0")
	}
	if string(a[0]) == string(a[1]) {
		t.Error("seeds 0 and 1 gave the same image")
	}
	// The PNG folder holds the same pixels as the IDX file.
	for _, i := range []int{0, 5, 6} {
		if got := grayAt(t, filepath.Join(dir, "pf", fmt.Sprintf("%06d.png", i)), 0, 0); string(got) != string(a[i]) {
			t.Errorf("png-folder sample %d differs from idx sample %d", i, i)
		}
	}
	// The grid of 9 (3x3, 2-pixel borders): sample 5 is row 1, column 2.
	grid := filepath.Join(dir, "grid.png")
	if _, err := runStdout(t, append([]string{"sample", "--run", tiny, "--n", "9", "--out", grid}, trunc...)...); err != nil {
		t.Fatal(err)
	}
	if got := grayAt(t, grid, 2+2*30, 2+1*30); string(got) != string(a[5]) {
		t.Error("sample 5 of the grid differs from sample 5 of the export")
	}
}

// TestExportWritesDataAndManifestAndPrintsBoth checks each format's files, the
// manifest's fields and the paths printed.
func TestExportWritesDataAndManifestAndPrintsBoth(t *testing.T) {
	tiny, toy := exportRuns(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		run, format, out, manifest string
		n                          int
		check                      func(t *testing.T, out string)
	}{
		{tiny, "png-folder", filepath.Join(dir, "pf"), filepath.Join(dir, "pf", "manifest.json"), 66, func(t *testing.T, out string) {
			ents, _ := os.ReadDir(out)
			if len(ents) != 67 || ents[0].Name() != "000000.png" || ents[65].Name() != "000065.png" {
				t.Errorf("folder holds %d entries from %s, want 000000.png ... 000065.png and manifest.json", len(ents), ents[0].Name())
			}
			checkPNG(t, filepath.Join(out, "000065.png"), 28, 28)
		}},
		{tiny, "idx", filepath.Join(dir, "s-idx3-ubyte"), filepath.Join(dir, "s-idx3-ubyte.manifest.json"), 4, func(t *testing.T, out string) {
			if got := readIDX(t, out); len(got) != 4 {
				t.Errorf("IDX holds %d images, want 4", len(got))
			}
		}},
		{toy, "csv", filepath.Join(dir, "p.csv"), filepath.Join(dir, "p.csv.manifest.json"), 5, func(t *testing.T, out string) {
			raw, _ := os.ReadFile(out)
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			if len(lines) != 6 || lines[0] != "x,y" || strings.Count(lines[5], ",") != 1 {
				t.Errorf("CSV:\n%s\nwant a header x,y and 5 x,y lines", raw)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out, err := runStdout(t, "sample", "--run", tc.run, "--format", tc.format, "--n", strconv.Itoa(tc.n), "--seed", "3", "--out", tc.out,
				"--truncation-mode", "clip", "--truncation", "1.5")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{tc.out, tc.manifest} {
				if !strings.Contains(out, p) {
					t.Errorf("output %q does not name %s", out, p)
				}
			}
			tc.check(t, tc.out)
			m := readManifest(t, tc.manifest)
			seeds, _ := m["seeds"].(map[string]any)
			tr, _ := m["truncation"].(map[string]any)
			abs, _ := filepath.Abs(tc.run)
			for _, f := range []struct {
				key       string
				got, want any
			}{
				{"format", m["format"], tc.format},
				{"count", m["count"], float64(tc.n)},
				{"seeds.first", seeds["first"], 3.0},
				{"seeds.last", seeds["last"], float64(3 + tc.n - 1)},
				{"truncation.mode", tr["mode"], "clip"},
				{"truncation.value", tr["value"], 1.5},
				{"run", m["run"], abs},
				{"step", m["step"], 5.0},
				{"generator", m["generator"], "G"},
				{"batch", m["batch"], 64.0},
			} {
				if f.got != f.want {
					t.Errorf("manifest %s = %v, want %v", f.key, f.got, f.want)
				}
			}
		})
	}
}

// TestInterpolationStripIsOneRowFromSeedToSeed: K images in one row whose ends are
// the samples of the two seeds.
func TestInterpolationStripIsOneRowFromSeedToSeed(t *testing.T) {
	tiny, _ := exportRuns(t)
	dir := t.TempDir()
	strip := filepath.Join(dir, "walk.png")
	out, err := runStdout(t, "sample", "--run", tiny, "--interpolate", "3,17", "--steps", "5", "--out", strip)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, strip) {
		t.Errorf("output %q does not name %s", out, strip)
	}
	checkPNG(t, strip, 5*30+2, 32)
	ends := filepath.Join(dir, "ends.idx")
	for _, seed := range []string{"3", "17"} {
		if _, err := runStdout(t, "sample", "--run", tiny, "--format", "idx", "--n", "1", "--seed", seed, "--out", ends, "--force"); err != nil {
			t.Fatal(err)
		}
		x0 := 2
		if seed == "17" {
			x0 = 2 + 4*30
		}
		if got := grayAt(t, strip, x0, 2); string(got) != string(readIDX(t, ends)[0]) {
			t.Errorf("the strip's end at x=%d is not seed %s's sample", x0, seed)
		}
	}
	if string(grayAt(t, strip, 2+30, 2)) == string(grayAt(t, strip, 2, 2)) {
		t.Error("the strip's second image is its first")
	}
}

// TestExportRefusals: each bad request is refused naming the flag and the value, and
// an existing output is left alone unless --force.
func TestExportRefusals(t *testing.T) {
	tiny, toy := exportRuns(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "taken.idx")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := []string{"sample", "--run", tiny}
	for _, tc := range []struct {
		want []string
		args []string
	}{
		{[]string{"--format", `"jpeg"`, "png-folder", "idx", "csv"}, append(s, "--format", "jpeg")},
		{[]string{"--interpolate", `"3"`, "SEED_A,SEED_B"}, append(s, "--interpolate", "3")},
		{[]string{"--interpolate", `"a"`, "SEED_A,SEED_B"}, append(s, "--interpolate", "a,4")},
		{[]string{"--steps", "at least 2", "got 1"}, append(s, "--interpolate", "3,4", "--steps", "1")},
		{[]string{"--path", `"cubic"`, "slerp", "lerp"}, append(s, "--interpolate", "3,4", "--path", "cubic")},
		{[]string{"--steps", "--interpolate"}, append(s, "--steps", "4")},
		{[]string{"--format", "--interpolate", "choose one"}, append(s, "--format", "idx", "--interpolate", "3,4")},
		{[]string{"--out", file, "exists", "--force"}, append(s, "--format", "idx", "--out", file)},
		{[]string{"--out", file, "exists", "--force"}, append(s, "--interpolate", "3,4", "--out", file)},
		{[]string{"--out", full, "1 entries", "--force"}, append(s, "--format", "png-folder", "--out", full)},
		{[]string{"--out", file, "not a folder"}, append(s, "--format", "png-folder", "--out", file, "--force")},
		{[]string{"--format", "csv", "28x28x1", "png-folder"}, append(s, "--format", "csv", "--out", filepath.Join(dir, "x.csv"))},
		{[]string{"--format", "idx", "2-D points", "--format csv"}, []string{"sample", "--run", toy, "--format", "idx", "--out", filepath.Join(dir, "y")}},
		{[]string{"--format", "png-folder", "2-D points", "--format csv"}, []string{"sample", "--run", toy, "--format", "png-folder", "--out", filepath.Join(dir, "z")}},
		{[]string{"--interpolate", "points", "--format csv"}, []string{"sample", "--run", toy, "--interpolate", "1,2", "--out", filepath.Join(dir, "t.png")}},
	} {
		expectRefusal(t, tc.want, tc.args...)
	}
	if raw, _ := os.ReadFile(file); string(raw) != "mine" {
		t.Errorf("a refused export changed %s", file)
	}
	for _, p := range []string{filepath.Join(dir, "x.csv"), filepath.Join(dir, "y"), filepath.Join(dir, "z"), filepath.Join(dir, "t.png")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused export wrote %s", p)
		}
	}
	// --force writes into the folder: an earlier, larger export's samples go, other files stay.
	if _, err := runStdout(t, "sample", "--run", tiny, "--format", "png-folder", "--n", "3", "--out", full, "--force"); err != nil {
		t.Fatal(err)
	}
	if _, err := runStdout(t, "sample", "--run", tiny, "--format", "png-folder", "--n", "2", "--out", full, "--force"); err != nil {
		t.Fatal(err)
	}
	var names []string
	ents, _ := os.ReadDir(full)
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "000000.png 000001.png manifest.json notes.txt" {
		t.Errorf("after --force exports of 3 then 2 the folder holds %s", got)
	}
	if _, err := runStdout(t, "sample", "--run", tiny, "--format", "idx", "--n", "2", "--out", file, "--force"); err != nil {
		t.Fatal(err)
	}
	if got := readIDX(t, file); len(got) != 2 {
		t.Errorf("--force export holds %d images, want 2", len(got))
	}
}
