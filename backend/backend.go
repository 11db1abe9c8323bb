package backend

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gankit/gankit/backend/cpu"
	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/backend/gofix"

	"github.com/gomlx/gomlx/backends"
)

// The XLA backends (xla:cpu, xla:cuda, xla:/path/plugin.so) need cgo: they live in
// xla_cgo.go, and a binary built without cgo gets xla_nocgo.go instead, whose
// newXLA explains how to build them in (see NoCgoXLAError).

// EnvVar is the environment variable read when no --backend flag is given.
// It is GoMLX's own variable, so a GOMLX_BACKEND set for other GoMLX programs works here too.
const EnvVar = "GOMLX_BACKEND"

// PluginPathEnv lists the folders searched for PJRT plugins named pjrt_c_api_<name>_plugin.so.
const PluginPathEnv = "PJRT_PLUGIN_LIBRARY_PATH"

// xlaNames are the XLA specifications New accepts when XLA is built in.
var xlaNames = []string{"xla:cpu", "xla:cuda", "xla:/absolute/path/plugin.so"}

// Names lists the backend specifications New accepts, for help texts and errors:
// without cgo, the XLA ones are left out (a copy).
func Names() []string {
	out := []string{"cpu", "go"}
	if XLABuiltIn {
		out = append(out, xlaNames...)
	}
	return out
}

// TestBackendsEnv adds backends to the tests' list: comma-separated specifications
// (e.g. "xla:cuda" or "xla:/path/to/plugin.so") for a machine that has the plugin.
const TestBackendsEnv = "GANKIT_TEST_BACKENDS"

// TestBackends lists the backends tests run on: the two that need no plugin ("go",
// "cpu"), then those named in $GANKIT_TEST_BACKENDS. In a build without cgo the XLA
// ones named there are skipped (with a note on stderr), since they cannot run.
func TestBackends() []string {
	out := []string{"go", "cpu"}
	for _, s := range strings.Split(os.Getenv(TestBackendsEnv), ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case isXLA(s) && !XLABuiltIn:
			if _, said := skippedXLA.LoadOrStore(s, true); !said {
				fmt.Fprintf(os.Stderr, "$%s: %s skipped: this test binary was built without cgo, so the XLA backends are left out\n", TestBackendsEnv, s)
			}
		default:
			out = append(out, s)
		}
	}
	return out
}

// skippedXLA holds the XLA specifications TestBackends said it skips (once each).
var skippedXLA sync.Map

func isXLA(spec string) bool {
	name, _, _ := strings.Cut(spec, ":")
	return name == "xla"
}

// Resolve returns the backend specification to use: flag when set, else $GOMLX_BACKEND, else "cpu".
func Resolve(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(EnvVar); env != "" {
		return env
	}
	return "cpu"
}

// New builds the backend named by spec (see Names). It never downloads anything:
// GoMLX's plugin auto-install is switched off, and a missing plugin is reported
// with the flag or path that fixes it.
func New(spec string) (backends.Backend, error) {
	name, cfg, _ := strings.Cut(spec, ":")
	switch name {
	case "cpu":
		if cfg != "" {
			return nil, fmt.Errorf("backend %q: the cpu backend takes no configuration", spec)
		}
		return cpu.New()
	case "go", "simplego":
		if cfg != "" {
			return nil, fmt.Errorf("backend %q: the go backend takes no configuration", spec)
		}
		b, err := gofix.New()
		if err != nil {
			return nil, fmt.Errorf("backend %q: %w", spec, err)
		}
		return b, nil
	case "xla":
		return newXLA(spec, cfg)
	default:
		msg := fmt.Sprintf("unknown backend %q: want one of %s", spec, strings.Join(Names(), ", "))
		if !XLABuiltIn {
			msg += "; " + noCgoNote
		}
		return nil, fmt.Errorf("%s", msg)
	}
}

// noCgoNote says why a build without cgo offers no XLA backend and how to get one.
const noCgoNote = "this gankit was built without cgo (CGO_ENABLED=0), so the XLA backends " +
	"(xla:cpu, xla:cuda, xla:/path/plugin.so) are left out; to get them, build with cgo " +
	"and a C compiler: CGO_ENABLED=1 go build ./cmd/gankit"

// NoCgoXLAError is the error New returns for an XLA specification in a binary built
// without cgo: the XLA backends are left out of it, and it says how to build them in.
// (Shared by both builds so that its text is tested in either.)
func NoCgoXLAError(spec string) error {
	return fmt.Errorf("backend %q: %s; --backend cpu and --backend go need no cgo", spec, noCgoNote)
}

// Describe is the one-line description of b that the first line of a run prints:
// for gankit's cpu backend its kernel set, e.g. "cpu (kernels avx2)"; for any other
// backend its name and GoMLX's description.
func Describe(b backends.Backend) string {
	if k, ok := b.(interface{ Kernels() simd.Set }); ok {
		return fmt.Sprintf("%s (kernels %s)", b.Name(), k.Kernels())
	}
	return fmt.Sprintf("%s (%s)", b.Name(), b.Description())
}
