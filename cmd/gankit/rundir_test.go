//go:build unix

package main

// Tests of the run directory through real gankit processes: this test binary,
// re-executed to run main (TestGankitProcess), so that locks, signals and kills act
// on separate processes as they do for users.

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gankit/gankit/internal/testutil"
	rundir "github.com/gankit/gankit/run"
)

// TestGankitProcess is gankit itself when GANKIT_TEST_PROCESS is set: the arguments
// after -- are its command line.
func TestGankitProcess(t *testing.T) {
	if os.Getenv("GANKIT_TEST_PROCESS") != "1" {
		t.Skip("gankit in a child process, for the process tests")
	}
	os.Args = append([]string{"gankit"}, flag.Args()...)
	main()
	os.Exit(0)
}

// proc is a gankit process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
}

// syncBuffer is a bytes.Buffer that can be read while the process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// oneRefused waits for the first of two writers started together to exit, the one
// refused, and returns the other as the winner; after two minutes it fails with msg.
func oneRefused(t *testing.T, a, b *proc, msg string) (winner, loser *proc) {
	t.Helper()
	select {
	case <-a.done:
		return b, a
	case <-b.done:
		return a, b
	case <-time.After(2 * time.Minute):
		t.Fatal(msg)
	}
	return nil, nil
}

// startGankit starts `gankit args...` in its own process.
func startGankit(t *testing.T, args ...string) *proc {
	t.Helper()
	return startProc(t, exec.Command(os.Args[0], append([]string{"-test.run=^TestGankitProcess$", "--"}, args...)...))
}

// startProc starts cmd: gankit (startGankit's command line), or a wrapper that execs it.
func startProc(t *testing.T, cmd *exec.Cmd) *proc {
	t.Helper()
	p := &proc{cmd: cmd, done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), "GANKIT_TEST_PROCESS=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process and returns its exit code (-1 when a signal killed it).
// A panic or a Go runtime error in its output fails the test: gankit never panics.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(5 * time.Minute):
		t.Fatalf("gankit %v still running after 5 minutes", p.cmd.Args[3:])
	}
	for _, bad := range []string{"panic:", "fatal error:", "goroutine 1 ["} {
		if strings.Contains(p.stderr.String()+p.stdout.String(), bad) {
			t.Errorf("gankit %v printed %q:\n%s", p.cmd.Args[3:], bad, p.stderr.String())
		}
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) signal(t *testing.T, s os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(s); err != nil {
		t.Fatal(err)
	}
}

// gankitRun runs gankit to the end and returns its exit code, stdout and stderr.
func gankitRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	p := startGankit(t, args...)
	code := p.wait(t)
	return code, p.stdout.String(), p.stderr.String()
}

// waitFor polls cond until it holds; gankit processes start in well under a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 2 minutes for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// metricsSteps reads the steps of a run's metrics.jsonl (damaged lines fail the test).
func metricsSteps(t *testing.T, dir string) []int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, rundir.MetricsFile))
	if err != nil {
		return nil
	}
	var steps []int
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		var m rundir.Metrics
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			return steps // a line being written
		}
		steps = append(steps, m.Step)
	}
	return steps
}

// checkStepsOnce fails unless steps rise strictly: no step logged twice.
func checkStepsOnce(t *testing.T, steps []int) {
	t.Helper()
	for i := 1; i < len(steps); i++ {
		if steps[i] <= steps[i-1] {
			t.Fatalf("metrics.jsonl steps %v: %d after %d", steps, steps[i], steps[i-1])
		}
	}
}

// lockHolder is the PID in a run's lock file (0 when there is none).
func lockHolder(dir string) int {
	var h rundir.Holder
	b, err := os.ReadFile(filepath.Join(dir, rundir.LockFile))
	if err != nil || json.Unmarshal(b, &h) != nil {
		return 0
	}
	return h.PID
}

// long is a tiny-preset run that goes on until it is stopped.
func long(dir string, extra ...string) []string {
	return append([]string{"train", "--preset", "tiny", "--out", dir, "--steps", "1000000"}, extra...)
}

// TestSecondWriterIsRefusedNamingTheHolder: two `gankit train` on one --out, started
// together: exactly one trains; the other exits 1 naming the holder's PID and start
// time, and the run holds only the winner's config and each step once. Before the
// lock, both exited 0 with their metrics interleaved.
func TestSecondWriterIsRefusedNamingTheHolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	a := startGankit(t, long(dir, "--seed", "1")...)
	b := startGankit(t, long(dir, "--seed", "2")...)
	winner, loser := oneRefused(t, a, b, "neither second writer was refused")
	if code := loser.wait(t); code != 1 {
		t.Fatalf("refused writer: exit %d, stderr:\n%s", code, loser.stderr.String())
	}
	msg := loser.stderr.String()
	for _, want := range []string{"being written by another gankit process", fmt.Sprintf("PID %d", winner.cmd.Process.Pid), "started " + time.Now().Format("2006-01-02")} {
		if !strings.Contains(msg, want) {
			t.Errorf("refusal %q lacks %q", msg, want)
		}
	}
	waitFor(t, "the winner's first metrics", func() bool { return len(metricsSteps(t, dir)) >= 2 })
	winner.signal(t, syscall.SIGINT)
	if code := winner.wait(t); code != exitStopped {
		t.Fatalf("winner stopped by SIGINT: exit %d\n%s", code, winner.stderr.String())
	}
	cfg, err := rundir.ReadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[*proc]int64{a: 1, b: 2}[winner]; cfg.Train.Seed != want {
		t.Errorf("config.yaml has seed %d, the winner's is %d", cfg.Train.Seed, want)
	}
	checkStepsOnce(t, metricsSteps(t, dir))
}

// TestConcurrentResumesOneIsRefused: two `--resume` of one run at once: one continues,
// the other exits 1 naming it.
func TestConcurrentResumesOneIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := gankitRun(t, "train", "--preset", "tiny", "--out", dir); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	a := startGankit(t, "train", "--resume", dir, "--steps", "1000000")
	b := startGankit(t, "train", "--resume", dir, "--steps", "1000000")
	winner, loser := oneRefused(t, a, b, "neither resume was refused")
	if code := loser.wait(t); code != 1 || !strings.Contains(loser.stderr.String(), fmt.Sprintf("PID %d", winner.cmd.Process.Pid)) {
		t.Fatalf("refused resume: exit %d, stderr:\n%s", code, loser.stderr.String())
	}
	waitFor(t, "the resumed run's metrics", func() bool { return len(metricsSteps(t, dir)) > 7 })
	winner.signal(t, syscall.SIGTERM)
	if code := winner.wait(t); code != exitStopped {
		t.Fatalf("resume stopped by SIGTERM: exit %d\n%s", code, winner.stderr.String())
	}
	checkStepsOnce(t, metricsSteps(t, dir))
}

// TestSignalStopsAfterTheStepWithACheckpoint: SIGINT, SIGTERM and SIGHUP each end a
// run that has no checkpoint yet (train.checkpoint_every 0: only at the end) with one
// at the step it was on, the exact command that resumes it, and exit status 75; the
// run then resumes from that step. Before, the default action killed the process and
// the run could not be resumed.
func TestSignalStopsAfterTheStepWithACheckpoint(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my run")
			p := startGankit(t, long(dir, "--set", "train.checkpoint_every=0")...)
			waitFor(t, "training to start", func() bool { return len(metricsSteps(t, dir)) >= 1 })
			p.signal(t, sig)
			if code := p.wait(t); code != exitStopped {
				t.Fatalf("exit %d, want %d\n%s", code, exitStopped, p.stderr.String())
			}
			out := p.stdout.String()
			var step, total int
			if _, err := fmt.Sscanf(out[max(0, strings.Index(out, "after step")):], "after step %d of %d", &step, &total); err != nil || total != 1000000 {
				t.Fatalf("stdout %q: %v", out, err)
			}
			want := fmt.Sprintf("resume with: gankit train --resume '%s'\n", dir)
			if !strings.Contains(out, want) || !strings.Contains(out, "stopped by "+sig.String()) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
			steps, _ := rundir.CheckpointSteps(dir)
			if len(steps) != 1 || steps[0] != step {
				t.Fatalf("checkpoints at %v, want one at the stop, step %d", steps, step)
			}
			if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, step)); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := gankitRun(t, "train", "--resume", dir, "--steps", strconv.Itoa(step+2))
			if code != 0 || !strings.Contains(stderr, fmt.Sprintf("(step %d)", step)) || !strings.Contains(stdout, fmt.Sprintf("trained steps %d-%d", step+1, step+2)) {
				t.Fatalf("resume: exit %d\n%s\n%s", code, stdout, stderr)
			}
		})
	}
}

// TestSecondSignalExitsAtOnceWithoutTearing: a second SIGINT, sent once gankit has
// said it is finishing its step, ends the run at once with status 130 (128 + 2), while
// it writes a checkpoint every step; every checkpoint left reads back whole, and the
// run resumes. (Two signals sent back to back would merge into one: Unix does not
// queue them.) A wider net makes each step long enough for the second to land in it.
func TestSecondSignalExitsAtOnceWithoutTearing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	p := startGankit(t, long(dir, "--set", "train.checkpoint_every=1", "--set", "model.width=48", "--batch", "128")...)
	waitFor(t, "checkpoints", func() bool { s, _ := rundir.CheckpointSteps(dir); return len(s) >= 1 })
	p.signal(t, syscall.SIGINT)
	waitFor(t, "gankit to take the first signal", func() bool { return strings.Contains(p.stderr.String(), "finishing this step") })
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t); code != 130 {
		t.Fatalf("exit %d, want 130\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "stopping now") {
		t.Errorf("stderr: %s", p.stderr.String())
	}
	steps, _ := rundir.CheckpointSteps(dir)
	for _, s := range steps {
		if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, s)); err != nil {
			t.Error(err)
		}
	}
	code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", strconv.Itoa(steps[len(steps)-1]+1))
	if code != 0 || !strings.Contains(stderr, "taking it over") {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
}

// TestKillAndResumeMatchesUninterruptedRun kills `gankit train` with SIGKILL 5 times
// (in start-up, in steps, in checkpoint writes), resumes it each time, and compares
// the final checkpoint byte for byte with that of an uninterrupted run of the same
// length, and the metrics step by step. A checkpoint every 25 steps with a metrics
// line every step means the log on disk (flushed when its 4 KiB buffer fills, about
// every 15 lines) often runs past the newest checkpoint when the kill comes: the
// resume must drop those lines.
//
// The kill points are chosen by what the run has written, not by the clock, so that
// a busy or a fast machine changes only where inside a step a kill lands: the test
// never depends on how fast the steps are. The choices come from a fixed seed.
func TestKillAndResumeMatchesUninterruptedRun(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and resumes gankit several times (about 20 s)")
	}
	const steps, seed = 75, 17
	tmp := t.TempDir()
	ref := filepath.Join(tmp, "ref")
	args := func(out string) []string {
		return []string{"train", "--preset", "tiny", "--out", out, "--steps", strconv.Itoa(steps), "--set", "train.checkpoint_every=25",
			"--set", "train.log_every=1", "--set", "train.sample_every=0", "--backend", "cpu"}
	}
	if code, _, stderr := gankitRun(t, args(ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, stderr)
	}
	dir := filepath.Join(tmp, "killed")
	killAndResume(t, rand.New(rand.NewPCG(seed, 0)), dir, args, steps)
	compareRuns(t, ref, dir, steps)
}

// A killPoint says when an attempt is killed: once until returns true, polled while
// the attempt runs.
type killPoint struct {
	what  string
	until func() bool
}

// killPoints are the 5 kills of killAndResume, each chosen when its attempt starts:
// past the newest checkpoint with the log on disk ahead of it; in start-up, before
// the attempt's first step; then three times at a step drawn from the first half of
// the steps left.
func killPoints(t *testing.T, r *rand.Rand, dir string, steps int) []func() killPoint {
	newest := func() int { ck, _ := rundir.LastCheckpointStep(dir); return ck }
	logged := func() int {
		ms := metricsSteps(t, dir)
		if len(ms) == 0 {
			return 0
		}
		return ms[len(ms)-1]
	}
	pastCheckpoint := func() killPoint {
		return killPoint{"with the log past the newest checkpoint", func() bool { ck := newest(); return ck > 0 && logged() > ck+1 }}
	}
	inStartup := func() killPoint {
		// After 0-39 polls of 10 ms: somewhere in the process's start-up (reading the
		// checkpoint, compiling the step) on an idle machine or a busy one; a kill
		// that lands in the first steps instead is as good a test.
		polls, n := r.IntN(40), 0
		return killPoint{fmt.Sprintf("in start-up (after %d polls, resuming at step %d)", polls, newest()), func() bool { n++; return n > polls }}
	}
	atStep := func() killPoint {
		from := max(newest(), logged()) // the log may hold stale lines past the checkpoint
		target := from + 1 + r.IntN(max(1, (steps-from)/2))
		return killPoint{fmt.Sprintf("once step %d is on disk", target), func() bool { return logged() >= target }}
	}
	return []func() killPoint{pastCheckpoint, inStartup, atStep, atStep, atStep}
}

// killAndResume trains into dir, killing one attempt at each of killPoints, then
// resumes it to the end. An attempt that finishes before its kill point (the log is
// flushed in blocks, so a late step can be on disk only at the end) ends the kills:
// the run is complete and is compared as it is.
func killAndResume(t *testing.T, r *rand.Rand, dir string, args func(string) []string, steps int) {
	kills := 0
	for _, point := range killPoints(t, r, dir, steps) {
		a := args(dir)
		if rundir.IsRun(dir) {
			a = []string{"train", "--resume", dir}
		}
		kp := point()
		p := startGankit(t, a...)
		if finished := waitUntilOrExit(t, p, kp.what, kp.until); finished {
			t.Logf("the attempt finished before its kill %s", kp.what)
			return
		}
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		switch code := p.wait(t); code {
		case -1:
		case 0: // it finished as the kill was sent
			t.Logf("the attempt finished at its kill %s", kp.what)
			return
		default:
			t.Fatalf("killed attempt: exit %d\n%s", code, p.stderr.String())
		}
		kills++
		cks, _ := rundir.CheckpointSteps(dir)
		for _, s := range cks {
			if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, s)); err != nil {
				t.Fatalf("after kill %d: %v", kills, err)
			}
		}
		t.Logf("kill %d %s: checkpoints %v, %d metrics lines", kills, kp.what, cks, len(metricsSteps(t, dir)))
	}
	if last, _ := rundir.LastCheckpointStep(dir); last == steps {
		return // the last kill came after the final checkpoint: the run is complete
	}
	a := []string{"train", "--resume", dir}
	if !rundir.IsRun(dir) {
		a = args(dir)
	}
	if code, _, stderr := gankitRun(t, a...); code != 0 {
		t.Fatalf("final resume: exit %d\n%s", code, stderr)
	}
}

// waitUntilOrExit polls cond until it holds (false) or p exits 0 first (true); an
// attempt that fails, or runs 5 minutes without either, fails the test.
func waitUntilOrExit(t *testing.T, p *proc, what string, cond func() bool) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for !cond() {
		select {
		case <-p.done:
			if code := p.wait(t); code != 0 {
				t.Fatalf("attempt to be killed %s: exit %d\n%s", what, code, p.stderr.String())
			}
			return true
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited 5 minutes for the kill point %s", what)
		}
	}
	return false
}

// compareRuns checks that the run in dir ends bitwise as the uninterrupted ref.
func compareRuns(t *testing.T, ref, dir string, steps int) {
	want, err := os.ReadFile(rundir.CheckpointPath(ref, steps))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(rundir.CheckpointPath(dir, steps))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("after the kills the step-%d checkpoint differs from the uninterrupted run's (%d vs %d bytes)", steps, len(got), len(want))
	}
	mref, mgot := readMetricsLines(t, ref), readMetricsLines(t, dir)
	if len(mref) != steps || len(mgot) != len(mref) {
		t.Fatalf("metrics: %d lines uninterrupted, %d killed and resumed", len(mref), len(mgot))
	}
	for i := range mref {
		if mref[i].Step != mgot[i].Step || mref[i].LossD != mgot[i].LossD || mref[i].LossG != mgot[i].LossG {
			t.Errorf("metrics line %d: %+v, uninterrupted %+v", i, mgot[i], mref[i])
		}
	}
}

func readMetricsLines(t *testing.T, dir string) []rundir.Metrics {
	t.Helper()
	ms, damaged, err := rundir.ReadMetrics(dir)
	if err != nil || damaged > 0 {
		t.Fatalf("%s: %d damaged lines, %v", dir, damaged, err)
	}
	return ms
}

// trainTiny trains the tiny preset (30 steps) into a new run and returns its directory.
func trainTiny(t *testing.T, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if code, _, stderr := gankitRun(t, append([]string{"train", "--preset", "tiny", "--out", dir}, extra...)...); code != 0 {
		t.Fatalf("train: exit %d\n%s", code, stderr)
	}
	return dir
}

// TestResumeOverridesAreCheckedBeforeAnythingIsWritten: on --resume, --set of a key
// that shapes the networks or the data is refused naming it, one of the training rule
// is refused without --allow-change, and either way the run is left byte for byte as
// it was, so plain --resume and sample still work. Before, config.yaml was rewritten
// first: a GoMLX shape error, then every later resume and sample failed the same way.
func TestResumeOverridesAreCheckedBeforeAnythingIsWritten(t *testing.T) {
	dir := trainTiny(t)
	before := testutil.Snapshot(t, dir)
	for _, tc := range []struct {
		set  string
		want string
	}{
		{"model.width=16", "model.width cannot change"},
		{"model.z_dim=8", "model.z_dim cannot change"},
		{"data.path=ring8", "data.path cannot change"},
		{"train.seed=3", "train.seed would change the training rule"},
		{"train.loss=hinge", "train.loss would change the training rule"},
		{"model.spectral_norm=true", "model.spectral_norm would change the training rule"},
		{"train.ema=0.999", "train.ema would change the training rule"},
	} {
		code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "35", "--set", tc.set)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("--set %s: exit %d, stderr %q, want %q", tc.set, code, stderr, tc.want)
		}
		if after := testutil.Snapshot(t, dir); after != before {
			t.Fatalf("--set %s changed the run:\n%s\nwas\n%s", tc.set, after, before)
		}
	}
	if code, _, stderr := gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", filepath.Join(t.TempDir(), "s.png")); code != 0 {
		t.Fatalf("sample after the refusals: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "35"); code != 0 {
		t.Fatalf("plain resume after the refusals: exit %d\n%s", code, stderr)
	}
	code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "40", "--set", "train.ema=0.999", "--allow-change")
	if code != 0 || !strings.Contains(stderr, "config change (training rule): train.ema 0 -> 0.999") {
		t.Fatalf("--allow-change: exit %d\n%s", code, stderr)
	}
	log, _ := os.ReadFile(filepath.Join(dir, rundir.ChangesFile))
	if !strings.Contains(string(log), `"step":35,"key":"train.ema","from":"0","to":"0.999","kind":"training rule"`) {
		t.Errorf("changes.jsonl:\n%s", log)
	}
	if code, _, stderr := gankitRun(t, "train", "--preset", "tiny", "--allow-change", "--out", filepath.Join(t.TempDir(), "x")); code != 1 || !strings.Contains(stderr, "--allow-change applies to --resume only") {
		t.Errorf("--allow-change on a new run: exit %d, %s", code, stderr)
	}
}

// TestOutputsNeverReplaceWhatIsNotARegularFile: sample --out onto a symbolic link, a
// FIFO, a directory or a device node, ablate's job script onto a link, and train --out
// into a directory of other files are refused, and nothing there changes. Before,
// the node itself was replaced (as root, /dev/full became a PNG).
func TestOutputsNeverReplaceWhatIsNotARegularFile(t *testing.T) {
	dir := trainTiny(t)
	tmp := t.TempDir()
	target := filepath.Join(tmp, "precious.txt")
	if err := os.WriteFile(target, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func(string) error
		want string
	}{
		{"symlink", func(p string) error { return os.Symlink(target, p) }, "is a symbolic link"},
		{"fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }, "is a named pipe"},
		{"directory", func(p string) error { return os.Mkdir(p, 0o755) }, "is a directory"},
		{"device", func(p string) error {
			if os.Geteuid() != 0 {
				t.Skip("a device node needs root")
			}
			return syscall.Mknod(p, syscall.S_IFCHR|0o666, 1<<8|7) // /dev/full's numbers
		}, "is a device"},
	} {
		t.Run("sample onto a "+tc.name, func(t *testing.T) {
			p := filepath.Join(tmp, tc.name+".png")
			if err := tc.make(p); err != nil {
				t.Fatal(err)
			}
			st, _ := os.Lstat(p)
			code, _, stderr := gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", p)
			if code != 1 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "--out") {
				t.Errorf("exit %d, stderr %q, want %q", code, stderr, tc.want)
			}
			if st2, err := os.Lstat(p); err != nil || !os.SameFile(st, st2) || st2.Mode() != st.Mode() {
				t.Errorf("the %s was replaced", tc.name)
			}
		})
	}
	if b, _ := os.ReadFile(target); string(b) != "mine" {
		t.Errorf("the link's target was written: %q", b)
	}

	t.Run("train into a directory of other files", func(t *testing.T) {
		other := filepath.Join(tmp, "other")
		_ = os.MkdirAll(other, 0o755)
		for name, body := range map[string]string{"config.yml": "mine", rundir.MetricsFile: "my log\n"} {
			_ = os.WriteFile(filepath.Join(other, name), []byte(body), 0o644)
		}
		before := testutil.Snapshot(t, other)
		code, _, stderr := gankitRun(t, "train", "--preset", "tiny", "--out", other)
		if code != 1 || !strings.Contains(stderr, "is not empty and is not a gankit run") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if after := testutil.Snapshot(t, other); after != before {
			t.Errorf("the directory changed:\n%s", after)
		}
	})

	t.Run("ablate's job script onto a symlink", func(t *testing.T) {
		abl := filepath.Join(tmp, "abl")
		_ = os.MkdirAll(abl, 0o755)
		if err := os.Symlink(target, filepath.Join(abl, "ablate.sbatch")); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := gankitRun(t, "ablate", "--preset", "ring8", "--vary", "model.pack=1,2", "--seeds", "1", "--out", abl, "--emit", "slurm")
		if code != 1 || !strings.Contains(stderr, "is a symbolic link") {
			t.Errorf("exit %d, stderr %q", code, stderr)
		}
		if b, _ := os.ReadFile(target); string(b) != "mine" {
			t.Errorf("the link's target was written: %q", b)
		}
	})
}

// TestOnlyExactCheckpointNamesCount: a user's checkpoints/ckpt-backup.bin (a copy of
// step 15) is neither resumed from nor pruned. Before, it sorted after the real
// checkpoints: resume went back to it and pruning deleted the newest real one.
func TestOnlyExactCheckpointNamesCount(t *testing.T) {
	dir := trainTiny(t) // checkpoints at 15 and 30, keep 2
	backup := filepath.Join(dir, rundir.CheckpointDir, "ckpt-backup.bin")
	b, err := os.ReadFile(rundir.CheckpointPath(dir, 15))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(backup, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "45")
	if code != 0 || !strings.Contains(stderr, "ckpt-000000030.bin (step 30)") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if got, err := os.ReadFile(backup); err != nil || !bytes.Equal(got, b) {
		t.Errorf("ckpt-backup.bin was changed or removed: %v", err)
	}
	if steps, _ := rundir.CheckpointSteps(dir); len(steps) != 2 || steps[0] != 30 || steps[1] != 45 {
		t.Errorf("checkpoints %v, want [30 45]", steps)
	}
}

// TestDamagedNewestCheckpointIsPassedOver: with a bit flipped in the newest checkpoint,
// sample reports it and uses the one before; with it cut short, resume does the same
// and goes on. Before, the flip was accepted (changed weights) and the cut stopped
// resume although the previous checkpoint was whole.
func TestDamagedNewestCheckpointIsPassedOver(t *testing.T) {
	dir := trainTiny(t, "--set", "train.checkpoint_every=10", "--set", "train.keep_checkpoints=3")
	newest := rundir.CheckpointPath(dir, 30)
	b, _ := os.ReadFile(newest)
	b[len(b)/2] ^= 0x04
	if err := os.WriteFile(newest, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := gankitRun(t, "sample", "--run", dir, "--n", "4", "--out", filepath.Join(t.TempDir(), "s.png"))
	if code != 0 || !strings.Contains(stdout, "(step 20)") || !strings.Contains(stderr, "ckpt-000000030.bin is damaged: payload checksum") {
		t.Fatalf("sample: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if err := os.Truncate(newest, int64(len(b))/3); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = gankitRun(t, "train", "--resume", dir, "--steps", "35")
	if code != 0 || !strings.Contains(stderr, "ckpt-000000030.bin is damaged: cut short") || !strings.Contains(stdout, "trained steps 21-35") {
		t.Fatalf("resume: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, s := range []int{20, 30, 35} {
		if err := rundir.VerifyCheckpoint(rundir.CheckpointPath(dir, s)); err != nil {
			t.Errorf("step %d: %v", s, err)
		}
	}
}

// TestResumeKeepsMetricsAroundADamagedLineAndRemovesTemporaryFiles: a damaged line in
// metrics.jsonl is reported and the valid lines after it are kept; the temporary files
// an interrupted write left are removed, a user's files kept. Before, every line after
// the damaged one was dropped, and temporary files stayed forever.
func TestResumeKeepsMetricsAroundADamagedLineAndRemovesTemporaryFiles(t *testing.T) {
	dir := trainTiny(t) // metrics every 5 steps: 5, 10, ..., 30
	path := filepath.Join(dir, rundir.MetricsFile)
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[1] = lines[1][:len(lines[1])/2] // step 10, cut
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	temps := []string{filepath.Join(dir, rundir.CheckpointDir, ".ckpt-000000031.bin.tmp-2894"), filepath.Join(dir, ".config.yaml.tmp-77")}
	mine := filepath.Join(dir, rundir.CheckpointDir, "notes.tmp-1")
	for _, p := range append(temps, mine) {
		_ = os.WriteFile(p, []byte("x"), 0o644)
	}
	code, _, stderr := gankitRun(t, "train", "--resume", dir, "--steps", "35")
	if code != 0 || !strings.Contains(stderr, "metrics.jsonl line 2 is damaged") || !strings.Contains(stderr, "removed 2 temporary file(s)") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	steps := metricsSteps(t, dir)
	if fmt.Sprint(steps) != "[5 15 20 25 30 35]" {
		t.Errorf("metrics steps %v, want [5 15 20 25 30 35]", steps)
	}
	for _, p := range temps {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s not removed", p)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a user's file was removed: %v", err)
	}
}

// TestEvalRefusesTruncationOnPixelNorm: eval, like sample, refuses truncation for a
// generator that pixel-normalises z. Before, eval accepted it.
func TestEvalRefusesTruncationOnPixelNorm(t *testing.T) {
	dir := trainTiny(t, "--set", "model.pixel_norm=true", "--set", "model.bn_g=false", "--steps", "5")
	for _, cmd := range [][]string{
		{"eval", "--run", dir, "--n", "50", "--truncation-mode", "psi", "--truncation", "0.7"},
		{"sample", "--run", dir, "--n", "4", "--truncation-mode", "clip", "--truncation", "1"},
	} {
		code, _, stderr := gankitRun(t, cmd...)
		if code != 1 || !strings.Contains(stderr, "model.pixel_norm") {
			t.Errorf("%s: exit %d, %s", cmd[0], code, stderr)
		}
	}
}
