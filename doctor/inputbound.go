package doctor

import (
	"fmt"

	"github.com/gankit/gankit/run"
)

// Input-bound thresholds: waiting for data at least inputShare of the interval's
// wall time, inputRepeat logged lines in a row. The first inputSkip lines are not
// judged: the first iteration compiles, and reading starts cold.
const (
	inputShare  = 0.3
	inputRepeat = 5
	inputSkip   = 2
)

// inputBound diagnoses a loop that waits for data (SignalDataWait): batches are read
// one step ahead in the background, so a wait means reading a batch takes longer
// than a training step.
type inputBound struct {
	lines int
	high  streak
}

func newInputBound() *inputBound { return &inputBound{} }

func (*inputBound) symptom() run.Symptom { return InputBound }

func (b *inputBound) observe(m run.Metrics) *finding {
	share, ok := m.Get(SignalDataWait)
	if !ok {
		return nil
	}
	if b.lines++; b.lines <= inputSkip {
		return nil
	}
	if share < inputShare {
		b.high.broken()
		return nil
	}
	if !b.high.extend(point{m.Step, share}, inputRepeat) {
		return nil
	}
	return &finding{since: b.high.first(), seen: fmt.Sprintf("waiting for data %.0f%% of the time over %d lines since step %d", 100*mean(b.high.pts), len(b.high.pts), b.high.first())}
}
