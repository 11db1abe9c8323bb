// Package sysmem says how much memory the machine can give gankit, so that a size a
// user chooses (a batch, a sample count, a model width) is refused with its limit
// before anything is allocated, instead of ending in "fatal error: out of memory",
// which Go cannot recover from.
package sysmem

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// MeminfoPath is where Linux reports the memory available to new allocations.
const MeminfoPath = "/proc/meminfo"

// Unknown is the budget assumed where the system does not say (no /proc/meminfo):
// 256 TiB, beyond any machine, so that only sizes that overflow or could never be
// allocated are refused.
const Unknown = 1 << 48

// Budget is how many bytes gankit may allocate, and where that figure comes from.
type Budget struct {
	Bytes  float64
	Source string // for messages: "MemAvailable in /proc/meminfo"
}

// Available is the memory the system can give without swapping: MemAvailable from
// /proc/meminfo on Linux (free memory plus the caches the kernel can drop), else
// the Unknown ceiling.
func Available() Budget {
	f, err := os.Open(MeminfoPath)
	if err != nil {
		return Budget{Bytes: Unknown, Source: "no " + MeminfoPath + " on this system, so only sizes beyond 256 TiB are refused"}
	}
	defer f.Close()
	kb, err := ParseMemAvailable(f)
	if err != nil {
		return Budget{Bytes: Unknown, Source: fmt.Sprintf("%s unreadable (%v), so only sizes beyond 256 TiB are refused", MeminfoPath, err)}
	}
	return Budget{Bytes: float64(kb) * 1024, Source: "MemAvailable in " + MeminfoPath}
}

// ParseMemAvailable reads the "MemAvailable: N kB" line of a /proc/meminfo listing
// and returns N (kibibytes).
func ParseMemAvailable(r io.Reader) (uint64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("MemAvailable line %q: want \"MemAvailable: N kB\"", sc.Text())
		}
		return strconv.ParseUint(f[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no MemAvailable line (Linux before 3.14?)")
}

// Need is the memory a count asks for: Fixed bytes plus PerItem bytes for each of N items.
type Need struct {
	What    string  // the flag or key that sets N, as the user wrote it: "--n", "train.batch"
	N       int     // how many items the user asked for
	Unit    string  // what one item is, for messages: "sample", "image", "run"
	PerItem float64 // bytes per item (an estimate; see each caller for how it is made)
	Fixed   float64 // bytes that do not depend on N
}

// Bytes is the estimated total.
func (n Need) Bytes() float64 { return n.Fixed + float64(n.N)*n.PerItem }

// Max is the largest N whose need fits in b (0 when not even one item fits).
func (b Budget) Max(n Need) int {
	if n.PerItem <= 0 {
		return math.MaxInt
	}
	m := math.Floor((b.Bytes - n.Fixed) / n.PerItem)
	switch {
	case m < 0:
		return 0
	case m > math.MaxInt32: // beyond any sane count; keeps the conversion exact
		return math.MaxInt32
	}
	return int(m)
}

// Check refuses a need that does not fit in b, saying what it needs, what is
// available, where that figure comes from and the largest N that fits.
func (b Budget) Check(n Need) error {
	if n.Bytes() <= b.Bytes {
		return nil
	}
	return fmt.Errorf("%s %d: needs about %s (%s per %s%s), and %s is available (%s): at most %d fit",
		n.What, n.N, Format(n.Bytes()), Format(n.PerItem), n.Unit, fixedNote(n.Fixed), Format(b.Bytes), b.Source, b.Max(n))
}

func fixedNote(fixed float64) string {
	if fixed < 1<<20 {
		return ""
	}
	return " plus " + Format(fixed)
}

// Format writes a byte count with a binary unit: "916 KiB", "22.5 GiB".
func Format(bytes float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := 0
	for bytes >= 1024 && u < len(units)-1 {
		bytes /= 1024
		u++
	}
	if u == 0 || bytes >= 100 {
		return fmt.Sprintf("%.0f %s", bytes, units[u])
	}
	return fmt.Sprintf("%.3g %s", bytes, units[u])
}
