package report_test

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/report"
	"github.com/gankit/gankit/run"
)

// TestTableShowsMeanAndSEAndBoldsTheBest writes a report from hand-made results and
// reads its table back: each cell is the mean ± standard error in the report's
// format, and per column the best mean is bold — the lowest for FID (lower is
// better), the highest for precision — while a metric a setting lacks shows a dash.
func TestTableShowsMeanAndSEAndBoldsTheBest(t *testing.T) {
	base, err := config.FromPreset(config.DefaultPreset)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	done := []ablate.CellResult{{Done: true}, {Done: true}}
	res := ablate.Results{
		Plan:    ablate.Plan{Dir: dir, Base: base, Seeds: []int64{0, 1}},
		Metrics: []string{"fid", "precision", "is"},
		Groups: []ablate.Group{
			{Setting: ablate.Setting{Name: "a"}, Cells: done, Stats: map[string]ablate.Stat{
				"fid": {Mean: 123.44, SE: 2.5, N: 2}, "precision": {Mean: 0.61234, SE: 0.01, N: 2}, "is": {Mean: 3, SE: 0.5, N: 2}}},
			{Setting: ablate.Setting{Name: "b"}, Cells: done, Stats: map[string]ablate.Stat{
				"fid": {Mean: 98.76, SE: 1.25, N: 2}, "precision": {Mean: 0.5, SE: 0.02, N: 2}}},
			{Setting: ablate.Setting{Name: "c"}, Cells: []ablate.CellResult{{Done: true}, {}}, Stats: map[string]ablate.Stat{
				"fid": {Mean: 150, N: 1}, "precision": {Mean: 0.55, N: 1}, "is": {Mean: 2.5, N: 1}}},
		},
	}
	path, err := report.Write(res, report.Extra{})
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, report.File) {
		t.Errorf("report written to %s, want %s", path, filepath.Join(dir, report.File))
	}
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rowRe := regexp.MustCompile(`<tr><td><code>(\w+)</code></td><td>([^<]*)</td>(.*)</tr>`)
	cellRe := regexp.MustCompile(`<td( class="best")?>([^<]*)</td>`)
	// Per setting: runs done, then each column's text with "*" marking bold.
	want := map[string][]string{
		"a": {"2/2", "123.4 ± 2.500", "0.6123 ± 0.0100*", "3.000 ± 0.5000*"},
		"b": {"2/2", "98.760 ± 1.250*", "0.5000 ± 0.0200", "–"},
		"c": {"1/2", "150.0", "0.5500", "2.500"}, // one seed: no s.e.
	}
	rows := rowRe.FindAllStringSubmatch(string(html), -1)
	if len(rows) != 3 {
		t.Fatalf("the table has %d rows, want 3:\n%s", len(rows), html)
	}
	for _, r := range rows {
		got := []string{r[2]}
		for _, c := range cellRe.FindAllStringSubmatch(r[3], -1) {
			text := c[2]
			if c[1] != "" {
				text += "*"
			}
			got = append(got, text)
		}
		if !slices.Equal(got, want[r[1]]) {
			t.Errorf("row %s: %q, want %q", r[1], got, want[r[1]])
		}
	}
	for _, m := range res.Metrics {
		if _, err := os.Stat(filepath.Join(dir, "report_files", "metric-"+m+".png")); err != nil {
			t.Errorf("no plot for %s: %v", m, err)
		}
	}
	if !strings.Contains(string(html), `src="report_files/metric-fid.png"`) {
		t.Error("the page does not show the FID plot")
	}
}

// TestADACurvesOnlyForSettingsThatLogThem: a report over a setting with ADA and one
// without draws p's and r_t's curves, with the ADA setting's mean over seeds alone.
func TestADACurvesOnlyForSettingsThatLogThem(t *testing.T) {
	base, err := config.FromPreset(config.DefaultPreset)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	metrics := func(ada bool, p0 float64) []run.Metrics {
		var ms []run.Metrics
		for step := 10; step <= 30; step += 10 {
			m := run.Metrics{Step: step, LossD: 1, LossG: 1}
			if ada {
				m.Set("ada_p", p0+float64(step)/100)
				m.Set("ada_rt", 0.5)
			}
			ms = append(ms, m)
		}
		return ms
	}
	res := ablate.Results{
		Plan: ablate.Plan{Dir: dir, Base: base, Seeds: []int64{0, 1}},
		Groups: []ablate.Group{
			{Setting: ablate.Setting{Name: "none"}, Cells: []ablate.CellResult{{Done: true, Metrics: metrics(false, 0)}, {Done: true, Metrics: metrics(false, 0)}}},
			{Setting: ablate.Setting{Name: "ada"}, Cells: []ablate.CellResult{{Done: true, Metrics: metrics(true, 0)}, {Done: true, Metrics: metrics(true, 0.2)}}},
		},
	}
	path, err := report.Write(res, report.Extra{})
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"curve-ada_p.png", "curve-ada_rt.png"} {
		if !strings.Contains(string(html), name) {
			t.Errorf("the report does not show %s", name)
		}
		if _, err := os.Stat(filepath.Join(dir, "report_files", name)); err != nil {
			t.Error(err)
		}
	}
	// Seed 0 logs p = 0.1, 0.2, 0.3 and seed 1 p = 0.3, 0.4, 0.5.
	s := report.MeanCurve(res.Groups[1], "ada_p")
	if len(s.Y) != 3 || math.Abs(s.Y[0]-0.2) > 1e-12 || math.Abs(s.Y[1]-0.3) > 1e-12 || math.Abs(s.Y[2]-0.4) > 1e-12 {
		t.Errorf("ADA's mean p over seeds: %v, want [0.2 0.3 0.4]", s.Y)
	}
	if s := report.MeanCurve(res.Groups[0], "ada_p"); len(s.X) != 0 {
		t.Errorf("a setting without ADA has a p curve: %v", s)
	}
}
