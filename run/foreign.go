package run

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gankit/gankit/config"
)

// ForeignError says a checkpoint reads back whole and holds its name's step, but was
// trained with another structure than its run: a key no resume can change (a
// Structure key: a network's shape, the data) differs from the run's. A copy from
// another run under this run's checkpoint names, it would hand sample, eval, serve
// and a resume another model; it is passed over like a misnamed one and, like one,
// never pruned.
//
// The run's structure is its config.yaml's, when another checkpoint of the run agrees
// with it (a config.yaml edited by hand agrees with none, and then no checkpoint is
// called foreign); a run in progress knows its own.
type ForeignError struct {
	Path    string
	Step    int
	Changes []Change // the Structure keys, from the run's value to the checkpoint's
}

func (e *ForeignError) Error() string {
	ch := make([]string, len(e.Changes))
	for i, c := range e.Changes {
		ch[i] = c.String()
	}
	return fmt.Sprintf("checkpoint %s (step %d) was trained with another structure than this run (%s: a copy from another run?): it is passed over and never pruned; move it out of checkpoints/ or remove it",
		e.Path, e.Step, strings.Join(ch, ", "))
}

// setAside marks the errors of a checkpoint that is neither used nor pruned:
// MisnamedError and ForeignError.
type setAside interface{ setAside() }

func (*MisnamedError) setAside() {}
func (*ForeignError) setAside()  {}

// isSetAside says whether err is a checkpoint's that is neither used nor pruned.
func isSetAside(err error) bool {
	var s setAside
	return errors.As(err, &s)
}

// structureChanges lists the Structure keys whose values differ between the run's
// config and the one a checkpoint was trained with (none for a format-1 checkpoint,
// which recorded no config).
func structureChanges(run config.Config, ck *Checkpoint) ([]Change, error) {
	if ck.Config == nil {
		return nil, nil
	}
	all, err := Diff(run, *ck.Config)
	if err != nil {
		return nil, err
	}
	var out []Change
	for _, c := range all {
		if c.Kind == Structure {
			out = append(out, c)
		}
	}
	return out, nil
}
