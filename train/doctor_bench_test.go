package train

import (
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/testutil"
)

// BenchmarkDoctorCost trains the dcgan-fmnist preset for 1,000 iterations on 1,000
// embedded images (so that the held-out measure has images past data.limit) with the
// doctor at its defaults, and reports the doctor's share of the iterations' wall
// time per iteration (Timing.Doctor over the run: its measures every doctor.every
// steps, their graphs' compiling included, and the detectors at every logged line)
// against an iteration's mean time, as doctor_%; issue 21 asks for at most 2. docs/results.md §10 quotes it.
//
//	go test ./train -run '^$' -bench DoctorCost -benchtime 1x -timeout 0
func BenchmarkDoctorCost(b *testing.B) {
	cfg, err := config.FromPreset("dcgan-fmnist")
	if err != nil {
		b.Fatal(err)
	}
	cfg.Data.Limit = 1000
	cfg.Train.Steps, cfg.Train.SampleEvery, cfg.Train.CheckpointEvery = 1000, 0, 0
	be := testutil.Backend(b, "cpu")
	for range b.N {
		res, err := Run(cfg, Options{RunDir: b.TempDir(), Backend: be})
		if err != nil {
			b.Fatal(err)
		}
		tm := res.Timing
		iter := tm.StepSec(res.Steps)                   // an iteration's mean time after the first
		doc := tm.Doctor.Seconds() / float64(res.Steps) // the doctor's time per iteration
		b.ReportMetric(100*doc/iter, "doctor_%")
		b.ReportMetric(1000*iter, "ms/iter")
		b.ReportMetric(1000*doc, "doctor_ms/iter")
	}
}
