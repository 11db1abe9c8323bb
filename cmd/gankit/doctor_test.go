package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/doctor"
	rundir "github.com/gankit/gankit/run"
)

// The doctor's runs are written by hand: a config.yaml of the tiny preset made 3,000
// steps long (so that no detector's warm-up is cut to a tenth of a 30-step run) and
// logging every 10 steps, and 30 lines of metrics.jsonl, steps 10 to 300, as a run still
// training has them. No training: each test takes milliseconds.

// doctorStream is 30 logged lines; stalled ones stay at their first values with
// noise of 1e-4, moving ones go as a healthy run's do (loss_d down from 1.4, loss_g
// up from 0.7, D's outputs parting). extra fields are set on every line.
func doctorStream(stalled bool, extra map[string]float64) []rundir.Metrics {
	var ms []rundir.Metrics
	for i := 1; i <= 30; i++ {
		f := float64(i) / 30
		if stalled {
			f = 0
		}
		noise := 1e-4 * float64((7*i)%5-2) // -2e-4 .. 2e-4, the same stream every time
		m := rundir.Metrics{Step: 10 * i, LossD: 1.4 - 0.8*f + noise, LossG: 0.7 + 1.5*f - noise,
			DReal: 0.5 + 0.2*f + noise, DFake: 0.5 - 0.2*f - noise, DAccReal: 0.5 + 0.3*f, DAccFake: 0.5 + 0.3*f,
			GradNormD: 1 + noise, GradNormG: 1 - noise, SecPerStep: 0.01}
		for k, v := range extra {
			m.Set(k, v)
		}
		ms = append(ms, m)
	}
	return ms
}

// doctorRun writes a run directory with the stream (and the given config changes);
// files are extra files by name (diagnoses.jsonl, best.json).
func doctorRun(t *testing.T, ms []rundir.Metrics, files map[string]string, sets ...string) string {
	t.Helper()
	dir := configOnlyRun(t, "tiny", append([]string{"train.steps=3000", "train.log_every=10"}, sets...)...)
	var b bytes.Buffer
	for _, m := range ms {
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(append(line, '\n'))
	}
	files = mapsWith(files, rundir.MetricsFile, b.String())
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func mapsWith(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range m {
		out[key] = val
	}
	return out
}

// gankitDoctor runs gankit doctor with args and returns what it printed.
func gankitDoctor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(append([]string{"doctor"}, args...))
	err := root.Execute()
	return out.String(), err
}

// doctorJSON runs gankit doctor --json and decodes its list.
func doctorJSON(t *testing.T, dirs ...string) []doctor.Finding {
	t.Helper()
	out, err := gankitDoctor(t, append([]string{"--json"}, dirs...)...)
	if err != nil {
		t.Fatalf("gankit doctor --json: %v", err)
	}
	var fs []doctor.Finding
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatalf("gankit doctor --json printed no JSON list: %v\n%s", err, out)
	}
	return fs
}

func symptomsOf(ds []rundir.Diagnosis) []string {
	out := []string{}
	for _, d := range ds {
		out = append(out, string(d.Symptom))
	}
	return out
}

// stalledDiagnosis is the doctor's diagnosis of the stalled stream under the
// doctorRun config, as package doctor makes it (its own tests hold its thresholds):
// the CLI tests check what gankit doctor shows of it. It must be one stalled
// diagnosis, since step 1, made within the 300 logged steps, whose first tip sets
// both learning rates.
func stalledDiagnosis(t *testing.T) rundir.Diagnosis {
	t.Helper()
	cfg, err := rundir.ReadConfig(doctorRun(t, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := doctor.OptionsFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds := doctor.Diagnose(doctorStream(true, nil), opt)
	if len(ds) != 1 || ds[0].Symptom != doctor.Stalled || ds[0].Since != 1 || ds[0].Step < 30 || ds[0].Step > 300 ||
		len(ds[0].Tips) == 0 || !strings.HasPrefix(ds[0].Tips[0].Set, "--set train.lr_d=") || !strings.Contains(ds[0].Tips[0].Set, "--set train.lr_g=") {
		t.Fatalf("the doctor's diagnoses of the stalled stream: %v; want one stalled since step 1 within steps 30-300, its first tip setting both learning rates", ds)
	}
	return ds[0]
}

// TestDoctorNamesAStalledRunAndNothingInAHealthyOne: a stream in which nothing moves
// is diagnosed stalled since step 1, with what was seen, its tip's --set and
// evidence, in the text and in --json; a stream that moves is diagnosed with
// nothing, and the text says which symptoms were checked and which had no signal to
// judge; a stream that logs the diversity and the data wait is judged on them.
func TestDoctorNamesAStalledRunAndNothingInAHealthyOne(t *testing.T) {
	st := stalledDiagnosis(t)
	tip := st.Tips[0]
	for _, tc := range []struct {
		name     string
		stalled  bool
		extra    map[string]float64
		sets     []string
		symptoms []string // in --json's diagnoses
		want     []string // in the text
		absent   []string
	}{
		{name: "stalled", stalled: true, symptoms: []string{"stalled"}, want: []string{
			"logged: 30 lines of metrics.jsonl, up to step 300 of train.steps 3000\n",
			fmt.Sprintf("finding 1 of 1: stalled at step %d, since step 1\n", st.Step),
			fmt.Sprintf("  seen: nothing has moved from its initial value by step %d: loss_d 1.4 (1.4 at the start)", st.Step),
			"  tip 1: " + tip.Text + "\n",
			"    set: " + tip.Set + "\n",
			"    measured in: " + tip.Evidence + "\n",
			fmt.Sprintf("  recorded by the run: no (diagnoses.jsonl has no stalled at step %d)\n", st.Step),
		}, absent: []string{"nothing found", "best checkpoint"}},
		{name: "healthy", symptoms: []string{}, want: []string{
			"nothing found: no symptom shows in the 30 logged lines\n",
			"checked: divergence, d_wins, d_overfits, mode_collapse, stalled, worsening, input_bound\n",
			"d_overfits: judged on r_t alone: the run logged no held-out gap (doctor_heldout_gap;",
			"mode_collapse: not judged: the run logged no diversity (doctor_diversity or doctor_modes;",
			"worsening: not judged: the run logged no proxy FID (doctor_fid; doctor.fid_every)\n",
			"input_bound: not judged: the run logged no data wait (doctor_data_wait)\n",
		}, absent: []string{"finding 1", "doctor.off"}},
		{name: "healthy with diversity and data wait", extra: map[string]float64{doctor.SignalDiversity: 0.9, doctor.SignalDataWait: 0.01},
			symptoms: []string{}, want: []string{"nothing found", "worsening: not judged"},
			absent: []string{"mode_collapse: not judged", "input_bound: not judged"}},
		{name: "stalled with stalled off", stalled: true, sets: []string{"doctor.off=[stalled]"}, symptoms: []string{}, want: []string{
			"checked: divergence, d_wins, d_overfits, mode_collapse, worsening, input_bound\n",
			"not checked (doctor.off): stalled\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := doctorRun(t, doctorStream(tc.stalled, tc.extra), nil, tc.sets...)
			out, err := gankitDoctor(t, dir)
			if err != nil {
				t.Fatalf("gankit doctor: %v", err)
			}
			if !strings.HasPrefix(out, "run: "+dir+"\n") {
				t.Errorf("the text does not start with the run's dir %s:\n%s", dir, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the text lacks %q:\n%s", w, out)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("the text has %q:\n%s", a, out)
				}
			}
			fs := doctorJSON(t, dir)
			if len(fs) != 1 {
				t.Fatalf("--json: %d findings, want 1", len(fs))
			}
			f := fs[0]
			if got := symptomsOf(f.Now); !slices.Equal(got, tc.symptoms) {
				t.Errorf("--json diagnoses: %q, want %q", got, tc.symptoms)
			}
			if f.Dir != dir || f.Steps != 3000 || f.LastStep != 300 || f.Lines != 30 || f.Damaged != 0 || f.Best != nil {
				t.Errorf("--json: run %q, steps %d, last step %d, %d lines, %d damaged, best %v; want %q, 3000, 300, 30, 0, none",
					f.Dir, f.Steps, f.LastStep, f.Lines, f.Damaged, f.Best, dir)
			}
			if tc.stalled && len(f.Now) == 1 {
				if d := f.Now[0]; d.Step != st.Step || d.Since != 1 || d.Seen != st.Seen || len(d.Tips) == 0 || d.Tips[0] != tip {
					t.Errorf("--json diagnosis: %+v, want %+v", d, st)
				}
			}
		})
	}
}

// TestDoctorJSONHasEmptyListsNotNulls: a script reading --json finds lists where a
// run has no diagnosis.
func TestDoctorJSONHasEmptyListsNotNulls(t *testing.T) {
	dir := doctorRun(t, doctorStream(false, nil), nil)
	out, err := gankitDoctor(t, "--json", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"diagnoses": []`, `"recorded": []`} {
		if !strings.Contains(out, w) {
			t.Errorf("--json lacks %s:\n%s", w, out)
		}
	}
}

// TestDoctorShowsWhatTheRunRecordedAndItsBest: a diagnosis made again from the
// metrics that the run also recorded says so with its action; one only the run
// recorded (a divergence that a checkpoint refused, say) is listed as such with its
// action; best.json names the checkpoint's step, FID and path, and eval.json's FID is
// shown; a run without checkpoints says it has none.
func TestDoctorShowsWhatTheRunRecordedAndItsBest(t *testing.T) {
	st := stalledDiagnosis(t)
	recorded := []rundir.Diagnosis{
		{Step: st.Step, Since: 1, Symptom: doctor.Stalled, Seen: "nothing has moved", Tips: []rundir.Tip{{Text: "check the learning rates"}}},
		{Step: 300, Since: 300, Symptom: doctor.Divergence, Seen: "checkpoint: weight g/dense/weights is NaN",
			Tips:   []rundir.Tip{{Text: "lower both learning rates 2x", Set: "--set train.lr_d=0.0001 --set train.lr_g=0.0001", Evidence: "docs/results.md §10"}},
			Action: "stopped"},
	}
	var lines strings.Builder
	for _, d := range recorded {
		b, _ := json.Marshal(d)
		lines.Write(append(b, '\n'))
	}
	lines.WriteString("{not a diagnosis\n")
	best := `{"step": 200, "fid": 41.5, "samples": 2000, "feature_net_sha256": "abc"}`
	ev := `{"generated": "run", "step": 300, "images": {"n": 5000, "feature_net_sha256": "abc", "fid": 31.5}}`
	dir := doctorRun(t, doctorStream(true, nil), map[string]string{rundir.DiagnosesFile: lines.String(), rundir.BestFile: best, rundir.EvalFile: ev})
	out, err := gankitDoctor(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		"checkpoint: none that reads back\n",
		"evaluation: FID 31.50 on 5000 samples at step 300 (eval.json)\n",
		fmt.Sprintf("finding 1 of 2: stalled at step %d, since step 1\n", st.Step),
		"  recorded by the run: yes; action: none, training went on\n",
		"finding 2 of 2: divergence at step 300, since step 300\n",
		"  seen: checkpoint: weight g/dense/weights is NaN\n",
		"    set: --set train.lr_d=0.0001 --set train.lr_g=0.0001\n",
		"  recorded by the run only (diagnoses.jsonl; not made again from metrics.jsonl); action: stopped\n",
		"best checkpoint: step 200, proxy FID 41.50 on 2000 samples: " + rundir.CheckpointPath(dir, 200) + "\n",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the text lacks %q:\n%s", w, out)
		}
	}
	f := doctorJSON(t, dir)[0]
	if got := symptomsOf(f.Recorded); !slices.Equal(got, []string{"stalled", "divergence"}) {
		t.Errorf("--json recorded: %q, want [stalled divergence] (the damaged line passed over)", got)
	}
	if f.Best == nil || f.Best.Step != 200 || f.Best.FID != 41.5 || f.Best.Samples != 2000 {
		t.Errorf("--json best: %+v, want step 200, FID 41.5, 2000 samples", f.Best)
	}
}

// TestDoctorExaminesEveryRunInOrder: two runs, two findings in the order given, in
// the text and in --json.
func TestDoctorExaminesEveryRunInOrder(t *testing.T) {
	healthy := doctorRun(t, doctorStream(false, nil), nil)
	stalled := doctorRun(t, doctorStream(true, nil), nil)
	out, err := gankitDoctor(t, healthy, stalled)
	if err != nil {
		t.Fatal(err)
	}
	h, s := strings.Index(out, "run: "+healthy+"\n"), strings.Index(out, "run: "+stalled+"\n")
	if h != 0 || s < 0 || !strings.Contains(out[h:s], "nothing found") || !strings.Contains(out[s:], "finding 1 of 1: stalled at step") {
		t.Errorf("want the healthy run (nothing found) then the stalled one:\n%s", out)
	}
	fs := doctorJSON(t, healthy, stalled)
	if len(fs) != 2 || fs[0].Dir != healthy || fs[1].Dir != stalled || len(fs[0].Now) != 0 || len(fs[1].Now) != 1 {
		t.Errorf("--json: %+v, want the healthy run with no diagnosis, then the stalled one with one", fs)
	}
}

// TestDoctorRefusesWhatIsNotARun: a missing directory, a directory without
// config.yaml and a run without metrics.jsonl are errors naming the directory and
// what is wrong; nothing is printed for the good run given with them.
func TestDoctorRefusesWhatIsNotARun(t *testing.T) {
	good := doctorRun(t, doctorStream(false, nil), nil)
	missing := filepath.Join(t.TempDir(), "no-such-run")
	empty := t.TempDir()
	noMetrics := configOnlyRun(t, "tiny")
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{missing, []string{missing, "no such file or directory"}},
		{empty, []string{empty + " is not a gankit run", "config.yaml"}},
		{noMetrics, []string{"run " + noMetrics, "metrics.jsonl"}},
	} {
		out, err := gankitDoctor(t, good, tc.dir)
		if err == nil {
			t.Errorf("gankit doctor %s: accepted, printed:\n%s", tc.dir, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("gankit doctor %s: error %q lacks %q", tc.dir, err, w)
			}
		}
		if out != "" {
			t.Errorf("gankit doctor %s: printed before refusing:\n%s", tc.dir, out)
		}
	}
	if _, err := gankitDoctor(t); err == nil {
		t.Error("gankit doctor with no RUN: accepted")
	}
}

// TestDoctorHelpListsEverySymptom: --help has one line per symptom the doctor checks,
// and examples.
func TestDoctorHelpListsEverySymptom(t *testing.T) {
	cmd := doctorCmd()
	for _, s := range doctor.Symptoms() {
		if !strings.Contains(cmd.Long, "\n  "+string(s)+" ") {
			t.Errorf("gankit doctor --help has no line for %s", s)
		}
	}
	if !strings.Contains(cmd.Example, "gankit doctor ") {
		t.Errorf("gankit doctor --help has no example: %q", cmd.Example)
	}
}

// TestDoctorEvalSummaryGivesTheHeadlineFigure: FID for images, modes for a toy
// mixture, the file's name otherwise, and an unreadable eval.json says so.
func TestDoctorEvalSummaryGivesTheHeadlineFigure(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`{"step": 1200, "images": {"n": 10000, "fid": 23.456}}`, "FID 23.46 on 10000 samples at step 1200 (eval.json)"},
		{`{"mode_count": 25, "mode_coverage": {"modes": 23, "hq": 0.8125, "reverse_kl": 0.1}}`, "23 of 25 modes, 81.2% high-quality (eval.json)"},
		{`{"images": {"n": 10000, "precision": 0.5}}`, "eval.json"},
		{`{"step": "ten"}`, "eval.json (unreadable: "},
	} {
		if got := evalSummary([]byte(tc.raw)); !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(tc.want, ": ") && got != tc.want {
			t.Errorf("evalSummary(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestDoctorOfATrainedTinyRunMatchesWhatTrainingRecorded trains the tiny preset (a
// few seconds) and examines it: the newest checkpoint is step 30's, and every
// diagnosis gankit doctor makes again from metrics.jsonl is one the run recorded
// while it trained, and the other way round, as the same detectors ran over the
// same lines.
func TestDoctorOfATrainedTinyRunMatchesWhatTrainingRecorded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	if err := run(t, "train", "--preset", "tiny", "--out", dir); err != nil {
		t.Fatal(err)
	}
	out, err := gankitDoctor(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"run: " + dir + "\n", "logged: 6 lines of metrics.jsonl, up to step 30 of train.steps 30\n",
		"checkpoint: step 30, the newest that reads back whole\n"} {
		if !strings.Contains(out, w) {
			t.Errorf("the text lacks %q:\n%s", w, out)
		}
	}
	f := doctorJSON(t, dir)[0]
	if f.Checkpoint != 30 || f.Lines != 6 {
		t.Errorf("--json: checkpoint %d, %d lines; want 30, 6", f.Checkpoint, f.Lines)
	}
	if !reflect.DeepEqual(f.Now, f.Recorded) {
		t.Errorf("made again from metrics.jsonl:\n%v\nrecorded by training:\n%v", f.Now, f.Recorded)
	}
	if strings.Contains(out, "recorded by the run: no") || strings.Contains(out, "recorded by the run only") {
		t.Errorf("the text has a diagnosis only one side made:\n%s", out)
	}
}
