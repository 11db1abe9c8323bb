package ablate

import (
	"fmt"
	"strings"
)

// Slurm is a job-array script with one task per cell: each task runs
// `gankit ablate --out DIR --cell $SLURM_ARRAY_TASK_ID` with the given gankit binary.
// Finished cells are skipped, so resubmitting the script continues a grid.
func (p Plan) Slurm(exe string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#!/bin/bash\n")
	fmt.Fprintf(&b, "# gankit ablation %s: %d settings x %d seeds. Submit: sbatch %s/ablate.sbatch\n", p.Dir, len(p.Settings()), len(p.Seeds), p.Dir)
	fmt.Fprintf(&b, "# When every task has finished: gankit report %s\n", p.Dir)
	fmt.Fprintf(&b, "#SBATCH --job-name=gankit-ablate\n")
	fmt.Fprintf(&b, "#SBATCH --array=0-%d\n", len(p.Cells())-1)
	fmt.Fprintf(&b, "#SBATCH --cpus-per-task=2\n")
	fmt.Fprintf(&b, "#SBATCH --output=%s/slurm-%%A_%%a.log\n", p.Dir)
	fmt.Fprintf(&b, "set -euo pipefail\n")
	fmt.Fprintf(&b, "exec %q ablate --out %q --cell \"$SLURM_ARRAY_TASK_ID\"\n", exe, p.Dir)
	return b.String()
}
