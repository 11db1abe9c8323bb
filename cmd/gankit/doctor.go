package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/eval"
	rundir "github.com/gankit/gankit/run"
	"github.com/spf13/cobra"
)

func doctorCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor RUN [RUN...]",
		Short: "Diagnose what went wrong in a run's training, from the files it wrote",
		Long: `Read a run's files and say what went wrong in its training. The training doctor's
detectors run over metrics.jsonl, with the run's config.yaml (its train.steps and
doctor.off), as gankit train runs them at every logged step, and the newest
checkpoint's weights are checked for NaN and Inf; beside each finding is whether the
run recorded it while it trained (diagnoses.jsonl) and what training did about it.
The run's best checkpoint by the proxy FID (best.json) is named when it has one, and
its evaluation (eval.json) when it has one. A run that is still training can be examined: nothing is locked or written.

Each finding gives the step it was made at, since when the symptom shows, what was
seen with its numbers, and the tips that treat it, the first to try first: what to
change, the --set to paste (gankit train --resume RUN --set ... --allow-change, or a
new run) and the docs/results.md table that measured it.

The symptoms, in the order they are checked (doctor.off switches any off):
  divergence     a NaN or Inf, or a loss or gradient norm 50x its running median
  d_wins         D right on 95% of both batches over 300 steps (and, ns, G's loss >= 3)
  d_overfits     D tells its training images from held-out ones (r_t alone without them)
  mode_collapse  G's fixed latents far less varied than the data (doctor.every)
  stalled        loss_d, loss_g, d_real and d_fake never move from their first values
  worsening      the proxy FID 25% over its best, twice in a row (doctor.fid_every)
  input_bound    the loop waits for data 30% of the time, 5 lines in a row

The held-out gap, the diversity (or a toy's mode coverage), the proxy FID and the
data wait are logged by runs that measure them: the symptoms judged on them are
judged only when the run logged them.

--json prints a JSON list with one object per RUN, in the order given: run, steps,
last_step, lines, damaged, diagnoses (made now), recorded (diagnoses.jsonl), best,
checkpoint (the newest that reads back whole, 0 for none) and eval.
The exit status is 0 whatever was found; 1 when a RUN cannot be read.`,
		Example: `  gankit doctor runs/fm
  gankit doctor runs/fm runs/fm-r1
  gankit doctor abl/grid25/cells/*/seed-0 --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			findings := make([]doctor.Finding, 0, len(args))
			for _, dir := range args {
				f, err := doctor.Examine(dir)
				if err != nil {
					return err // it names the run
				}
				findings = append(findings, f)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeFindingsJSON(out, findings)
			}
			for i, f := range findings {
				if i > 0 {
					fmt.Fprintln(out)
				}
				if err := writeFinding(out, f); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the findings as a JSON list, one object per RUN")
	return cmd
}

// writeFindingsJSON prints the findings as one indented JSON list (a run with no
// diagnosis has empty lists, not nulls: doctor.Examine makes them so).
func writeFindingsJSON(w io.Writer, fs []doctor.Finding) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(fs)
}

// writeFinding prints one run's finding: what was logged, each diagnosis made now
// with whether the run recorded it, those the run recorded that its metrics do not
// make again (a state a checkpoint refused), and the best checkpoint.
func writeFinding(w io.Writer, f doctor.Finding) error {
	fmt.Fprintf(w, "run: %s\n", f.Dir)
	logged := fmt.Sprintf("%d lines of metrics.jsonl", f.Lines)
	if f.Lines > 0 {
		logged += fmt.Sprintf(", up to step %d of train.steps %d", f.LastStep, f.Steps)
	}
	if f.Damaged > 0 {
		logged += fmt.Sprintf(" (%d damaged lines passed over)", f.Damaged)
	}
	fmt.Fprintf(w, "logged: %s\n", logged)
	if f.Checkpoint > 0 {
		fmt.Fprintf(w, "checkpoint: step %d, the newest that reads back whole\n", f.Checkpoint)
	} else {
		fmt.Fprintln(w, "checkpoint: none that reads back")
	}
	if len(f.Eval) > 0 {
		fmt.Fprintf(w, "evaluation: %s\n", evalSummary(f.Eval))
	}
	for _, warn := range f.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}
	var only []rundir.Diagnosis // recorded, not made again
	for _, r := range f.Recorded {
		if !slices.ContainsFunc(f.Now, func(d rundir.Diagnosis) bool { return sameDiagnosis(d, r) }) {
			only = append(only, r)
		}
	}
	n := len(f.Now) + len(only)
	if n == 0 {
		return writeNothingFound(w, f)
	}
	k := 0
	for _, d := range f.Now {
		k++
		writeDiagnosis(w, d, k, n)
		i := slices.IndexFunc(f.Recorded, func(r rundir.Diagnosis) bool { return sameDiagnosis(d, r) })
		if i < 0 {
			fmt.Fprintf(w, "  recorded by the run: no (%s has no %s at step %d)\n", rundir.DiagnosesFile, d.Symptom, d.Step)
			continue
		}
		fmt.Fprintf(w, "  recorded by the run: yes; %s\n", actionText(f.Recorded[i].Action))
	}
	for _, d := range only {
		k++
		writeDiagnosis(w, d, k, n)
		fmt.Fprintf(w, "  recorded by the run only (%s; not made again from metrics.jsonl); %s\n", rundir.DiagnosesFile, actionText(d.Action))
	}
	writeBest(w, f)
	return nil
}

// evalSummary is the headline of a run's eval.json: FID for images, modes for a toy
// mixture.
func evalSummary(raw []byte) string {
	var r eval.Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return rundir.EvalFile + " (unreadable: " + err.Error() + ")"
	}
	s := rundir.EvalFile
	switch {
	case r.Images != nil && r.Images.FID != nil:
		s = fmt.Sprintf("FID %.2f on %d samples", *r.Images.FID, r.Images.N)
	case r.Modes != nil:
		s = fmt.Sprintf("%d of %d modes, %.1f%% high-quality", r.Modes.Modes, r.ModeCount, 100*r.Modes.HQ)
	default:
		return s
	}
	if r.Step > 0 {
		s += fmt.Sprintf(" at step %d", r.Step)
	}
	return s + " (" + rundir.EvalFile + ")"
}

// sameDiagnosis says whether two diagnoses are one: the same symptom at the same step.
func sameDiagnosis(a, b rundir.Diagnosis) bool { return a.Symptom == b.Symptom && a.Step == b.Step }

func writeDiagnosis(w io.Writer, d rundir.Diagnosis, k, n int) {
	fmt.Fprintf(w, "finding %d of %d: %s at step %d, since step %d\n", k, n, d.Symptom, d.Step, d.Since)
	fmt.Fprintf(w, "  seen: %s\n", d.Seen)
	for i, t := range d.Tips {
		fmt.Fprintf(w, "  tip %d: %s\n", i+1, t.Text)
		if t.Set != "" {
			fmt.Fprintf(w, "    set: %s\n", t.Set)
		}
		if t.Evidence != "" {
			fmt.Fprintf(w, "    measured in: %s\n", t.Evidence)
		}
	}
}

// actionText says what training did about a recorded diagnosis.
func actionText(action string) string {
	if action == "" {
		return "action: none, training went on"
	}
	return "action: " + action
}

func writeBest(w io.Writer, f doctor.Finding) {
	if f.Best == nil {
		return
	}
	fmt.Fprintf(w, "best checkpoint: step %d, proxy FID %.2f on %d samples: %s\n",
		f.Best.Step, f.Best.FID, f.Best.Samples, f.Best.File(f.Dir))
}

// writeNothingFound says plainly that nothing was found, which symptoms were checked,
// and which of them the run logged no signal for.
func writeNothingFound(w io.Writer, f doctor.Finding) error {
	if f.Lines == 0 {
		fmt.Fprintln(w, "nothing found: metrics.jsonl has no lines yet, so there is nothing to judge")
	} else {
		fmt.Fprintf(w, "nothing found: no symptom shows in the %d logged lines\n", f.Lines)
	}
	var checked, off []string
	for _, s := range doctor.Symptoms() {
		if slices.Contains(f.Checked, s) {
			checked = append(checked, string(s))
		} else {
			off = append(off, string(s))
		}
	}
	fmt.Fprintf(w, "checked: %s\n", strings.Join(checked, ", "))
	if len(off) > 0 {
		fmt.Fprintf(w, "not checked (doctor.off): %s\n", strings.Join(off, ", "))
	}
	for _, s := range f.Checked {
		if why, ok := f.Unjudged[s]; ok {
			fmt.Fprintf(w, "%s: %s\n", s, why)
		}
	}
	writeBest(w, f)
	return nil
}
