//go:build unix

package run

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

func tryLock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return errHeld
	}
	return err
}

func unlock(f *os.File) { _ = unix.Flock(int(f.Fd()), unix.LOCK_UN) }

// release removes the file while still holding it, so that a process that opened it
// before the removal sees, once it has the lock, that the path names another file.
func release(f *os.File, path string) error {
	err := os.Remove(path)
	unlock(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// processAlive reports whether a process with this PID exists (signal 0 checks
// without sending anything; EPERM means it exists under another user).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
