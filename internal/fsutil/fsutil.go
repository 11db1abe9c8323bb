// Package fsutil writes files so that a crash never leaves a torn one, and reads the
// files users name without blocking on a FIFO or reading a device forever.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempMark separates a temporary file's target name from os.CreateTemp's random digits.
const tempMark = ".tmp-"

// WriteAtomic writes path through fill into a temporary file in the same folder,
// fsyncs it, renames it over path and fsyncs the folder. A path that exists and is
// not a regular file is refused (see CheckReplaceable).
func WriteAtomic(path string, fill func(*os.File) error) error {
	if err := CheckReplaceable(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempMark+"*")
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
	return SyncDir(dir)
}

// WriteFileAtomic is WriteAtomic for a byte slice.
func WriteFileAtomic(path string, b []byte) error {
	return WriteAtomic(path, func(f *os.File) error {
		_, err := f.Write(b)
		return err
	})
}

// CheckReplaceable refuses a path that exists and is not a regular file. An atomic
// write renames its temporary file over the path, which would replace the node itself:
// a device (/dev/full), a FIFO, or a symbolic link (not the file it points to); and a
// directory cannot be replaced at all.
func CheckReplaceable(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s exists and is %s, not a regular file: gankit writes only regular files and will not replace it; choose another path", path, kind(st.Mode()))
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeDir != 0:
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file (" + m.Type().String() + ")"
}

// TempTarget says whether name is one of WriteAtomic's temporary files (".NAME.tmp-"
// and os.CreateTemp's digits) and returns NAME: what an interrupted write left.
func TempTarget(name string) (string, bool) {
	if !strings.HasPrefix(name, ".") {
		return "", false
	}
	i := strings.LastIndex(name, tempMark)
	if i < 2 {
		return "", false
	}
	digits := name[i+len(tempMark):]
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return "", false
	}
	return name[1:i], true
}

// SyncDir fsyncs a directory, so that renames into or out of it are on disk.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
