// Package cpu is gankit's own GoMLX backend for the CPU ("--backend cpu").
//
// A graph is recorded op by op. At compile time every op either gets one of this
// package's kernels (the ops where training spends its time) or is delegated, node by
// node, to GoMLX's pure-Go backend through its public API: a one-op executable,
// compiled once per distinct op and input shapes and cached. Buffers are the pure-Go
// backend's own shared buffers, so a kernel and a delegated op exchange data without
// copies. Execution runs the nodes in their recorded order, one at a time, and frees
// each intermediate buffer after its last use: the same graph on the same inputs gives
// bitwise the same outputs on every run.
//
//go:generate go run ./internal/genops
package cpu
