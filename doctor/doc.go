// Package doctor reads a training run's signals and says what went wrong: each
// detector watches the statistics a run logs (metrics.jsonl's lines, plus a few cheap
// ones the trainer adds for it, named in signals.go) and, when its symptom shows,
// returns a run.Diagnosis with what it saw, since when, and the tips that treat it,
// each with the docs/results.md table that measured the tip.
//
// The same detectors run inside gankit train, at every logged step, and in gankit
// doctor RUN over a run's files (Examine): a run's diagnoses can always be made again
// from what it logged. Every detector's definition and thresholds are in its file and
// in docs/definitions.md ("The training doctor").
package doctor
