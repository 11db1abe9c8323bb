package report_test

import (
	"encoding/json"
	"fmt"
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

// doctorResults are hand-made results of two settings x two seeds whose cells live in
// dir; diagnoses gives a cell's diagnoses.jsonl text by "setting/seed".
func doctorResults(t *testing.T, dir string, diagnoses map[string]string) ablate.Results {
	t.Helper()
	base, err := config.FromPreset(config.DefaultPreset)
	if err != nil {
		t.Fatal(err)
	}
	res := ablate.Results{Plan: ablate.Plan{Dir: dir, Base: base, Seeds: []int64{0, 1}}}
	logged := []run.Metrics{{Step: 10, LossD: 1, LossG: 1}}
	for _, name := range []string{"a", "b"} {
		g := ablate.Group{Setting: ablate.Setting{Name: name}}
		for _, seed := range []int64{0, 1} {
			key := fmt.Sprintf("%s/%d", name, seed)
			c := ablate.CellResult{Cell: ablate.Cell{Setting: g.Setting, Seed: seed},
				Dir: filepath.Join(dir, "cells", name, fmt.Sprintf("seed-%d", seed))}
			switch key {
			case "b/1": // not started: no directory, no metrics
			case "b/0": // training, not evaluated yet
				c.Metrics = logged
			default:
				c.Done, c.Metrics = true, logged
			}
			if text, ok := diagnoses[key]; ok {
				if err := os.MkdirAll(c.Dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(c.Dir, run.DiagnosesFile), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g.Cells = append(g.Cells, c)
		}
		res.Groups = append(res.Groups, g)
	}
	return res
}

func diagnosesJSONL(t *testing.T, ds ...run.Diagnosis) string {
	t.Helper()
	var b strings.Builder
	for _, d := range ds {
		line, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	return b.String()
}

// TestReportShowsEachRunsDiagnoses: the runs table has one row per cell with its
// directory, its state and the symptoms its run diagnosed with their steps ("none"
// for a run that recorded none, "–" for one not started, damaged lines counted);
// the Doctor section lists each diagnosis with what was seen (escaped), the first
// tip's text, --set and evidence, and what training did.
func TestReportShowsEachRunsDiagnoses(t *testing.T) {
	dir := t.TempDir()
	stalled := run.Diagnosis{Step: 200, Since: 1, Symptom: "stalled", Seen: "nothing has moved from its initial value by step 200",
		Tips: []run.Tip{{Text: "check the learning rates", Set: "--set train.lr_d=2e-4 --set train.lr_g=2e-4", Evidence: "docs/results.md §10"}}}
	dWins := run.Diagnosis{Step: 800, Since: 500, Symptom: "d_wins", Seen: "D right on 99.0% of real & <fake> samples",
		Tips: []run.Tip{{Text: "slow D: lower its learning rate 4x", Set: "--set train.lr_d=5e-05"}, {Text: "add R1 on D (gamma 10)"}}}
	diverged := run.Diagnosis{Step: 40, Since: 40, Symptom: "divergence", Seen: "loss_d is NaN", Action: "rollback to step 30"}
	res := doctorResults(t, dir, map[string]string{
		"a/0": diagnosesJSONL(t, stalled, dWins),
		"a/1": "",
		"b/0": diagnosesJSONL(t, diverged) + "{\"step\": 50, \"sympt\n",
	})
	path, err := report.Write(res, report.Extra{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(raw)
	rowRe := regexp.MustCompile(`<tr class="run"><td><code>([^<]*)</code></td><td>([^<]*)</td><td><code>([^<]*)</code></td><td>([^<]*)</td><td class="doctor">([^<]*)</td></tr>`)
	var got [][]string
	for _, m := range rowRe.FindAllStringSubmatch(html, -1) {
		got = append(got, m[1:])
	}
	want := [][]string{
		{"a", "0", "cells/a/seed-0", "done", "stalled at step 200; d_wins at step 800"},
		{"a", "1", "cells/a/seed-1", "done", "none"},
		{"b", "0", "cells/b/seed-0", "unfinished", "divergence at step 40 (1 damaged line of diagnoses.jsonl passed over)"},
		{"b", "1", "cells/b/seed-1", "not started", "–"},
	}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("the runs table:\n%q\nwant\n%q", got, want)
	}
	for _, w := range []string{
		`<li><code>a</code> seed 0, step 200: <strong>stalled</strong> since step 1: nothing has moved from its initial value by step 200. Try check the learning rates (<code>--set train.lr_d=2e-4 --set train.lr_g=2e-4</code>), measured in docs/results.md §10.</li>`,
		`<li><code>a</code> seed 0, step 800: <strong>d_wins</strong> since step 500: D right on 99.0% of real &amp; &lt;fake&gt; samples. Try slow D: lower its learning rate 4x (<code>--set train.lr_d=5e-05</code>).</li>`,
		`<li><code>b</code> seed 0, step 40: <strong>divergence</strong> since step 40: loss_d is NaN. Training: rollback to step 30.</li>`,
	} {
		if !strings.Contains(html, w) {
			t.Errorf("the Doctor section lacks\n%s\nin\n%s", w, html[strings.Index(html, "<h2>Doctor</h2>"):])
		}
	}
	if strings.Contains(html, "add R1 on D") {
		t.Error("the Doctor section shows a tip after the first")
	}
	if strings.Contains(html, "diagnosed nothing") {
		t.Error("the Doctor section says nothing was diagnosed")
	}
}

// TestReportSaysWhenNoRunWasDiagnosed: with no diagnosis in any cell the Doctor
// section says so, and every started run reads "none".
func TestReportSaysWhenNoRunWasDiagnosed(t *testing.T) {
	dir := t.TempDir()
	path, err := report.Write(doctorResults(t, dir, nil), report.Extra{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(raw)
	if !strings.Contains(html, "The training doctor diagnosed nothing in any run") || strings.Contains(html, `<ul class="diagnoses">`) {
		t.Errorf("the Doctor section of a grid without diagnoses:\n%s", html[strings.Index(html, "<h2>Doctor</h2>"):])
	}
	if n := strings.Count(html, `<td class="doctor">none</td>`); n != 3 {
		t.Errorf("%d runs read none, want the 3 started ones", n)
	}
}

// TestReportRefusesAnUnreadableDiagnosesFile: a cell's diagnoses.jsonl that cannot
// be read stops the report with an error naming the cell.
func TestReportRefusesAnUnreadableDiagnosesFile(t *testing.T) {
	dir := t.TempDir()
	res := doctorResults(t, dir, nil)
	cell := res.Groups[1].Cells[0].Dir
	if err := os.MkdirAll(filepath.Join(cell, run.DiagnosesFile), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := report.Write(res, report.Extra{})
	if err == nil || !strings.Contains(err.Error(), "cell b (seed 0)") || !strings.Contains(err.Error(), run.DiagnosesFile) {
		t.Errorf("report.Write with an unreadable diagnoses.jsonl: %v, want an error naming cell b, seed 0, and the file", err)
	}
}
