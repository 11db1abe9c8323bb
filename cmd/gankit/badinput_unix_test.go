//go:build unix

package main

import (
	"syscall"
	"testing"
)

// platformBadInputCases are the bad inputs only a Unix system can make: a FIFO named
// like an image (opening it would block forever) and one given as the data itself.
func platformBadInputCases(t *testing.T, b badFiles) []badInputCase {
	t.Helper()
	writeFile(t, b.path("fifo-folder/a.png"), pngBytes(t, 8, 8))
	for _, p := range []string{b.path("fifo-folder/b.png"), b.path("fifo.bin")} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return []badInputCase{
		{"a FIFO in an image folder", []string{"train", "--preset", "tiny", "--out", b.path("out-fifo1"), "--data", b.path("fifo-folder"), "--batch", "1"}, []string{b.path("fifo-folder/b.png"), "regular file"}, false},
		{"a FIFO as data", []string{"train", "--preset", "tiny", "--out", b.path("out-fifo2"), "--data", b.path("fifo.bin")}, []string{b.path("fifo.bin"), "regular file"}, false},
		{"a FIFO as config", []string{"train", "--preset", "tiny", "--out", b.path("out-fifo3"), "--config", b.path("fifo.bin")}, []string{b.path("fifo.bin"), "regular file"}, false},
	}
}

// limitChildMemory caps the child's address space at 4 GiB, so that a regression that
// allocates without checking fails at once instead of taking the machine's memory.
func limitChildMemory() {
	const limit = 4 << 30
	_ = syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: limit, Max: limit})
}
