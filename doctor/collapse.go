package doctor

import (
	"fmt"

	"github.com/gankit/gankit/run"
)

// Mode-collapse thresholds.
const (
	// collapseDiversity: G's samples of the fixed latents spread less than this share
	// of a real batch's spread (SignalDiversity), collapseRepeat measurements in a row.
	collapseDiversity = 0.5
	// collapseModes: G's fixed latents cover less than this share of a toy mixture's
	// modes (SignalModes), collapseRepeat measurements in a row.
	collapseModes   = 0.8
	collapseRepeat  = 3
	// The warm-up is a quarter of the run, from 500 to 2,500 steps: G needs time to
	// spread at all (ring8's G covers a quarter of the modes at step 1,300 and all
	// of them from 2,500 on, in runs that end with every mode).
	collapseWarmup  = 2500
	collapseMinWarm = 500
)

// modeCollapse diagnoses a G whose samples are far less varied than the data: by the
// diversity ratio on images, by mode coverage on the toy mixtures, each measured on
// the same fixed latent batch every time.
type modeCollapse struct {
	warm int
	low  streak
}

func newModeCollapse(steps int) *modeCollapse {
	return &modeCollapse{warm: max(collapseMinWarm, min(collapseWarmup, steps/4))}
}

func (*modeCollapse) symptom() run.Symptom { return ModeCollapse }

func (c *modeCollapse) observe(m run.Metrics) *finding {
	v, what, limit := 0.0, "", 0.0
	if x, ok := m.Get(SignalModes); ok {
		v, what, limit = x, "of the modes covered", collapseModes
	} else if x, ok := m.Get(SignalDiversity); ok {
		v, what, limit = x, "of the real data's spread", collapseDiversity
	} else {
		return nil
	}
	if m.Step <= c.warm {
		return nil
	}
	if v >= limit {
		c.low.broken()
		return nil
	}
	if !c.low.extend(point{m.Step, v}, collapseRepeat) {
		return nil
	}
	return &finding{since: c.low.first(), seen: fmt.Sprintf("G's fixed latent batch has %.0f%% %s (under %.0f%%, %d measurements in a row since step %d)",
		100*v, what, 100*limit, len(c.low.pts), c.low.first())}
}
