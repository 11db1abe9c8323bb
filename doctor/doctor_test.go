package doctor

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/run"
)

// want is what a test expects of one diagnosis.
type want struct {
	symptom     run.Symptom
	since, step int
}

// checkDiagnoses fails unless got are exactly the diagnoses of want, in order, each
// with what it saw and its tips.
func checkDiagnoses(t *testing.T, got []run.Diagnosis, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%d diagnoses, want %d %v:\n%s", len(got), len(wants), wants, lines(got))
	}
	for i, w := range wants {
		g := got[i]
		if g.Symptom != w.symptom || g.Since != w.since || g.Step != w.step {
			t.Errorf("diagnosis %d is %s since %d at step %d, want %s since %d at step %d:\n%s",
				i, g.Symptom, g.Since, g.Step, w.symptom, w.since, w.step, g)
		}
		if g.Seen == "" || len(g.Tips) == 0 {
			t.Errorf("diagnosis %d says nothing of what it saw or what to do: %+v", i, g)
		}
	}
}

func lines(ds []run.Diagnosis) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString("  " + d.String() + "\n")
	}
	return b.String()
}

// TestHealthyStreamsGiveNoDiagnosis: a healthy run of each kind, and streams that come
// near a threshold without passing it (one measurement fewer than a symptom needs, a
// jump under the explosion factor), give no diagnosis.
func TestHealthyStreamsGiveNoDiagnosis(t *testing.T) {
	for _, tc := range []struct {
		name   string
		steps  int // Options.Steps
		stream []run.Metrics
	}{
		{"images with held-out images", runSteps, images(6000).lines()},
		{"images without held-out images", runSteps, spec{last: 6000, noHeldOut: true}.lines()},
		{"ADA without held-out images", runSteps, spec{last: 6000, noHeldOut: true, ada: true}.lines()},
		{"toy mixture", runSteps, spec{last: 6000, toy: true}.lines()},
		{"a short run", 1000, images(1000).lines()},
		{"train.steps unknown", 0, images(6000).lines()},
		{"losses flat at an equilibrium while the weights move (R1 on a toy)", runSteps, func() []run.Metrics {
			ms := spec{last: 4000, flat: true}.lines()
			setFrom(ms, 200, 4000, SignalMoved, 0.01)
			return ms
		}()},
		{"loss_d jumps half the explosion factor", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, 2000, 4000, "loss_d", explodeFactor/2*valueAt(t, ms, 1990, "loss_d"))
			return ms
		}()},
		{"a small grad_norm_g jumps 2 explosion factors, by under explodeFloor", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, logEvery, 1990, "grad_norm_g", 0.01)
			setFrom(ms, 2000, 4000, "grad_norm_g", 0.01*2*explodeFactor)
			return ms
		}()},
		{"grad_norm_d spiking 1000x for two lines (an explosion lasts three)", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, 2000, 2010, "grad_norm_d", 1000*valueAt(t, ms, 1990, "grad_norm_d"))
			return ms
		}()},
		{"held-out gap high one measurement too few", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, 3000, 3000+(overfitRepeat-2)*measureEvery, SignalHeldOutGap, overfitGap+0.1)
			return ms
		}()},
		{"diversity low one measurement too few", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, 3000, 3000+(collapseRepeat-2)*measureEvery, SignalDiversity, collapseDiversity*0.4)
			return ms
		}()},
		{"proxy FID up one measurement too few", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			best := valueAt(t, ms, 2500, SignalFID)
			setFrom(ms, 3000, 3000+(worseRepeat-2)*fidEvery, SignalFID, best*(1+2*worseRel)+2*worseAbs)
			return ms
		}()},
		{"proxy FID up but under worseAbs points", runSteps, func() []run.Metrics {
			// A low FID: 1.5 times its best is still fewer than worseAbs points over it.
			ms := images(4000).lines()
			for i := range ms {
				if v, ok := ms[i].Get(SignalFID); ok {
					ms[i].Set(SignalFID, v/10)
				}
			}
			best := valueAt(t, ms, 2500, SignalFID)
			setFrom(ms, 3000, 4000, SignalFID, best*(1+2*worseRel))
			return ms
		}()},
		{"data wait high one line too few", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, 1500, 1500+(inputRepeat-2)*logEvery, SignalDataWait, inputShare+0.2)
			return ms
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: tc.steps}), nil)
		})
	}
}

// symptomCase is a stream with one symptom, and the diagnoses it must give.
type symptomCase struct {
	name   string
	steps  int // Options.Steps
	stream []run.Metrics
	want   []want
}

// symptomCases are a stream for each symptom (several for some), each to step 4000
// of a 10,000-step run, the symptom lasting to its end unless said. The expected
// steps, by hand:
//
//   - divergence: at the first line that holds the NaN or infinity: Since = Step =
//     that line; or, for a loss 1000 times the running median (over explodeFactor =
//     50 times it, and over explodeFloor points above it), Since = the first such
//     line and Step = the explodeRepeat-th (3) in a row, 20 steps later.
//   - d_wins: the warm-up is min(dWinsWarmup, 10,000/10) = 500 steps, so the lines
//     are kept from 510, and the window of dWinsWindow = 300 steps (30 lines, (m-300, m])
//     is first full at 810. With k lines at 0.99 and 30-k healthy ones (~0.65 real,
//     ~0.62 fake, +-0.005) the fake side's mean is at least dWinsAccuracy = 0.95 when
//     k = 27 (26.73 + 3*0.62 = 28.59 >= 28.5), not when k = 26 (25.74 + 4*0.62 = 28.22
//     < 28.5), and the real side's sooner: with 0.99 from step 610, k = 27 at step
//     870, whose window (570, 870] starts at the line of 580.
//   - d_overfits, held-out gap over overfitGap from step 3000 (measured every 100):
//     the overfitRepeat = 3rd measurement in a row is 3200, Since the first, 3000.
//   - d_overfits, r_t = 2 d_acc_real - 1 = 0.98 from step 1010 against a healthy 0.3
//     (+-0.01): the window's mean reaches overfitRT = 0.9 when k = 27 lines are high
//     (26.46 + 3*0.29 >= 27), not k = 26 (25.48 + 4*0.31 < 27): step 1270, window from
//     980. With ADA, ada_rt = 0.98 against a healthy 0.6: k = 24 (23.52 + 6*0.595 >=
//     27; k = 23: 22.54 + 7*0.605 < 27): step 1240, window from 950.
//   - mode_collapse: the warm-up is a quarter of the run, at most collapseWarmup:
//     2500; low from step 3000, measured every 100: the collapseRepeat = 3rd low one
//     is 3200, Since 3000.
//   - stalled: with the probes, judged at their second measure, where the weights'
//     change is first logged: step 200. Without them, judged once, at the first line at or
//     after stalledAfter = 100 steps (whatever the run's length) whose last
//     stalledLines = 3 lines are not its first three (10-30): step 100. Since is the
//     run's start, step 1.
//   - worsening: the best FID is step 2500's; up from 3000, measured every 500: the
//     worseRepeat = 2nd in a row is 3500, Since 3000.
//   - input_bound: waiting from step 1500, every line: the inputRepeat = 5th line in
//     a row is 1540, Since 1500.
func symptomCases(t *testing.T) []symptomCase {
	edit := func(s spec, f func(ms []run.Metrics)) []run.Metrics {
		ms := s.lines()
		f(ms)
		return ms
	}
	dWinsFrom := func(ms []run.Metrics, from, to int) {
		setFrom(ms, from, to, "d_acc_real", 0.99)
		setFrom(ms, from, to, "d_acc_fake", 0.99)
		setFrom(ms, from, to, "d_real", 0.95)
		setFrom(ms, from, to, "d_fake", 0.05)
	}
	// worseFrom raises the FID from step from to to, well over both of the
	// thresholds against the FID at step best.
	worseFrom := func(ms []run.Metrics, best, from, to int) {
		setFrom(ms, from, to, SignalFID, valueAt(t, ms, best, SignalFID)*(1+2*worseRel)+2*worseAbs)
	}
	return []symptomCase{
		{"NaN loss_d at one line", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1230, 1230, "loss_d", math.NaN())
		}), []want{{Divergence, 1230, 1230}}},
		{"+Inf grad_norm_g from a step on", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1230, 4000, "grad_norm_g", math.Inf(1))
		}), []want{{Divergence, 1230, 1230}}},
		{"NaN d_fake", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 2510, 4000, "d_fake", math.NaN())
		}), []want{{Divergence, 2510, 2510}}},
		{"loss_d exploding 1000x", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 2000, 4000, "loss_d", 1000*valueAt(t, ms, 1990, "loss_d"))
		}), []want{{Divergence, 2000, 2000 + (explodeRepeat-1)*logEvery}}},
		{"grad_norm_d exploding 1000x", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 3000, 4000, "grad_norm_d", 1000*valueAt(t, ms, 2990, "grad_norm_d"))
		}), []want{{Divergence, 3000, 3000 + (explodeRepeat-1)*logEvery}}},
		{"D right on 99% of both batches for 1000 steps after 600", runSteps, edit(images(4000), func(ms []run.Metrics) {
			dWinsFrom(ms, 610, 1600)
		}), []want{{DWins, 580, 870}}},
		{"held-out gap over the threshold", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 3000, 4000, SignalHeldOutGap, overfitGap+0.1)
			setFrom(ms, 3000, 4000, SignalRTrain, 0.95)
		}), []want{{DOverfits, 3000, 3200}}},
		{"r_t high without held-out images", runSteps, edit(spec{last: 4000, noHeldOut: true}, func(ms []run.Metrics) {
			setFrom(ms, 1010, 4000, "d_acc_real", 0.99)
		}), []want{{DOverfits, 980, 1270}}},
		{"ADA's r_t high without held-out images", runSteps, edit(spec{last: 4000, noHeldOut: true, ada: true}, func(ms []run.Metrics) {
			setFrom(ms, 1010, 4000, "ada_rt", 0.98)
		}), []want{{DOverfits, 950, 1240}}},
		{"diversity collapsing", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 3000, 4000, SignalDiversity, collapseDiversity*0.4)
		}), []want{{ModeCollapse, 3000, 3200}}},
		{"toy mode coverage falling", runSteps, edit(spec{last: 4000, toy: true}, func(ms []run.Metrics) {
			setFrom(ms, 3000, 4000, SignalModes, collapseModes*0.6)
		}), []want{{ModeCollapse, 3000, 3200}}},
		{"everything flat at its first value (lr 0)", runSteps, spec{last: 4000, flat: true}.lines(),
			[]want{{Stalled, 1, 200}}},
		{"everything flat in a 1000-step run", 1000, spec{last: 1000, flat: true}.lines(),
			[]want{{Stalled, 1, 200}}},
		{"everything flat, without the doctor's probes", runSteps, spec{last: 4000, flat: true, noProbes: true}.lines(),
			[]want{{Stalled, 1, 100}}},
		{"proxy FID falling then rising", runSteps, edit(images(4000), func(ms []run.Metrics) {
			worseFrom(ms, 2500, 3000, 4000)
		}), []want{{Worsening, 3000, 3500}}},
		{"waiting for data", runSteps, edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1500, 4000, SignalDataWait, inputShare+0.2)
		}), []want{{InputBound, 1500, 1540}}},
	}
}

// TestEachSymptomsStreamGivesExactlyItsDiagnosis: each symptom's stream gives one
// diagnosis, of that symptom, since and at the steps its definition says.
func TestEachSymptomsStreamGivesExactlyItsDiagnosis(t *testing.T) {
	seen := map[run.Symptom]bool{}
	for _, tc := range symptomCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: tc.steps}), tc.want)
		})
		seen[tc.want[0].symptom] = true
	}
	for _, s := range Symptoms() {
		if !seen[s] {
			t.Errorf("no stream has the symptom %s", s)
		}
	}
}

// TestOffSwitchesASymptomOff: with its symptom in Options.Off, a symptom's stream
// gives no diagnosis; with every other symptom off, it still gives its own.
func TestOffSwitchesASymptomOff(t *testing.T) {
	for _, tc := range symptomCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.want[0].symptom
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: tc.steps, Off: []run.Symptom{s}}), nil)
			others := slices.DeleteFunc(Symptoms(), func(o run.Symptom) bool { return o == s })
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: tc.steps, Off: others}), tc.want)
		})
	}
}

// TestASymptomThatClearsIsReportedAgain: a symptom that shows, clears and shows again
// is diagnosed twice, each time since its own onset; a divergence is diagnosed once,
// however many non-finite lines follow (the run is rolled back or stopped at the
// first). The second onsets' steps follow the first ones' by the same arithmetic
// (symptomCases); where it clears:
//   - d_wins clears when the window's fake mean falls under dWinsClear = 0.85 (at 1720:
//     18 high lines left, 0.99*18 + 0.62*12 = 25.26 < 25.5); the second run of 0.99 from 2610 fires at 2870, since 2580.
//   - d_overfits by r_t clears under overfitRT - 0.1 (at 1680 too); the second run from
//     2610 fires at 2870 (k = 27), since 2580.
//   - the held-out gap, the diversity, the data wait clear at their first measurement
//     back under the threshold; worsening at a new best (step 4000's FID, under step
//     2500's), and its second rise is judged against step 4500's best.
func TestASymptomThatClearsIsReportedAgain(t *testing.T) {
	edit := func(s spec, f func(ms []run.Metrics)) []run.Metrics {
		ms := s.lines()
		f(ms)
		return ms
	}
	for _, tc := range []struct {
		name   string
		stream []run.Metrics
		want   []want
	}{
		{"d_wins", edit(images(4000), func(ms []run.Metrics) {
			for _, span := range [][2]int{{610, 1600}, {2610, 3600}} {
				setFrom(ms, span[0], span[1], "d_acc_real", 0.99)
				setFrom(ms, span[0], span[1], "d_acc_fake", 0.99)
			}
		}), []want{{DWins, 580, 870}, {DWins, 2580, 2870}}},
		{"d_overfits by the held-out gap", edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1000, 1200, SignalHeldOutGap, overfitGap+0.1)
			setFrom(ms, 3000, 4000, SignalHeldOutGap, overfitGap+0.1)
		}), []want{{DOverfits, 1000, 1200}, {DOverfits, 3000, 3200}}},
		{"d_overfits by r_t", edit(spec{last: 4000, noHeldOut: true}, func(ms []run.Metrics) {
			setFrom(ms, 1010, 1600, "d_acc_real", 0.99)
			setFrom(ms, 2610, 4000, "d_acc_real", 0.99)
		}), []want{{DOverfits, 980, 1270}, {DOverfits, 2580, 2870}}},
		{"mode_collapse", edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 2600, 2800, SignalDiversity, collapseDiversity*0.4)
			setFrom(ms, 3400, 4000, SignalDiversity, collapseDiversity*0.4)
		}), []want{{ModeCollapse, 2600, 2800}, {ModeCollapse, 3400, 3600}}},
		{"worsening", edit(images(6000), func(ms []run.Metrics) {
			best := valueAt(t, ms, 2500, SignalFID)
			setFrom(ms, 3000, 3500, SignalFID, best*(1+2*worseRel)+2*worseAbs)
			best = valueAt(t, ms, 4500, SignalFID)
			setFrom(ms, 5000, 6000, SignalFID, best*(1+2*worseRel)+2*worseAbs)
		}), []want{{Worsening, 3000, 3500}, {Worsening, 5000, 5500}}},
		{"input_bound", edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1500, 1590, SignalDataWait, inputShare+0.2)
			setFrom(ms, 2500, 4000, SignalDataWait, inputShare+0.2)
		}), []want{{InputBound, 1500, 1540}, {InputBound, 2500, 2540}}},
		{"divergence, once", edit(images(4000), func(ms []run.Metrics) {
			setFrom(ms, 1230, 1230, "loss_d", math.NaN())
			setFrom(ms, 3000, 3000, "loss_g", math.Inf(-1))
		}), []want{{Divergence, 1230, 1230}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: runSteps}), tc.want)
		})
	}
}

// TestTheStartOfTrainingIsWaitedOut: what every GAN does at first — D separating a
// random G's samples from the data, G's samples alike, the first batches read cold —
// gives nothing while it lasts only the warm-up, which is a tenth of the run, at most
// the detector's limit (dWinsWarmup, overfitWarmup, collapseWarmup) and the limit when
// train.steps is unknown. D winning from the start on past the warm-up by a window is diagnosed: the
// lines kept from 510 fill the window at 810, all at 0.99, since 520.
func TestTheStartOfTrainingIsWaitedOut(t *testing.T) {
	dWinsTo := func(to int) []run.Metrics {
		ms := images(4000).lines()
		setFrom(ms, logEvery, to, "d_acc_real", 0.99)
		setFrom(ms, logEvery, to, "d_acc_fake", 0.99)
		return ms
	}
	for _, tc := range []struct {
		name   string
		steps  int
		stream []run.Metrics
		want   []want
	}{
		{"D wins through the warm-up", runSteps, dWinsTo(dWinsWarmup), nil},
		{"D wins through a 2000-step run's warm-up", 2000, dWinsTo(200), nil},
		{"D wins through the warm-up of a run of unknown length", 0, dWinsTo(dWinsWarmup), nil},
		{"D wins past the warm-up", runSteps, dWinsTo(1000), []want{{DWins, 520, 810}}},
		{"G's samples alike through the warm-up", runSteps, func() []run.Metrics {
			ms := images(4000).lines()
			setFrom(ms, logEvery, runSteps/10, SignalDiversity, collapseDiversity*0.4)
			return ms
		}(), nil},
		{"D sure of the real images through the warm-up, no held-out images", runSteps, func() []run.Metrics {
			ms := spec{last: 4000, noHeldOut: true}.lines()
			setFrom(ms, logEvery, overfitWarmup, "d_acc_real", 0.99)
			return ms
		}(), nil},
		// Six lines waiting: the first two (inputSkip) are not judged, and four in a
		// row are one fewer than inputRepeat.
		{"the first batches read cold", runSteps, spec{last: 4000, coldRun: 6}.lines(), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkDiagnoses(t, Diagnose(tc.stream, Options{Steps: tc.steps}), tc.want)
		})
	}
}

// TestParseSymptomsRefusesAnUnknownName: doctor.off's names are the symptoms', spaces
// around them trimmed; an unknown one (a misspelling, another case) is refused with
// the key, the name and the list of symptoms.
func TestParseSymptomsRefusesAnUnknownName(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  []run.Symptom
		err   []string // in the error; nil: accepted
	}{
		{nil, nil, nil},
		{[]string{"d_wins", " stalled "}, []run.Symptom{DWins, Stalled}, nil},
		{[]string{"divergence", "d_win"}, nil, []string{"doctor.off", `"d_win"`, "d_wins, d_overfits"}},
		{[]string{"Stalled"}, nil, []string{`"Stalled" is not a symptom`}},
	} {
		t.Run(strings.Join(tc.names, ","), func(t *testing.T) {
			got, err := ParseSymptoms("doctor.off", tc.names)
			if tc.err == nil {
				if err != nil || !slices.Equal(got, tc.want) {
					t.Fatalf("got %v, %v; want %v", got, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %v", got)
			}
			for _, s := range tc.err {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
}

// TestSymptomsIsACopy: changing what Symptoms returned changes no later answer.
func TestSymptomsIsACopy(t *testing.T) {
	s := Symptoms()
	s[0] = "changed"
	if got := Symptoms(); got[0] != Divergence || len(got) != 7 {
		t.Errorf("Symptoms after a change to a copy: %v", got)
	}
}

// TestDOverfittingIsNotAlsoDWins: D separating both batches while it tells held-out
// images from its training ones is D overfitting, diagnosed once as d_overfits (the
// gap over overfitGap measured at 700, 800, 900: at 900, since 700), not also as
// d_wins (which would be diagnosed at 870 without the held-out gap).
func TestDOverfittingIsNotAlsoDWins(t *testing.T) {
	ms := images(4000).lines()
	setFrom(ms, 610, 1600, "d_acc_real", 0.99)
	setFrom(ms, 610, 1600, "d_acc_fake", 0.99)
	setFrom(ms, 700, 4000, SignalHeldOutGap, overfitGap+0.1)
	checkDiagnoses(t, Diagnose(ms, Options{Steps: runSteps}), []want{{DOverfits, 700, 900}})
}
