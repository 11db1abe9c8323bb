//go:build cgo

package backend

import "testing"

func TestDeterministicOpsFlagKeepsTheUsersChoice(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "--xla_gpu_deterministic_ops=true"},
		{"--xla_dump_to=/tmp/x", "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true"},
		{"--xla_gpu_deterministic_ops=false", "--xla_gpu_deterministic_ops=false"},
	} {
		if got := withDeterministicOps(tc.in); got != tc.want {
			t.Errorf("withDeterministicOps(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
