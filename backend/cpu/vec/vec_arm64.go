//go:build arm64 && !purego

package vec

// NEON is part of every ARMv8-A core: the loops always run, four floats a register.
const (
	hasAsm = true
	lanes  = 4
)
