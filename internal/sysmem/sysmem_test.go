package sysmem

import (
	"strings"
	"testing"
)

func TestParseMemAvailableReadsTheKibibytes(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      uint64
		err       string
	}{
		{"linux 6", "MemTotal:       24683620 kB\nMemFree:         1000000 kB\nMemAvailable:   23647632 kB\nBuffers: 1 kB\n", 23647632, ""},
		{"first line", "MemAvailable: 5 kB\n", 5, ""},
		{"old kernel", "MemTotal: 100 kB\nMemFree: 50 kB\n", 0, "no MemAvailable"},
		{"no unit", "MemAvailable: 5\n", 0, "want"},
		{"not a number", "MemAvailable: lots kB\n", 0, "invalid syntax"},
		{"empty", "", 0, "no MemAvailable"},
	} {
		got, err := ParseMemAvailable(strings.NewReader(tc.src))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
}

// TestCheckStatesNeedAvailableAndLimit: with 1 GiB available, 1 MiB fixed and 1 KiB
// per item, 1023 * 1024 items fit (1 MiB + 1047552 KiB = 1 GiB) and one more does not.
func TestCheckStatesNeedAvailableAndLimit(t *testing.T) {
	b := Budget{Bytes: 1 << 30, Source: "a test"}
	need := Need{What: "--n", Unit: "sample", PerItem: 1024, Fixed: 1 << 20}
	need.N = 1023 * 1024
	if err := b.Check(need); err != nil {
		t.Errorf("%d items: %v", need.N, err)
	}
	need.N++
	err := b.Check(need)
	if err == nil {
		t.Fatalf("%d items accepted", need.N)
	}
	want := "--n 1047553: needs about 1 GiB (1 KiB per sample plus 1 MiB), and 1 GiB is available (a test): at most 1047552 fit"
	if err.Error() != want {
		t.Errorf("error\n%s\nwant\n%s", err, want)
	}
	// (2^30 - 2^20) / 1000 = 1,072,693.248: 1,072,693 whole items fit.
	if got := b.Max(Need{PerItem: 1000, Fixed: 1 << 20}); got != 1072693 {
		t.Errorf("Max at 1000 bytes an item = %d, want 1072693", got)
	}
	need.Fixed = 2 << 30
	if got := b.Max(need); got != 0 {
		t.Errorf("Max with a fixed part above the budget: %d, want 0", got)
	}
}

func TestFormatPicksABinaryUnit(t *testing.T) {
	for _, tc := range []struct {
		bytes float64
		want  string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {916 * 1024, "916 KiB"},
		{22.5 * (1 << 30), "22.5 GiB"}, {1 << 48, "256 TiB"}, {1e30, "867361737988 EiB"},
	} {
		if got := Format(tc.bytes); got != tc.want {
			t.Errorf("Format(%g) = %q, want %q", tc.bytes, got, tc.want)
		}
	}
}

func TestAvailableIsPositive(t *testing.T) {
	if b := Available(); !(b.Bytes > 0) || b.Source == "" {
		t.Errorf("Available() = %+v", b)
	}
}
