//go:build unix

package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteAtomicRefusesWhatIsNotARegularFile: a symbolic link, a FIFO, a directory
// (and, as root, a device node) at the path is refused and left as it was; a regular
// file is replaced.
func TestWriteAtomicRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target.txt")
	if err := os.WriteFile(target, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func(path string) error
		want string
	}{
		{"symlink", func(p string) error { return os.Symlink(target, p) }, "a symbolic link"},
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "a named pipe"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "a directory"},
		{"device", func(p string) error {
			if os.Geteuid() != 0 {
				t.Skip("making a device node needs root")
			}
			return syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|3) // /dev/null's numbers
		}, "a device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := tc.make(p); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Lstat(p)
			err := WriteFileAtomic(p, []byte("new"))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("error %v, want one naming %s as %s", err, p, tc.want)
			}
			after, err := os.Lstat(p)
			if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
				t.Errorf("the %s was replaced: %v", tc.name, err)
			}
			if b, _ := os.ReadFile(target); string(b) != "keep me" {
				t.Errorf("the link's target changed: %q", b)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
	if err := WriteFileAtomic(target, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(target); string(b) != "new" {
		t.Errorf("regular file: %q", b)
	}
}

func TestTempTargetParsesOnlyWriteAtomicsNames(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		ok           bool
	}{
		{".config.yaml.tmp-123456", "config.yaml", true},
		{".ckpt-000000030.bin.tmp-1", "ckpt-000000030.bin", true},
		{"config.yaml.tmp-1", "", false},
		{".config.yaml.tmp-", "", false},
		{".config.yaml.tmp-12a", "", false},
		{".tmp-1", "", false},
		{".x", "", false},
		{"", "", false},
	} {
		if target, ok := TempTarget(tc.name); target != tc.target || ok != tc.ok {
			t.Errorf("%q: %q %v, want %q %v", tc.name, target, ok, tc.target, tc.ok)
		}
	}
	// And WriteAtomic's own temporary files are what it parses.
	dir := t.TempDir()
	path := filepath.Join(dir, "x.png")
	err := WriteAtomic(path, func(f *os.File) error {
		if target, ok := TempTarget(filepath.Base(f.Name())); !ok || target != "x.png" {
			t.Errorf("temporary file %s parses as %q %v", f.Name(), target, ok)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
