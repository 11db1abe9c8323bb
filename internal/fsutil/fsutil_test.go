package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// names lists a folder's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestWriteAtomicReplacesWholeOrNotAtAll checks the crash-safety contract from the
// outside: while the new contents are being written the old file is still whole at
// its path (the writing goes to a temporary file in the same folder), afterwards the
// path holds exactly the new contents, and a failed write leaves the old file and no
// temporary behind.
func TestWriteAtomicReplacesWholeOrNotAtAll(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.bin")
	if err := WriteFileAtomic(path, []byte("old contents")); err != nil {
		t.Fatal(err)
	}
	err := WriteAtomic(path, func(f *os.File) error {
		if filepath.Dir(f.Name()) != dir {
			t.Errorf("temporary file %s is not in %s: the rename would not be atomic", f.Name(), dir)
		}
		if _, err := f.Write([]byte("new ")); err != nil {
			return err
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "old contents" {
			t.Errorf("mid-write, %s holds %q (%v); want the old contents", path, b, err)
		}
		_, err := f.Write([]byte("contents, longer"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new contents, longer" {
		t.Errorf("after the write: %q, %v", b, err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"ckpt.bin"}) {
		t.Errorf("folder holds %v, want only ckpt.bin", got)
	}

	broken := errors.New("disk full")
	err = WriteAtomic(path, func(f *os.File) error {
		if _, err := f.Write([]byte("torn")); err != nil {
			return err
		}
		return broken
	})
	if !errors.Is(err, broken) {
		t.Errorf("a failing fill returned %v, want its error", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "new contents, longer" {
		t.Errorf("after a failed write: %q, %v; want the previous contents", b, err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"ckpt.bin"}) {
		t.Errorf("after a failed write the folder holds %v, want only ckpt.bin", got)
	}

	if err := WriteFileAtomic(filepath.Join(dir, "no-such-folder", "x"), []byte("x")); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
	if got := names(t, dir); !slices.Equal(got, []string{"ckpt.bin"}) {
		t.Errorf("after writing into a missing folder, %s holds %v", dir, got)
	}
}
