//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// hasAsm is read once at start-up and never written again: the loops are AVX2, eight
// floats a register.
var hasAsm = cpu.X86.HasAVX2

const lanes = 8
