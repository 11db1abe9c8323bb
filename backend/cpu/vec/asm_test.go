//go:build !purego

package vec

// purego says the build leaves the assembly out (the purego tag).
const purego = false
