package config

import (
	"fmt"
	"slices"

	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/optim"
	"gopkg.in/yaml.v3"
)

// PenaltyTerm is one item of train.penalties: a penalty on D (losses.PenaltyNames),
// its weight (lambda, or gamma) and how the weight moves over the run. In YAML an
// item is a mapping, or just the name for the published weight.
type PenaltyTerm struct {
	Name     string         `yaml:"name"`
	Weight   float64        `yaml:"weight"`   // 0 = the penalty's published weight
	Schedule optim.Schedule `yaml:"schedule"` // R3GAN decays gamma (e.g. 2 -> 0.2 on FFHQ-64, cosine)
}

// UnmarshalYAML reads an item given as a mapping, or as a bare name.
func (p *PenaltyTerm) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*p = PenaltyTerm{Name: n.Value}
		return nil
	}
	type plain PenaltyTerm // without this method
	return n.Decode((*plain)(p))
}

// weight is the term's weight, the penalty's published one unless set.
func (p PenaltyTerm) weight(pen losses.Penalty) float64 {
	if p.Weight != 0 {
		return p.Weight
	}
	return pen.DefaultWeight()
}

// Penalty is a resolved train.penalties item.
type Penalty struct {
	losses.Penalty
	Weight   float64 // the weight at step 0 of the schedule (the published one unless set)
	Schedule optim.Schedule
}

// PenaltyTerms lists D's penalties: train.penalties, or the single train.penalty with
// train.penalty_weight (none: an empty list). Naming both is an error, as is an
// unknown name or a penalty listed twice.
func (c Config) PenaltyTerms() ([]PenaltyTerm, error) {
	t := c.Train
	single := t.Penalty != "" && t.Penalty != losses.PenaltyNone
	if len(t.Penalties) > 0 && single {
		return nil, fmt.Errorf("train.penalty %s and train.penalties both name D's penalties: list them all in train.penalties", t.Penalty)
	}
	terms := t.Penalties
	if single {
		terms = []PenaltyTerm{{Name: t.Penalty, Weight: t.PenaltyWeight}}
	}
	seen := map[string]bool{}
	for i, p := range terms {
		key, nameKey := fmt.Sprintf("train.penalties[%d]", i), fmt.Sprintf("train.penalties[%d].name", i)
		if single {
			key, nameKey = "train.penalty", "train.penalty"
		}
		if _, err := losses.PenaltyByName(nameKey, p.Name); err != nil {
			return nil, err
		}
		if seen[p.Name] {
			return nil, fmt.Errorf("%s: %s is listed twice", key, p.Name)
		}
		seen[p.Name] = true
		if p.Weight < 0 {
			return nil, fmt.Errorf("%s.weight: want >= 0 (0 = the published weight), got %g", key, p.Weight)
		}
		if err := p.Schedule.Validate(key + ".schedule"); err != nil {
			return nil, err
		}
	}
	return append([]PenaltyTerm(nil), terms...), nil
}

// Penalties resolves PenaltyTerms to the penalties and their weights.
func (c Config) Penalties() ([]Penalty, error) {
	terms, err := c.PenaltyTerms()
	if err != nil {
		return nil, err
	}
	out := make([]Penalty, len(terms))
	for i, p := range terms {
		pen, _ := losses.PenaltyByName("", p.Name) // checked by PenaltyTerms
		out[i] = Penalty{Penalty: pen, Weight: p.weight(pen), Schedule: p.Schedule}
	}
	return out, nil
}

// penaltyKey is the key that names the penalties, for errors.
func penaltyKey(t Train) string {
	if len(t.Penalties) > 0 {
		return "train.penalties"
	}
	return "train.penalty"
}

// lossesWith lists the losses whose traits satisfy ok.
func lossesWith(ok func(losses.Traits) bool) []string {
	var out []string
	for _, name := range losses.Names() {
		if l, _ := losses.ByName(name); ok(l.Traits()) {
			out = append(out, name)
		}
	}
	return out
}

// hasBeta2 says whether the optimizer named name has Adam's beta2 (false for a name
// that is not registered: Validate refuses it).
func hasBeta2(name string) bool {
	k, err := optim.ByName(name)
	return err == nil && k.Traits().Beta2
}

// optimizersWithBeta2 lists the optimizers hasBeta2 accepts.
func optimizersWithBeta2() []string {
	var out []string
	for _, name := range optim.Names() {
		if hasBeta2(name) {
			out = append(out, name)
		}
	}
	return out
}

// validateSchedules checks the schedules and the EMA half-life, and refuses an EMA
// given both ways.
func (c Config) validateSchedules() error {
	t := c.Train
	for key, s := range map[string]optim.Schedule{"train.lr_schedule": t.LRSchedule, "train.beta2_schedule": t.Beta2Schedule, "train.ema_schedule": t.EMASchedule} {
		if err := s.Validate(key); err != nil {
			return err
		}
	}
	switch {
	case t.LRSchedule.On() && t.LRSchedule.End <= 0:
		return fmt.Errorf("train.lr_schedule.end: want a learning rate > 0, got %g", t.LRSchedule.End)
	case t.Beta2Schedule.On() && (t.Beta2Schedule.End < 0 || t.Beta2Schedule.End >= 1):
		return fmt.Errorf("train.beta2_schedule.end: want a beta2 in [0, 1), got %g", t.Beta2Schedule.End)
	case t.Beta2Schedule.On() && (!hasBeta2(t.OptimizerD) || !hasBeta2(t.OptimizerG)):
		return fmt.Errorf("train.beta2_schedule moves the beta2 of %v, and train.optimizer_d/optimizer_g are %s/%s", optimizersWithBeta2(), t.OptimizerD, t.OptimizerG)
	case t.EMAHalfLife < 0 || t.EMASchedule.End < 0:
		return fmt.Errorf("train.ema_half_life_kimg: want a half-life >= 0 thousand images, got %g (schedule end %g)", t.EMAHalfLife, t.EMASchedule.End)
	case c.EMAByHalfLife() && t.EMA != 0:
		return fmt.Errorf("train.ema %g and train.ema_half_life_kimg/ema_schedule both set G's EMA: choose one", t.EMA)
	}
	return nil
}

// EMAByHalfLife says whether G's EMA is given as a half-life (R3GAN) rather than by
// train.ema.
func (c Config) EMAByHalfLife() bool {
	return c.Train.EMAHalfLife > 0 || (c.Train.EMASchedule.On() && c.Train.EMASchedule.End > 0)
}

// ResolveSchedules returns c with every schedule that is on and ends with the run
// (kimg 0) given its end in thousands of images, as it acts: a resume that changes
// train.steps then shows as a change of the schedules.
func (c Config) ResolveSchedules() Config {
	t := &c.Train
	total := float64(t.Steps) * float64(t.Batch) / 1000
	resolve := func(s *optim.Schedule) {
		if s.On() && s.Kimg == 0 {
			s.Kimg = total
		}
	}
	resolve(&t.LRSchedule)
	resolve(&t.Beta2Schedule)
	resolve(&t.EMASchedule)
	t.Penalties = slices.Clone(t.Penalties)
	for i := range t.Penalties {
		resolve(&t.Penalties[i].Schedule)
	}
	return c
}
