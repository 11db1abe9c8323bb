// Package simd names the kernel sets of the cpu backend (the instruction sets its
// assembly is written for), says which this CPU runs, and picks one: the best the CPU
// has, or the one $GANKIT_CPU_KERNELS forces for tests and benchmarks.
package simd

import (
	"fmt"
	"os"
	"strings"
)

// Set is a kernel set. Every set computes bitwise the same results in the indirect
// products (one fused multiply-add per term, in the same order); they differ in speed.
type Set uint8

const (
	// Auto is the zero value: the best set this CPU runs (see Best).
	Auto Set = iota
	// Go is plain Go: every platform, no assembly.
	Go
	// AVX2 is x86-64's AVX2 with FMA3 (Intel Haswell and AMD Zen on).
	AVX2
	// AVX512 is x86-64's AVX-512F (Intel Skylake-SP on, AMD Zen 4 on).
	AVX512
	// NEON is arm64's Advanced SIMD (Apple M-series, Graviton, Ampere).
	NEON
)

// Env names the variable that forces a kernel set.
const Env = "GANKIT_CPU_KERNELS"

var names = [...]string{Auto: "auto", Go: "go", AVX2: "avx2", AVX512: "avx512", NEON: "neon"}

func (s Set) String() string {
	if int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("Set(%d)", uint8(s))
}

// Parse reads a set's name as String writes it.
func Parse(name string) (Set, error) {
	for s, n := range names {
		if strings.EqualFold(strings.TrimSpace(name), n) {
			return Set(s), nil
		}
	}
	return Auto, fmt.Errorf("unknown kernel set %q: want one of auto, go, avx2, avx512, neon", name)
}

// Runs says whether this CPU (and build) can run the set.
func (s Set) Runs() bool {
	switch s {
	case Auto, Go:
		return true
	case AVX2:
		return hasAVX2
	case AVX512:
		return hasAVX512
	case NEON:
		return hasNEON
	}
	return false
}

// Resolve turns Auto into Best and leaves every other set as it is.
func (s Set) Resolve() Set {
	if s == Auto {
		return Best()
	}
	return s
}

// Supported lists the sets this CPU runs, best first; Go is always last.
func Supported() []Set {
	var out []Set
	for _, s := range simdSets() {
		if s.Runs() {
			out = append(out, s)
		}
	}
	return append(out, Go)
}

// Best is the fastest set this CPU runs (the first of Supported, without building the
// list: Auto resolves through it on every kernel call).
func Best() Set {
	for _, s := range simdSets() {
		if s.Runs() {
			return s
		}
	}
	return Go
}

// FromEnv is the set $GANKIT_CPU_KERNELS names, or Best when it is unset or "auto".
// A name this CPU cannot run is an error that says which sets it can.
func FromEnv() (Set, error) {
	v := os.Getenv(Env)
	if v == "" {
		return Best(), nil
	}
	s, err := Parse(v)
	if err != nil {
		return Auto, fmt.Errorf("$%s: %w", Env, err)
	}
	if !s.Runs() {
		return Auto, fmt.Errorf("$%s=%s: this CPU runs only %s", Env, v, strings.Join(setNames(Supported()), ", "))
	}
	return s.Resolve(), nil
}

func setNames(sets []Set) []string {
	out := make([]string, len(sets))
	for i, s := range sets {
		out[i] = s.String()
	}
	return out
}

// Summary says which sets this CPU runs and which it does not, for test binaries to
// print (go test shows it with -v, or when run in a package's folder): the kernel
// tests skip the sets the CPU lacks, and a skip must not pass unseen.
func Summary() string {
	var not []string
	for _, s := range simdSets() {
		if !s.Runs() {
			not = append(not, s.String())
		}
	}
	out := "kernel sets run here: " + strings.Join(setNames(Supported()), ", ")
	if len(not) > 0 {
		out += "; not run by this CPU (or build), so their tests skip: " + strings.Join(not, ", ")
	}
	return out
}

// simdSets are the sets with assembly, fastest first.
func simdSets() [3]Set { return [3]Set{AVX512, AVX2, NEON} }
