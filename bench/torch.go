package bench

import (
	"bufio"
	"bytes"
	_ "embed" // the PyTorch reference travels inside the binary
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/nets"
)

// torchPython is the Python whose torch the reference uses (Debian's python3-torch).
const torchPython = "/usr/bin/python3"

// embeddedDCGAN and embeddedR3GAN are torch_dcgan_bench.py and
// torch_r3gan_bench.py as they were when the binary was built.
var (
	//go:embed torch_dcgan_bench.py
	embeddedDCGAN string
	//go:embed torch_r3gan_bench.py
	embeddedR3GAN string
)

// torchScript is the PyTorch reference a run uses: the embedded copy for arch (the
// DCGAN's, which also times torch.mm, for ""), fed to Python on standard input
// (path ""), or a file the user named.
type torchScript struct {
	path string
	arch string
}

// forArch is the script that times arch: the DCGAN's as s is, R3GAN's embedded one.
func (s torchScript) forArch(arch string) torchScript {
	if arch == nets.ArchR3GAN {
		return torchScript{arch: arch}
	}
	return s
}

// String names the script in messages.
func (s torchScript) String() string {
	switch {
	case s.path != "":
		return s.path
	case s.arch == nets.ArchR3GAN:
		return "the embedded torch_r3gan_bench.py"
	}
	return "the embedded torch_dcgan_bench.py"
}

// command is python running the script with args, under env.
func (s torchScript) command(env []string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if s.path == "" {
		// "-" makes Python read the program from standard input; the script
		// itself reads nothing from it.
		cmd = exec.Command(torchPython, append([]string{"-"}, args...)...)
		src := embeddedDCGAN
		if s.arch == nets.ArchR3GAN {
			src = embeddedR3GAN
		}
		cmd.Stdin = strings.NewReader(src)
	} else {
		cmd = exec.Command(torchPython, append([]string{s.path}, args...)...)
	}
	cmd.Env = torchEnviron(env)
	return cmd
}

// check says why the PyTorch reference cannot run, once before the rounds.
func (s torchScript) check() error {
	if s.path != "" {
		if _, err := os.Stat(s.path); err != nil {
			return fmt.Errorf("--torch-script %s: %w (leave the flag out to run the script built into gankit)", s.path, err)
		}
	}
	if err := exec.Command(torchPython, "-c", "import torch").Run(); err != nil {
		return fmt.Errorf("%s cannot import torch (apt-get install python3-torch)", torchPython)
	}
	return nil
}

// torchRow is one line of the PyTorch script's output.
type torchRow struct {
	Torch    string  `json:"torch"`
	Size     int     `json:"size"` // 0 from a script without --size
	Upsample string  `json:"upsample"`
	Batch    int     `json:"batch"`
	Ms       float64 `json:"ms_per_it"`
	RSS      float64 `json:"max_rss_mb"`
}

// run runs the PyTorch reference once over the configurations given and checks
// that it timed a model of the size asked for.
func (s torchScript) run(threads int, batches, variants string, iters, size int, env []string) ([]torchRow, error) {
	args := []string{"--size", strconv.Itoa(size), strconv.Itoa(threads), batches, strconv.Itoa(iters)}
	if s.arch != nets.ArchR3GAN {
		args = append(args, variants)
	}
	out, err := output(s.command(env, args...))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", torchPython, s, err)
	}
	var rows []torchRow
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var row torchRow
		if json.Unmarshal(sc.Bytes(), &row) == nil && row.Batch > 0 {
			if row.Size != 0 && row.Size != size {
				return nil, fmt.Errorf("%s timed a %dx%d model, not %dx%d (an older script without --size?)", s, row.Size, row.Size, size, size)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// sgemm times torch.mm on a 1024^3 float32 product with the reference script's
// --sgemm, under the same thread count and environment as the model runs.
func (s torchScript) sgemm(threads int, env []string) (float64, error) {
	out, err := output(s.command(env, "--sgemm", strconv.Itoa(threads), "0", "0"))
	if err != nil {
		return 0, fmt.Errorf("%s %s --sgemm: %w", torchPython, s, err)
	}
	var r struct {
		GFLOPs float64 `json:"sgemm_gflops"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &r); err != nil || r.GFLOPs <= 0 {
		return 0, fmt.Errorf("%s --sgemm printed %q, not {\"sgemm_gflops\": ...}", s, out)
	}
	return r.GFLOPs, nil
}

// output is cmd's standard output; a failure carries the last line of its
// standard error (Python's exception).
func output(cmd *exec.Cmd) ([]byte, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); lines[len(lines)-1] != "" {
			return nil, fmt.Errorf("%w: %s", err, lines[len(lines)-1])
		}
	}
	return out, err
}

// torchEnviron is this process's environment for PyTorch, without the OpenBLAS
// core-type pins some machines set (OPENBLAS_CORETYPE=Haswell here keeps OpenBLAS
// to a third of its SGEMM speed on AVX-512 CPUs; the peer should run its best), plus
// extra.
func torchEnviron(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENBLAS_CORETYPE=") && !strings.HasPrefix(kv, "OPENBLAS_L2_SIZE=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// Ways --torch-isa lets PyTorch pick its kernels.
const (
	ISAMatch  = "match"  // keep PyTorch to the instruction set gankit's kernels use
	ISANative = "native" // let PyTorch use everything the CPU has
)

// CheckTorchISA refuses a --torch-isa that is not ISAMatch or ISANative.
func CheckTorchISA(mode string) error {
	if mode != ISAMatch && mode != ISANative {
		return fmt.Errorf("%q is not %s or %s", mode, ISAMatch, ISANative)
	}
	return nil
}

// torchISAEnv returns the variables that keep PyTorch's kernels to the instruction
// set gankit's kernels use when mode is ISAMatch and gankit runs a set below what
// the CPU has (GANKIT_CPU_KERNELS=avx2 on an AVX-512 CPU): the comparison then
// stands for a machine that has only that set, for both. oneDNN (PyTorch's
// convolutions) reads DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA, ATen its
// ATEN_CPU_CAPABILITY and OpenBLAS OPENBLAS_CORETYPE. The note says so when it
// does.
func torchISAEnv(mode string, k simd.Set) (env []string, note string, err error) {
	switch mode {
	case ISANative:
		return nil, "", nil
	case ISAMatch:
	default:
		return nil, "", CheckTorchISA(mode)
	}
	if k == simd.AVX2 && simd.AVX512.Runs() {
		return []string{"DNNL_MAX_CPU_ISA=AVX2", "ONEDNN_MAX_CPU_ISA=AVX2", "ATEN_CPU_CAPABILITY=avx2", "OPENBLAS_CORETYPE=Haswell"},
			"PyTorch kept to AVX2 as well (oneDNN, ATen and OpenBLAS), as on a CPU without AVX-512; --torch-isa native lifts that", nil
	}
	return nil, "", nil
}
