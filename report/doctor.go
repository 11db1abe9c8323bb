package report

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/ablate"
	"github.com/gankit/gankit/run"
)

// runRow is one cell's line in the runs table: its setting, seed and directory, how
// far it got, and what the training doctor diagnosed in it (its diagnoses.jsonl).
type runRow struct {
	Setting string
	Seed    int64
	Dir     string // relative to the report
	State   string // done | unfinished | not started
	Doctor  string // "stalled at step 200; d_wins at step 800", "none", or "–" before the run starts
}

// doctorEntry is one diagnosis in the report's Doctor section, with its first tip.
type doctorEntry struct {
	Setting string
	Seed    int64
	run.Diagnosis
	Tip    run.Tip
	HasTip bool
}

// doctorRows reads each cell's diagnoses.jsonl (run.ReadDiagnoses) into the runs
// table and the Doctor section, in plan order. A cell's diagnoses are what its run
// recorded while it trained; gankit doctor makes them again from its metrics.
func doctorRows(res ablate.Results) ([]runRow, []doctorEntry, error) {
	var rows []runRow
	var entries []doctorEntry
	for _, g := range res.Groups {
		for _, c := range g.Cells {
			row := runRow{Setting: g.Setting.String(), Seed: c.Seed, State: cellState(c), Doctor: "–"}
			if c.Dir == "" {
				rows = append(rows, row)
				continue
			}
			if rel, err := filepath.Rel(res.Plan.Dir, c.Dir); err == nil {
				row.Dir = filepath.ToSlash(rel)
			} else {
				row.Dir = c.Dir
			}
			ds, damaged, err := run.ReadDiagnoses(c.Dir)
			if err != nil {
				return nil, nil, fmt.Errorf("report: cell %s (seed %d): %w", row.Setting, c.Seed, err)
			}
			if row.State != "not started" || len(ds) > 0 {
				row.Doctor = diagnosedText(ds, damaged)
			}
			for _, d := range ds {
				e := doctorEntry{Setting: row.Setting, Seed: c.Seed, Diagnosis: d}
				if len(d.Tips) > 0 {
					e.Tip, e.HasTip = d.Tips[0], true
				}
				entries = append(entries, e)
			}
			rows = append(rows, row)
		}
	}
	return rows, entries, nil
}

// cellState says how far a cell got: evaluated, logged but not evaluated, or nothing.
func cellState(c ablate.CellResult) string {
	switch {
	case c.Done:
		return "done"
	case len(c.Metrics) > 0:
		return "unfinished"
	}
	return "not started"
}

// diagnosedText lists the symptoms diagnosed and their steps, or says none.
func diagnosedText(ds []run.Diagnosis, damaged int) string {
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		parts = append(parts, fmt.Sprintf("%s at step %d", d.Symptom, d.Step))
	}
	s := strings.Join(parts, "; ")
	if len(ds) == 0 {
		s = "none"
	}
	switch {
	case damaged == 1:
		s += " (1 damaged line of " + run.DiagnosesFile + " passed over)"
	case damaged > 1:
		s += fmt.Sprintf(" (%d damaged lines of %s passed over)", damaged, run.DiagnosesFile)
	}
	return s
}
