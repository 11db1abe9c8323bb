package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTruncateMetricsKeepsEveryValidLineUpToTheStep: resumed at step 4, the log keeps
// steps 1, 3 and 4 around a damaged line 2 and drops what came after step 4; a line
// cut short at the end (a crash while writing) is reported too.
func TestTruncateMetricsKeepsEveryValidLineUpToTheStep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		step     int
		want     string
		reported []string // in the log
	}{
		{"damaged line in the middle",
			`{"step":1,"loss_d":1}` + "\n" + `{"step":2,"loss_d":` + "\n" + `{"step":3,"loss_d":3}` + "\n" + `{"step":4,"loss_d":4}` + "\n" + `{"step":5,"loss_d":5}` + "\n",
			4,
			`{"step":1,"loss_d":1}` + "\n" + `{"step":3,"loss_d":3}` + "\n" + `{"step":4,"loss_d":4}` + "\n",
			[]string{"line 2 is damaged"}},
		{"torn last line",
			`{"step":1}` + "\n" + `{"step":2}` + "\n" + `{"ste`,
			2,
			`{"step":1}` + "\n" + `{"step":2}` + "\n",
			[]string{"line 3 is damaged", `"{\"ste"`}},
		{"garbage and a line without a step",
			"\x00\x00\x00\n" + `{"step":1}` + "\n" + `{"loss_d":2}` + "\n" + `{"step":2}` + "\n",
			9,
			`{"step":1}` + "\n" + `{"step":2}` + "\n",
			[]string{"line 1 is damaged", "line 3 is damaged (step 0)"}},
		{"nothing to drop",
			`{"step":1}` + "\n" + `{"step":2}` + "\n",
			2,
			`{"step":1}` + "\n" + `{"step":2}` + "\n",
			nil},
		{"resumed from step 0",
			`{"step":1}` + "\n",
			0,
			"",
			nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), MetricsFile)
			if err := os.WriteFile(path, []byte(tc.in), 0o644); err != nil {
				t.Fatal(err)
			}
			var log strings.Builder
			if err := truncateMetrics(path, tc.step, &log); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("kept\n%s\nwant\n%s", got, tc.want)
			}
			for _, r := range tc.reported {
				if !strings.Contains(log.String(), r) {
					t.Errorf("log %q lacks %q", log.String(), r)
				}
			}
			if tc.reported == nil && log.Len() > 0 {
				t.Errorf("unexpected report %q", log.String())
			}
		})
	}
}

func TestReadMetricsPassesOverDamage(t *testing.T) {
	dir := t.TempDir()
	in := `{"step":1,"loss_g":0.5}` + "\n" + "not json\n" + `{"step":2,"loss_g":0.25}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, MetricsFile), []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, damaged, err := ReadMetrics(dir)
	if err != nil || damaged != 1 || len(ms) != 2 || ms[1].Step != 2 || ms[1].LossG != 0.25 {
		t.Errorf("%+v, %d damaged, %v", ms, damaged, err)
	}
}
