//go:build windows

package run

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// lockRange is the one byte locked: far past the end of the file, so that the holder's
// name in it stays readable (Windows' byte-range locks are mandatory).
func lockRange() *windows.Overlapped { return &windows.Overlapped{OffsetHigh: 0x40000000} }

func tryLock(f *os.File) error {
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, lockRange())
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return errHeld
	}
	return err
}

func unlock(f *os.File) { _ = windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, lockRange()) }

// release unlocks and closes before removing: Windows does not remove an open file. A
// removal that fails (another process has the file open) leaves it for the next
// writer, who takes it over.
func release(f *os.File, path string) error {
	unlock(f)
	err := f.Close()
	_ = os.Remove(path)
	return err
}

// processAlive reports whether a process with this PID exists.
func processAlive(pid int) bool {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	var code uint32
	return windows.GetExitCodeProcess(h, &code) == nil && code == 259 // STILL_ACTIVE
}
