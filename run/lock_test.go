package run

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLockAdmitsOneWriter: a second LockRun on the same directory is refused with the
// holder's PID and start time, and succeeds once the first is released, which removes
// the lock file.
func TestLockAdmitsOneWriter(t *testing.T) {
	dir := t.TempDir()
	a, err := LockRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.TookOver != nil {
		t.Errorf("a fresh directory's lock taken over from %v", a.TookOver)
	}
	_, err = LockRun(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
		t.Fatalf("second lock: %v, want a LockedError naming PID %d", err, os.Getpid())
	}
	for _, want := range []string{fmt.Sprintf("PID %d", os.Getpid()), "started " + time.Now().Format("2006-01-02"), dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file after release: %v", err)
	}
	b, err := LockRun(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	b.Release()
}

// TestLockOfAKilledProcessIsTakenOver runs this test binary as a child that takes the
// lock and waits: while it lives the lock is refused with its PID; once it is killed
// (SIGKILL: no chance to clean up) the lock is taken over, naming it.
func TestLockOfAKilledProcessIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	cmd.Env = append(os.Environ(), "GANKIT_TEST_HOLD_LOCK="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "locked") {
		t.Fatalf("child: %q, %v", line, err)
	}
	_, err = LockRun(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Fatalf("lock held by child %d: %v", cmd.Process.Pid, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	l, err := LockRun(dir)
	if err != nil {
		t.Fatalf("lock of a killed process: %v", err)
	}
	defer l.Release()
	if l.TookOver == nil || l.TookOver.PID != cmd.Process.Pid {
		t.Errorf("took over %v, want PID %d", l.TookOver, cmd.Process.Pid)
	}
}

// TestHelperHoldLock is the child of TestLockOfAKilledProcessIsTakenOver.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("GANKIT_TEST_HOLD_LOCK")
	if dir == "" {
		t.Skip("a helper process, run by TestLockOfAKilledProcessIsTakenOver")
	}
	if _, err := LockRun(dir); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestRefusalWaitsForTheHolderToWriteItsName: a holder takes the lock and only then
// writes its name; a writer refused in between must not name the file's previous
// content (empty, or a killed process's name) but the holder, once written. CI saw
// "a process that has not written its name yet" when two resumes started together.
func TestRefusalWaitsForTheHolderToWriteItsName(t *testing.T) {
	for _, stale := range []string{"", `{"pid": 2147483646, "host": "` + hostname(t) + `"}`} {
		t.Run(fmt.Sprintf("stale=%q", stale), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, LockFile)
			if err := os.WriteFile(path, []byte(stale), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := tryLock(f); err != nil {
				t.Fatal(err)
			}
			holder := &Lock{path: path, f: f}
			defer holder.Release()
			go func() {
				time.Sleep(300 * time.Millisecond)
				_ = holder.claim()
			}()
			_, err = LockRun(dir)
			var le *LockedError
			if !errors.As(err, &le) || le.Holder.PID != os.Getpid() {
				t.Fatalf("refusal %v, want one naming PID %d", err, os.Getpid())
			}
		})
	}
}

func hostname(t *testing.T) string {
	h, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
