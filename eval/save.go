package eval

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/run"
)

// Save writes r as the run's latest evaluation, dir/eval.json (run.EvalFile),
// atomically, and returns its path: `gankit serve`'s page and `gankit report` show it.
func (r Result) Save(dir string) (string, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("saving the evaluation of %s: %w", dir, err)
	}
	path := filepath.Join(dir, run.EvalFile)
	if err := fsutil.WriteFileAtomic(path, append(b, '\n')); err != nil {
		return "", fmt.Errorf("saving the evaluation of %s: %w", dir, err)
	}
	return path, nil
}
