package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gankit/gankit/config"
	"github.com/gankit/gankit/internal/fsutil"
	"gopkg.in/yaml.v3"
)

// KeyKind says what changing a config key does to a run that is resumed.
type KeyKind int

const (
	// Bookkeeping keys say how long the run goes and how it is logged and kept: they
	// change nothing about the weights, and may change on any resume.
	Bookkeeping KeyKind = iota
	// TrainingRule keys change how the weights are updated from the resumed step on
	// (the loss, a learning rate, a trick, the seed of the data order and latents): a
	// resume may change them only with --allow-change, and the change is logged.
	TrainingRule
	// Structure keys change the networks' variables (their shapes, or what the stored
	// weights mean) or the data the run learns: the checkpoint cannot continue under
	// them, and a resume never changes them.
	Structure
)

func (k KeyKind) String() string {
	switch k {
	case Bookkeeping:
		return "bookkeeping"
	case TrainingRule:
		return "training rule"
	case Structure:
		return "structure"
	}
	return fmt.Sprintf("KeyKind(%d)", int(k))
}

// KindOf classifies a config key. Keys not named here change the training rule, so a
// key added later is guarded until someone decides otherwise.
func KindOf(key string) KeyKind {
	switch key {
	case "preset", "backend", "train.steps", "train.log_every", "train.sample_every", "train.sample_count",
		"train.checkpoint_every", "train.keep_checkpoints",
		"data.cache", // where decoded images are kept, not what they are
		// The doctor reads the run; it never changes the weights.
		"doctor.off", "doctor.every", "doctor.heldout", "doctor.fid_every", "doctor.fid_samples":
		return Bookkeeping
	case
		// The data: another dataset, split, size or subset, or another batch (which
		// changes the examples every step reads).
		"data.path", "data.split", "data.size", "data.channels", "data.limit", "train.batch",
		// Which images of a folder are left out changes the examples and their order.
		"data.skip_bad_images", "data.max_image_pixels",
		// The colour transparent pixels become changes the examples' pixels.
		"data.background",
		// Variables' shapes: widths, depths, the latent, layers added or removed.
		"model.arch", "model.z_dim", "model.width", "model.d_width", "model.depth", "model.upsample", "model.bn_g", "model.bn_d",
		"model.mbstd", "model.mbdisc", "model.mbdisc_b", "model.mbdisc_c", "model.pack", "model.vbn_g",
		"model.vbn_ref", // the fixed reference latents are a [vbn_ref, z_dim] variable
		// R3GAN's sizes are its variables' shapes; its groups split the 3x3 kernels.
		"model.r3gan.width", "model.r3gan.blocks", "model.r3gan.groups", "model.r3gan.expansion",
		// Equalized LR stores weights divided by He's constant: the same numbers mean
		// other weights. The replay buffer's size is its variable's shape.
		"model.eq_lr", "train.replay",
		// A conditional run's classes are its embeddings' and BN tables' rows, and
		// what its data's labels mean; D's conditioning is which variables it has.
		"data.labels", "model.classes", "model.cond_d":
		return Structure
	}
	return TrainingRule
}

// Change is one config key whose value a resume changes.
type Change struct {
	Key  string  `json:"key"`
	From string  `json:"from"`
	To   string  `json:"to"`
	Kind KeyKind `json:"-"`
}

func (c Change) String() string { return fmt.Sprintf("%s %s -> %s", c.Key, c.From, c.To) }

// Diff lists the keys whose values differ between the config a checkpoint was trained
// with and the one a resume asks for, in config.Keys order.
func Diff(from, to config.Config) ([]Change, error) {
	a, err := flatten(from)
	if err != nil {
		return nil, err
	}
	b, err := flatten(to)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, k := range config.Keys() {
		if a[k] != b[k] {
			out = append(out, Change{Key: k, From: a[k], To: b[k], Kind: KindOf(k)})
		}
	}
	return out, nil
}

// flatten maps every key to its value as config.yaml writes it. The instance-noise
// schedule's end is taken as it acts: 0 means train.steps, so with instance noise on,
// a new train.steps moves it. So is a schedule's kimg (0 means the whole run).
func flatten(c config.Config) (map[string]string, error) {
	c = c.ResolveSchedules()
	y, err := c.YAML()
	if err != nil {
		return nil, err
	}
	var root map[string]any
	if err := yaml.Unmarshal(y, &root); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var walk func(prefix string, m map[string]any)
	walk = func(prefix string, m map[string]any) {
		for k, v := range m {
			if sub, ok := v.(map[string]any); ok {
				walk(prefix+k+".", sub)
				continue
			}
			s := fmt.Sprint(v)
			if str, ok := v.(string); ok {
				s = fmt.Sprintf("%q", str)
			}
			out[prefix+k] = s
		}
	}
	walk("", root)
	if in := c.InstanceNoise(); in.Sigma0 > 0 {
		out["train.instance_noise_steps"] = fmt.Sprint(in.Steps)
	}
	return out, nil
}

// checkChanges refuses what a resume may not change: structure always, the training
// rule unless allowed. Every offending key is named.
func checkChanges(dir string, step int, changes []Change, allow bool) error {
	var structure, rule []string
	for _, c := range changes {
		switch c.Kind {
		case Structure:
			structure = append(structure, c.String())
		case TrainingRule:
			rule = append(rule, c.String())
		}
	}
	at := fmt.Sprintf("the checkpoint at step %d", step)
	if step == 0 {
		at = "the run's " + ConfigFile
	}
	if len(structure) > 0 {
		return fmt.Errorf("resuming %s: %s cannot change on resume (%s was trained with the first value; the change would alter the networks' variables or the data): %s; start a new run with --out for that",
			dir, keyList(changes, Structure), at, strings.Join(structure, ", "))
	}
	if len(rule) > 0 && !allow {
		return fmt.Errorf("resuming %s: %s would change the training rule from %s on: %s; pass --allow-change to accept (it is recorded in %s), or leave the key as it was",
			dir, keyList(changes, TrainingRule), at, strings.Join(rule, ", "), filepath.Join(dir, ChangesFile))
	}
	return nil
}

func keyList(changes []Change, kind KeyKind) string {
	var keys []string
	for _, c := range changes {
		if c.Kind == kind {
			keys = append(keys, c.Key)
		}
	}
	return strings.Join(keys, ", ")
}

// changeRecord is one line of changes.jsonl.
type changeRecord struct {
	Time time.Time `json:"time"`
	Step int       `json:"step"` // the step the resumed run continues from
	Change
	Kind  string `json:"kind"`
	Cause string `json:"cause,omitempty"` // why, when not a user's --allow-change (a rollback)
}

// recordChanges appends the changes a resume made to the run's changes log
// (rewritten atomically: it is small).
func recordChanges(dir string, step int, changes []Change, cause string) error {
	if len(changes) == 0 {
		return nil
	}
	path := filepath.Join(dir, ChangesFile)
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	now := time.Now().UTC()
	for _, c := range changes {
		b, err := json.Marshal(changeRecord{Time: now, Step: step, Change: c, Kind: c.Kind.String(), Cause: cause})
		if err != nil {
			return err
		}
		old = append(append(old, b...), '\n')
	}
	return fsutil.WriteFileAtomic(path, old)
}
