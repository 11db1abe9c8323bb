package report_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/report"
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
