package train

import (
	"bufio"
	"encoding/gob"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// CheckpointDir is the run subdirectory holding checkpoints.
const CheckpointDir = "checkpoints"

const checkpointMagic = "gankit-checkpoint-v1"

// checkpointName is the file for a step; names sort in step order.
func checkpointName(step int) string { return fmt.Sprintf("ckpt-%09d.bin", step) }

// SaveCheckpoint writes every variable of ctx (weights, BN statistics, optimizer
// state) with the step to runDir/checkpoints atomically — temp file, fsync, rename,
// fsync of the folder — so a crash leaves either the old or the new checkpoint, never
// a torn one. It then deletes all but the newest keep checkpoints.
func SaveCheckpoint(ctx *context.Context, runDir string, step, keep int) (string, error) {
	dir := filepath.Join(runDir, CheckpointDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, checkpointName(step))
	err := fsutil.WriteAtomic(path, func(f *os.File) error {
		w := bufio.NewWriter(f)
		enc := gob.NewEncoder(w)
		var vars []*context.Variable
		for v := range ctx.IterVariables() {
			vars = append(vars, v)
		}
		if err := enc.Encode(checkpointMagic); err != nil {
			return err
		}
		if err := enc.Encode(step); err != nil {
			return err
		}
		if err := enc.Encode(len(vars)); err != nil {
			return err
		}
		for _, v := range vars {
			t, err := v.Value()
			if err != nil {
				return fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
			}
			if err := enc.Encode(v.Scope() + "\x00" + v.Name()); err != nil {
				return err
			}
			if err := t.GobSerialize(enc); err != nil {
				return fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
			}
		}
		return w.Flush()
	})
	if err != nil {
		return "", fmt.Errorf("saving checkpoint %s: %w", path, err)
	}
	return path, pruneCheckpoints(dir, keep)
}

func pruneCheckpoints(dir string, keep int) error {
	names, err := listCheckpoints(dir)
	if err != nil {
		return err
	}
	for len(names) > keep {
		if err := os.Remove(filepath.Join(dir, names[0])); err != nil {
			return err
		}
		names = names[1:]
	}
	return nil
}

func listCheckpoints(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "ckpt-") && strings.HasSuffix(e.Name(), ".bin") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Checkpoint is a loaded checkpoint: its step and its variables by "scope\x00name".
type Checkpoint struct {
	Path string
	Step int
	vars map[string]*tensors.Tensor
}

// LatestCheckpoint loads the newest checkpoint of a run.
func LatestCheckpoint(runDir string) (*Checkpoint, error) {
	dir := filepath.Join(runDir, CheckpointDir)
	names, err := listCheckpoints(dir)
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("run %s has no checkpoint in %s (was it trained with gankit train?)", runDir, dir)
	}
	return ReadCheckpoint(filepath.Join(dir, names[len(names)-1]))
}

// ReadCheckpoint loads one checkpoint file.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReader(f))
	var magic string
	if err := dec.Decode(&magic); err != nil || magic != checkpointMagic {
		return nil, fmt.Errorf("reading checkpoint %s: not a gankit checkpoint", path)
	}
	c := &Checkpoint{Path: path, vars: map[string]*tensors.Tensor{}}
	var n int
	if err := dec.Decode(&c.Step); err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	if err := dec.Decode(&n); err != nil {
		return nil, fmt.Errorf("reading checkpoint %s: %w", path, err)
	}
	for i := range n {
		var key string
		if err := dec.Decode(&key); err != nil {
			return nil, fmt.Errorf("reading checkpoint %s: variable %d of %d: %w", path, i, n, err)
		}
		t, err := tensors.GobDeserialize(dec)
		if err != nil {
			return nil, fmt.Errorf("reading checkpoint %s: variable %q: %w", path, strings.ReplaceAll(key, "\x00", "/"), err)
		}
		c.vars[key] = t
	}
	return c, nil
}

// Attach makes ctx take its variables from the checkpoint as they are created.
func (c *Checkpoint) Attach(ctx *context.Context) { ctx.SetLoader(c) }

// LoadVariable implements context.Loader.
func (c *Checkpoint) LoadVariable(_ *context.Context, scope, name string) (*tensors.Tensor, bool) {
	t, ok := c.vars[scope+"\x00"+name]
	if ok {
		delete(c.vars, scope+"\x00"+name) // ownership passes to the context
	}
	return t, ok
}

// DeleteVariable implements context.Loader.
func (c *Checkpoint) DeleteVariable(_ *context.Context, scope, name string) error {
	delete(c.vars, scope+"\x00"+name)
	return nil
}
