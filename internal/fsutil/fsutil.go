// Package fsutil writes files so that a crash never leaves a torn one, and reads the
// files users name without blocking on a FIFO or reading a device forever.
package fsutil

import (
	"os"
	"path/filepath"
)

// WriteAtomic writes path through fill into a temporary file in the same folder,
// fsyncs it, renames it over path and fsyncs the folder.
func WriteAtomic(path string, fill func(*os.File) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WriteFileAtomic is WriteAtomic for a byte slice.
func WriteFileAtomic(path string, b []byte) error {
	return WriteAtomic(path, func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}
