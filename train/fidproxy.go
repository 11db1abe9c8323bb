package train

import (
	"fmt"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/doctor"
	"github.com/gankit/gankit/metrics"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/gankit/gankit/run"
	"github.com/gankit/gankit/sample"
	"github.com/gomlx/gomlx/backends"
)

// streamDoctorFID are the fixed latents of the proxy FID's samples (not evaluation's,
// 1<<43: the best checkpoint is not chosen on the samples gankit eval measures).
const streamDoctorFID = 1 << 45

// fidProxy is the doctor's opt-in quality proxy (doctor.fid_every): FID between the
// committed feature network's embeddings of doctor.fid_samples training images and
// as many samples of G on fixed latents (metrics.FID), every fid_every steps. The
// best one's checkpoint is recorded in best.json and never pruned.
type fidProxy struct {
	every int
	gen   *sample.Generator
	z     []float32 // fid_samples latents
	embed *featnet.Embedder
	model *featnet.Model
	real  metrics.Features
	best  run.Best // the best so far (Step 0: none)
	due   *run.Best
}

func newFIDProxy(b backends.Backend, cfg config.Config, src data.Source, gen *sample.Generator, runDir string) (*fidProxy, error) {
	d := cfg.Doctor
	if d.FIDEvery <= 0 {
		return nil, nil
	}
	fm, err := featnet.FashionMNIST()
	if err != nil {
		return nil, err
	}
	sh, ok := src.(*data.Shuffled)
	if !ok || fm.Shape != src.Shape() {
		return nil, fmt.Errorf("doctor.fid_every: the proxy FID's feature network (the committed Fashion-MNIST one) takes %v images, the data are %v; set doctor.fid_every=0", fm.Shape, src.Shape())
	}
	e, err := featnet.NewEmbedder(b, fm, 500)
	if err != nil {
		return nil, err
	}
	p := &fidProxy{every: d.FIDEvery, gen: gen, embed: e, model: fm,
		z: sample.Latents(cfg.Train.Seed, streamDoctorFID, d.FIDSamples, cfg.Model.ZDim)}
	imgs, err := someImages(sh.Data, min(d.FIDSamples, sh.Data.Len()), cfg.Train.Seed)
	if err != nil {
		return nil, fmt.Errorf("the proxy FID's real images: %w", err)
	}
	if p.real, err = p.features(imgs); err != nil {
		return nil, err
	}
	// A best made otherwise (another sample count or network) is no bar: FID depends
	// on both.
	if b, ok, err := run.ReadBest(runDir); err != nil {
		return nil, err
	} else if ok && b.Samples == p.real.N && b.FeatureNet == fm.Hash() {
		p.best = b
	}
	return p, nil
}

func (p *fidProxy) features(x []float32) (metrics.Features, error) {
	f, _, err := p.embed.Run(x)
	if err != nil {
		return metrics.Features{}, err
	}
	return metrics.NewFeatures(f, len(f)/featnet.Width, featnet.Width)
}

// measure adds the proxy FID to m when step is due, and notes a new best, whose
// checkpoint the loop then writes (bestDue).
func (p *fidProxy) measure(m *Metrics, step int) error {
	if step%p.every != 0 {
		return nil
	}
	x, err := p.gen.Run(p.z)
	if err != nil {
		return fmt.Errorf("doctor: the proxy FID's samples: %w", err)
	}
	if !allFinite(x) {
		return &nonFiniteSignal{"the proxy FID's samples"}
	}
	fake, err := p.features(x)
	if err != nil {
		return err
	}
	fid, err := metrics.FID(p.real, fake)
	if err != nil {
		return fmt.Errorf("doctor: proxy FID at step %d: %w", step, err)
	}
	m.Set(doctor.SignalFID, fid)
	if p.best.Step == 0 || fid < p.best.FID {
		p.due = &run.Best{Step: step, FID: fid, Samples: p.real.N, FeatureNet: p.model.Hash()}
	}
	return nil
}
