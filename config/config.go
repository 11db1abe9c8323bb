package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/gankit/gankit/augment"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/losses"
	"github.com/gankit/gankit/nets"
	"github.com/gankit/gankit/optim"
	"gopkg.in/yaml.v3"
)

// Config is everything a run needs; its YAML form is config.yaml in the run directory.
type Config struct {
	Preset  string      `yaml:"preset"`  // the preset this config started from (informative)
	Backend string      `yaml:"backend"` // cpu | go | xla:cpu | xla:cuda | xla:/path/plugin.so; "" = $GOMLX_BACKEND or cpu
	Data    Data        `yaml:"data"`
	Model   nets.Config `yaml:"model"`
	Train   Train       `yaml:"train"`
	Doctor  Doctor      `yaml:"doctor"`
}

// Data says where the training data come from.
type Data struct {
	Path     string `yaml:"path"`     // see data.Formats; "" = embedded Fashion-MNIST 10k; ring8 | grid25
	Split    string `yaml:"split"`    // train | test
	Size     int    `yaml:"size"`     // image folders: resize + center-crop to this
	Channels int    `yaml:"channels"` // image folders: 1 (grayscale) or 3 (RGB)
	Limit    int    `yaml:"limit"`    // use only the first N examples (0 = all)
	// SkipBadImages leaves out the images of a folder that cannot be used (they do not
	// decode, or exceed MaxImagePixels), counted in a message; otherwise they are an error.
	SkipBadImages bool `yaml:"skip_bad_images"`
	// MaxImagePixels is the largest image (width x height) a folder may hold; 0 means
	// data.DefaultMaxImagePixels.
	MaxImagePixels int `yaml:"max_image_pixels"`
	// Background is the colour an image folder's transparent pixels are composited
	// onto before resizing: white, black, grey (gray) or #rrggbb; "" = white
	// (data.DefaultBackground), the page icons, emoji and sprites are drawn for.
	Background string `yaml:"background"`
	// Cache is where an image folder's decoded, resized images are kept for the next
	// start: "" = the user cache directory (os.UserCacheDir()/gankit/images), "off" =
	// no cache, or a directory. See data.CacheDir.
	Cache string `yaml:"cache"`
	// Labels trains a class-conditional GAN on the data's classes (IDX labels, CIFAR-10
	// labels, class folders, dataset.json): the run resolves model.classes from them.
	// Off, labels are ignored and a run is the unconditional one, bit for bit.
	Labels bool `yaml:"labels"`
}

// Train holds the optimisation loop's settings.
type Train struct {
	Steps      int     `yaml:"steps"`       // training iterations (one D step + one G step each)
	Batch      int     `yaml:"batch"`       // examples per batch
	Seed       int64   `yaml:"seed"`        // seeds weights, data order, latents
	Loss       string  `yaml:"loss"`        // adversarial loss, see losses.Names()
	OptimizerG string  `yaml:"optimizer_g"` // G's optimizer, see optim.Names() (ganhacks #9; WGAN uses RMSProp)
	OptimizerD string  `yaml:"optimizer_d"` // D's optimizer, see optim.Names()
	LRG        float64 `yaml:"lr_g"`        // generator learning rate (TTUR: differ from lr_d, Heusel et al. 2017)
	LRD        float64 `yaml:"lr_d"`        // discriminator learning rate
	Beta1      float64 `yaml:"beta1"`       // Adam beta1 (DCGAN: 0.5)
	Beta2      float64 `yaml:"beta2"`       // Adam beta2
	Epsilon    float64 `yaml:"epsilon"`     // Adam and RMSProp epsilon (PyTorch's 1e-8)
	NCritic    int     `yaml:"n_critic"`    // D steps per G step (WGAN: 5)

	Penalty        string  `yaml:"penalty"`              // one gradient penalty on D, by name (losses.PenaltyNames); train.penalties lists several
	PenaltyWeight  float64 `yaml:"penalty_weight"`       // its lambda, or gamma; 0 = the penalty's published weight (its DefaultWeight)
	Drift          float64 `yaml:"drift"`                // PGGAN drift eps * E[D(x)^2]; 0 = off, PGGAN 1e-3
	Clip           float64 `yaml:"clip"`                 // WGAN weight clipping to [-clip, clip] after each D step; 0 = off
	LabelSmoothing float64 `yaml:"label_smoothing"`      // one-sided: real target 1 - amount (Salimans et al. 2016 §3.4)
	NoisyLabels    bool    `yaml:"noisy_labels"`         // real targets U[0.7, 1.2], fake U[0, 0.3] (ganhacks #6)
	LabelFlip      float64 `yaml:"label_flip"`           // probability of swapping a sample's targets in the D step (ganhacks #6)
	InstanceNoise  float64 `yaml:"instance_noise"`       // sigma_0 of N(0, sigma_t^2) added to D's inputs; 0 = off
	NoiseSteps     int     `yaml:"instance_noise_steps"` // step where sigma_t reaches 0; 0 = train.steps
	EMA            float64 `yaml:"ema"`                  // generator EMA beta (0.999); 0 = off
	DiffAugment    string  `yaml:"diffaugment"`          // DiffAugment policy: comma-separated color, translation, cutout; "" = off
	// ADA is StyleGAN2-ADA's adaptive discriminator augmentation (Karras et al. 2020):
	// the pipeline's groups, "bgc" (blit, geometric, colour) or a subset of its letters;
	// "" = off. See augment.Pipeline and docs/definitions.md.
	ADA             string  `yaml:"ada"`
	ADATarget       float64 `yaml:"ada_target"`           // target of the overfitting heuristic r_t = E[sign(D(x_real))] (0.6); 0 = p stays at ada_p
	ADAKimg         float64 `yaml:"ada_kimg"`             // thousands of images over which p can move by 1 (500)
	ADAInterval     int     `yaml:"ada_interval"`         // iterations between adjustments of p (4)
	ADAP            float64 `yaml:"ada_p"`                // the augmentation probability p at step 0 (0), or for ever with ada_target 0
	FeatureMatch    bool    `yaml:"feature_matching"`     // G matches D's mean features on real data instead of fooling D (Salimans et al. 2016 §3.1)
	HistAvg         float64 `yaml:"historical_averaging"` // weight of ||theta - mean of past theta||^2 for both nets (Salimans et al. 2016 §3.3); 0 = off
	Replay          int     `yaml:"replay"`               // experience replay buffer of past fakes, in samples (ganhacks #8); 0 = off
	ReplayProb      float64 `yaml:"replay_prob"`          // share of each fake batch D sees drawn from the buffer
	LogEvery        int     `yaml:"log_every"`            // steps between metrics.jsonl lines
	SampleEvery     int     `yaml:"sample_every"`         // steps between sample grids (0 = only at the end)
	SampleCount     int     `yaml:"sample_count"`         // images in a grid (points in a toy scatter)
	CheckpointEvery int     `yaml:"checkpoint_every"`     // steps between checkpoints (0 = only at the end)
	KeepCheckpoints int     `yaml:"keep_checkpoints"`     // how many recent checkpoints to keep

	// Penalties are D's penalties, each with its weight and schedule
	// (`penalties: [r1, r2]`); train.penalty names a single one instead.
	Penalties []PenaltyTerm `yaml:"penalties,omitempty"`
	// LRSchedule moves both learning rates from lr_g and lr_d to its end; Beta2Schedule
	// moves Adam's beta2 (R3GAN: 2e-4 -> 5e-5 and 0.9 -> 0.99, cosine).
	LRSchedule    optim.Schedule `yaml:"lr_schedule"`
	Beta2Schedule optim.Schedule `yaml:"beta2_schedule"`
	// EMAHalfLife gives G's EMA as a half-life in thousands of images, beta =
	// 0.5^(batch / (1000 ema_half_life_kimg)), instead of train.ema's fixed beta;
	// EMASchedule moves it (R3GAN: from 0 to 500 kimg on FFHQ, cosine).
	EMAHalfLife float64        `yaml:"ema_half_life_kimg"`
	EMASchedule optim.Schedule `yaml:"ema_schedule"`
	// OnDivergence is what a diverged run does (stop | rollback | warn): a rollback
	// reloads the newest checkpoint before the divergence, multiplies both learning
	// rates (and a learning-rate schedule's end) by RollbackLR, and goes on, at most
	// Rollbacks times; each is recorded in changes.jsonl.
	OnDivergence string  `yaml:"on_divergence"`
	RollbackLR   float64 `yaml:"rollback_lr"`
	Rollbacks    int     `yaml:"rollbacks"`
}

// Parse reads a YAML config over base: keys present override base, absent keys keep it.
// An unknown key is an error naming it, its line and the allowed keys.
// A value of the wrong type, a fraction for a whole number and NaN or infinity are
// errors naming the key and its line. A config is one YAML document: a second one
// is an error naming the line of its `---` (see oneDocument).
func Parse(name string, src []byte, base Config) (Config, error) {
	cfg, err := parse(src, base)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", name, err)
	}
	return cfg, nil
}

func parse(src []byte, base Config) (Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, err
	}
	if err := oneDocument(dec); err != nil {
		return Config{}, err
	}
	if len(root.Content) == 0 {
		return base, nil
	}
	if err := checkKeys(root.Content[0], base, ""); err != nil {
		return Config{}, err
	}
	cfg := base
	if err := root.Content[0].Decode(&cfg); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			return Config{}, errors.New(te.Errors[0])
		}
		return Config{}, err
	}
	return cfg, nil
}

// oneDocument refuses a document after the first, which yaml.Unmarshal would drop
// without a word: `train: {batch: 8}`, `---`, `train: {batch: 32}` trained with
// batch 8. An empty document (a trailing `---`, or one of comments only) sets
// nothing, so it is let through; an explicit null (`~`) is not empty and is refused.
func oneDocument(dec *yaml.Decoder) error {
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if empty := len(doc.Content) == 1 && doc.Content[0].Tag == "!!null" && doc.Content[0].Value == ""; !empty {
			return &nodeError{line: doc.Line, msg: "a second YAML document starts here (---), and a config file holds one document: move its keys into the first, or delete the ---"}
		}
	}
}

// maxFileBytes bounds a config file: a complete one is about 2 KiB.
const maxFileBytes = 1 << 20

// Load reads a YAML config file over base.
func Load(path string, base Config) (Config, error) {
	src, err := fsutil.ReadRegular(path, maxFileBytes)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, src, base)
}

// YAML is cfg as a config file.
func (c Config) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return b.Bytes(), enc.Close()
}

// IsToy says whether the data are a 2-D toy mixture.
func (c Config) IsToy() bool { return c.Data.Path == data.Ring8 || c.Data.Path == data.Grid25 }

// Validate checks every value against what it may be; shape is the data's shape.
func (c Config) Validate(shape data.Shape) error {
	if err := checkFinite(reflect.ValueOf(c), ""); err != nil {
		return err
	}
	t := c.Train
	if err := checkRanges([]rangeCheck{
		{t.Steps >= 1, "train.steps", "at least 1", t.Steps},
		{t.Batch >= 1, "train.batch", "at least 1", t.Batch},
		{t.LRG >= 0, "train.lr_g", ">= 0", t.LRG},
		{t.LRD >= 0, "train.lr_d", ">= 0", t.LRD},
		{t.Beta1 >= 0 && t.Beta1 < 1, "train.beta1", "in [0, 1)", t.Beta1},
		{t.Beta2 >= 0 && t.Beta2 < 1, "train.beta2", "in [0, 1)", t.Beta2},
		{t.Epsilon > 0, "train.epsilon", "> 0", t.Epsilon},
		{t.LogEvery >= 1, "train.log_every", "at least 1", t.LogEvery},
		{t.SampleEvery >= 0, "train.sample_every", ">= 0", t.SampleEvery},
		{t.SampleCount >= 1, "train.sample_count", "at least 1", t.SampleCount},
		{t.CheckpointEvery >= 0, "train.checkpoint_every", ">= 0", t.CheckpointEvery},
		{t.KeepCheckpoints >= 1, "train.keep_checkpoints", "at least 1", t.KeepCheckpoints},
		{c.Data.Limit >= 0, "data.limit", ">= 0", c.Data.Limit},
		{c.Data.MaxImagePixels >= 0, "data.max_image_pixels", fmt.Sprintf(">= 0 (0 = %d)", data.DefaultMaxImagePixels), c.Data.MaxImagePixels},
	}); err != nil {
		return err
	}
	if _, err := data.ParseBackground(c.Data.Background); err != nil {
		return err
	}
	if _, err := losses.ByName(t.Loss); err != nil {
		return err
	}
	for _, o := range []struct{ key, name string }{{"train.optimizer_g", t.OptimizerG}, {"train.optimizer_d", t.OptimizerD}} {
		if _, err := optim.ByName(o.name); err != nil {
			return fmt.Errorf("%s: %w", o.key, err)
		}
	}
	if err := c.Model.Validate(shape); err != nil {
		return err
	}
	if err := c.validateConditional(); err != nil {
		return err
	}
	if err := c.validateDoctor(); err != nil {
		return err
	}
	return c.validateTricks(shape)
}

// Warnings lists settings that are allowed but deserve a word when a run starts.
func (c Config) Warnings() []string {
	var w []string
	if l, err := losses.ByName(c.Train.Loss); err == nil && c.Train.NoisyLabels && l.Traits().Probabilities {
		w = append(w, "train.noisy_labels draws real targets up to 1.2: binary cross-entropy is then unbounded below, and loss_d can go negative")
	}
	for _, lr := range []struct {
		key string
		v   float64
	}{{"train.lr_d", c.Train.LRD}, {"train.lr_g", c.Train.LRG}} {
		if lr.v == 0 {
			w = append(w, lr.key+" is 0: those weights never change")
		}
	}
	return w
}

// Labels are the label tricks the config asks for.
func (c Config) Labels() losses.Labels {
	return losses.Labels{Smoothing: c.Train.LabelSmoothing, Noisy: c.Train.NoisyLabels, Flip: c.Train.LabelFlip}
}

// InstanceNoise is the instance-noise schedule the config asks for.
func (c Config) InstanceNoise() losses.InstanceNoise {
	steps := c.Train.NoiseSteps
	if steps == 0 {
		steps = c.Train.Steps
	}
	return losses.InstanceNoise{Sigma0: c.Train.InstanceNoise, Steps: steps}
}

// PenaltyWeight is train.penalty's weight, the published one unless set.
func (c Config) PenaltyWeight() float64 {
	if c.Train.PenaltyWeight != 0 {
		return c.Train.PenaltyWeight
	}
	if p, err := losses.PenaltyByName("train.penalty", c.Train.Penalty); err == nil {
		return p.DefaultWeight()
	}
	return 0
}

// validateTricks checks the training tricks' values and refuses combinations that
// contradict each other, saying why.
func (c Config) validateTricks(shape data.Shape) error {
	t := c.Train
	if err := checkRanges([]rangeCheck{
		{t.NCritic >= 1, "train.n_critic", "at least 1", t.NCritic},
		{t.PenaltyWeight >= 0, "train.penalty_weight", ">= 0", t.PenaltyWeight},
		{t.Drift >= 0, "train.drift", ">= 0", t.Drift},
		{t.Clip >= 0, "train.clip", ">= 0 (0 = off)", t.Clip},
		{t.InstanceNoise >= 0, "train.instance_noise", ">= 0 (0 = off)", t.InstanceNoise},
		{t.NoiseSteps >= 0, "train.instance_noise_steps", ">= 0 (0 = train.steps)", t.NoiseSteps},
		{t.EMA >= 0 && t.EMA < 1, "train.ema", "a beta in [0, 1) (0 = off)", t.EMA},
		{t.HistAvg >= 0, "train.historical_averaging", ">= 0 (0 = off)", t.HistAvg},
		{t.Replay >= 0, "train.replay", ">= 0 samples (0 = off)", t.Replay},
		{t.ReplayProb >= 0 && t.ReplayProb <= 1, "train.replay_prob", "a probability in [0, 1]", t.ReplayProb},
		{t.ADATarget >= 0 && t.ADATarget < 1, "train.ada_target", "an r_t target in [0, 1) (StyleGAN2-ADA: 0.6; 0 = p fixed at train.ada_p)", t.ADATarget},
		{t.ADAKimg > 0, "train.ada_kimg", "> 0 thousand images (StyleGAN2-ADA: 500)", t.ADAKimg},
		{t.ADAInterval >= 1, "train.ada_interval", "at least 1 iteration (StyleGAN2-ADA: 4)", t.ADAInterval},
		{t.ADAP >= 0, "train.ada_p", "a probability >= 0", t.ADAP},
	}); err != nil {
		return err
	}
	terms, err := c.PenaltyTerms()
	if err != nil {
		return err
	}
	if err := c.validateSchedules(); err != nil {
		return err
	}
	aug, err := data.ParseDiffAugment(t.DiffAugment)
	if err != nil {
		return err
	}
	if aug.On() && shape.Size == 0 {
		return fmt.Errorf("train.diffaugment: DiffAugment transforms images, and the data are %d-D points", shape.Dim)
	}
	ada, err := augment.Parse(t.ADA)
	if err != nil {
		return err
	}
	switch {
	case ada.On() && shape.Size == 0:
		return fmt.Errorf("train.ada: ADA transforms images, and the data are %d-D points", shape.Dim)
	case ada.On() && aug.On():
		return fmt.Errorf("train.ada %q with train.diffaugment %q: both augment D's inputs; choose one (set the other to \"\")", t.ADA, t.DiffAugment)
	}
	loss, err := losses.ByName(t.Loss)
	if err != nil {
		return err
	}
	dBatch := t.Batch / c.Model.PackDegree() // inputs D sees per batch
	l := c.Labels()
	if err := l.Validate(); err != nil {
		return err
	}
	switch {
	case l.Active() && !loss.Traits().Targets:
		return fmt.Errorf("train.label_smoothing/noisy_labels/label_flip change target labels, and train.loss %q has none (use %s)", t.Loss, strings.Join(lossesWith(func(tr losses.Traits) bool { return tr.Targets }), ", "))
	case len(terms) > 0 && c.Model.BND:
		return fmt.Errorf("%s %s with model.bn_d: BatchNorm in D mixes the samples of a batch, so the per-sample input gradient a penalty needs is not defined; set model.bn_d: false", penaltyKey(t), terms[0].Name)
	case loss.Traits().Lipschitz && t.Clip == 0 && len(terms) == 0:
		return fmt.Errorf("train.loss %s needs a Lipschitz constraint on D: set train.clip: 0.01 (Arjovsky et al. 2017) or train.penalty: wgan-gp", t.Loss)
	case t.Batch%c.Model.PackDegree() != 0:
		return fmt.Errorf("model.pack: train.batch %d is not divisible by the packing degree %d", t.Batch, c.Model.Pack)
	case c.Model.MBStd && dBatch%c.Model.MBStdGroupFor(dBatch) != 0:
		return fmt.Errorf("model.mbstd: D's batch of %d is not divisible by the group size %d (model.mbstd_group); PGGAN requires whole groups", dBatch, c.Model.MBStdGroupFor(dBatch))
	case t.Clip != 0 && c.Model.SpectralNorm:
		return fmt.Errorf("train.clip with model.spectral_norm: both constrain D's Lipschitz constant and clipping breaks the spectral normalisation's power iteration; use one")
	}
	return nil
}

// rangeCheck is one value against what its key accepts.
type rangeCheck struct {
	ok   bool
	key  string
	want string
	got  any
}

// checkRanges reports the first failed check, naming its key and what it wants.
func checkRanges(checks []rangeCheck) error {
	for _, chk := range checks {
		if !chk.ok {
			return fmt.Errorf("%s: want %s, got %v", chk.key, chk.want, chk.got)
		}
	}
	return nil
}

// validateConditional checks data.labels against the rest: model.classes come from
// the data's labels (see ResolveClasses), and the tricks that hold samples without
// their classes cannot run conditionally.
func (c Config) validateConditional() error {
	switch {
	case c.Data.Labels && c.IsToy():
		return fmt.Errorf("data.labels: the toy mixture %s has no classes", c.Data.Path)
	case c.Model.Conditional() && !c.Data.Labels:
		return fmt.Errorf("model.classes is set (%d classes) and data.labels is off: classes come from the data's labels; set data.labels: true, or remove model.classes", len(c.Model.Classes))
	case c.Model.Conditional() && c.Train.Replay > 0:
		return fmt.Errorf("train.replay with data.labels: the replay buffer keeps fakes without their classes; set train.replay: 0")
	}
	return nil
}

// ResolveClasses sets model.classes from the data's class names when data.labels is
// on (names is data.ClassNames of the training set). A config that already names
// classes must name the data's: a run cannot change what its classes are.
func (c Config) ResolveClasses(names []string, dataName string) (Config, error) {
	if !c.Data.Labels {
		return c, nil
	}
	if len(names) == 0 {
		return c, fmt.Errorf("data.labels: %s has no labels (conditional training reads IDX labels beside the images, CIFAR-10's, class sub-folders or a dataset.json)", dataName)
	}
	if len(c.Model.Classes) > 0 && !slices.Equal(c.Model.Classes, names) {
		return c, fmt.Errorf("model.classes %v: the data %s have the classes %v", c.Model.Classes, dataName, names)
	}
	c.Model.Classes = slices.Clone(names)
	return c, nil
}
