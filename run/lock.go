package run

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockFile is the run directory's lock: it exists while a process writes the run and
// names that process.
const LockFile = "lock"

// Holder is the process that holds (or held) a run's lock, as written in its lock file.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Since   time.Time `json:"since"` // when it took the lock
	Command string    `json:"command"`
}

func (h Holder) String() string {
	if h.PID == 0 {
		return "a process that has not written its name yet"
	}
	s := fmt.Sprintf("PID %d", h.PID)
	if h.Host != "" {
		s += " on " + h.Host
	}
	if !h.Since.IsZero() {
		s += ", started " + h.Since.Local().Format("2006-01-02 15:04:05")
	}
	if h.Command != "" {
		s += ": " + h.Command
	}
	return s
}

// LockedError is the answer to a second writer: another process holds the run.
type LockedError struct {
	Dir    string
	Holder Holder
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("run %s is being written by another gankit process (%s); wait for it to finish or stop it — two writers would mix their checkpoints and metrics",
		e.Dir, e.Holder)
}

// Lock is the exclusive right to write one run directory. It is an advisory lock held
// on DIR/lock (flock(2) on Unix, LockFileEx on Windows) for as long as the process
// lives: the operating system releases it when the process ends, however it ends, so a
// lock left by a killed process is free and the next writer takes it over.
type Lock struct {
	path string
	f    *os.File
	// TookOver is the process whose lock file was still there but no longer held:
	// a writer that was killed. Nil when the lock was free.
	TookOver *Holder
}

// errHeld is what tryLock returns when another process holds the lock.
var errHeld = errors.New("lock held by another process")

// LockRun takes dir's lock, creating dir's lock file. A lock held by a live process is
// a *LockedError naming it.
func LockRun(dir string) (*Lock, error) {
	path := filepath.Join(dir, LockFile)
	// A holder releasing the lock removes the file; if that happens between our open
	// and our lock, we hold a file nobody else will find: start again.
	for range 100 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("locking run %s: %w", dir, err)
		}
		if err := tryLock(f); err != nil {
			f.Close()
			if errors.Is(err, errHeld) {
				return nil, &LockedError{Dir: dir, Holder: currentHolder(path)}
			}
			return nil, fmt.Errorf("locking run %s: %w", dir, err)
		}
		if !samePath(f, path) {
			unlock(f)
			f.Close()
			continue
		}
		l := &Lock{path: path, f: f}
		if err := l.claim(); err != nil {
			l.Release()
			return nil, fmt.Errorf("locking run %s: %w", dir, err)
		}
		return l, nil
	}
	return nil, fmt.Errorf("locking run %s: its lock file kept being replaced", dir)
}

// claim records a previous holder, if the file names one, and writes ours.
func (l *Lock) claim() error {
	prev, err := io.ReadAll(io.NewSectionReader(l.f, 0, 1<<16))
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(prev))) > 0 {
		var h Holder
		_ = json.Unmarshal(prev, &h) // a torn file still says a writer was here
		l.TookOver = &h
	}
	host, _ := os.Hostname()
	me, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC(), Command: strings.Join(os.Args, " ")})
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	if _, err := l.f.WriteAt(append(me, '\n'), 0); err != nil {
		return err
	}
	return l.f.Sync()
}

// Release gives the lock up and removes the lock file.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := release(l.f, l.path)
	l.f = nil
	return err
}

func samePath(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}

// holderWait bounds how long a refused writer waits for the holder to write its name:
// the holder takes the lock first and writes its name just after, microseconds later
// on an idle machine but seconds later when its process is descheduled on busy cores.
// The wait ends as soon as the name is there, so a long bound costs a refused writer
// nothing; it only caps the wait for a holder that never writes (one stopped by
// SIGSTOP between the two).
const holderWait = 30 * time.Second

// currentHolder reads who holds the lock at path. Between taking the lock and writing
// its name a new holder leaves the file empty, or still naming a previous holder that
// was killed; it reads again until the file names a live process on this host (or one
// on another host), for at most holderWait.
func currentHolder(path string) Holder {
	deadline := time.Now().Add(holderWait)
	host, _ := os.Hostname()
	for {
		h, err := readHolder(path)
		if err == nil && h.PID != 0 && (h.Host != host || processAlive(h.PID)) {
			return h
		}
		if time.Now().After(deadline) {
			return h
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readHolder(path string) (Holder, error) {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	return h, json.Unmarshal(b, &h)
}
