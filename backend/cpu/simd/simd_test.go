package simd

import (
	"strings"
	"testing"
)

func TestParseReadsWhatStringWrites(t *testing.T) {
	for _, s := range []Set{Auto, Go, AVX2, AVX512, NEON} {
		got, err := Parse(s.String())
		if err != nil || got != s {
			t.Errorf("Parse(%q) = %v, %v; want %v", s.String(), got, err, s)
		}
	}
	if _, err := Parse("sse"); err == nil || !strings.Contains(err.Error(), "avx2") {
		t.Errorf("Parse(sse) error %v, want one listing the sets", err)
	}
}

func TestFromEnvForcesARunnableSetAndRefusesOthers(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want Set
		err  string
	}{
		{"", Best(), ""},
		{"auto", Best(), ""},
		{"go", Go, ""},
		{"GO", Go, ""},
		{"mmx", Auto, "unknown kernel set"},
	} {
		t.Setenv(Env, tc.env)
		got, err := FromEnv()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), Env) {
				t.Errorf("%s=%q: error %v, want one containing %q and the variable", Env, tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s=%q: %v, %v; want %v", Env, tc.env, got, err, tc.want)
		}
	}
	for _, s := range []Set{AVX2, AVX512, NEON} {
		t.Setenv(Env, s.String())
		got, err := FromEnv()
		if s.Runs() != (err == nil) || (err == nil && got != s) {
			t.Errorf("%s=%s on a CPU that runs it: %v: got %v, %v", Env, s, s.Runs(), got, err)
		}
	}
	if sup := Supported(); sup[len(sup)-1] != Go || sup[0] != Best() {
		t.Errorf("Supported() = %v: want best first and go last", sup)
	}
}
