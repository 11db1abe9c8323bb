package run

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/gankit/gankit/config"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// testConfig is the tiny preset's config: what a checkpoint's header records.
func testConfig(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.FromPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// testContext holds a few variables of the dtypes and ranks a run has: a float32
// matrix, a float32 scalar, a float64 vector and an int64 counter; scale makes the
// values of one checkpoint differ from another's.
func testContext(scale float32) *context.Context {
	ctx := context.New()
	ctx.InAbsPath("/g/dense").VariableWithValue("weights", [][]float32{{scale * 0.125, scale * 0.25, scale * 0.375}, {scale * 0.5, scale * 0.625, scale * 0.75}})
	ctx.InAbsPath("/optim/g").VariableWithValue("step", scale*7)
	ctx.InAbsPath("/d/bn").VariableWithValue("mean", []float64{float64(scale) * -1.5, 2.25})
	ctx.InAbsPath("/ema").VariableWithValue("count", int64(scale*3))
	return ctx
}

// encodeTest encodes testContext(scale) at step with the tiny config.
func encodeTest(t testing.TB, step int, scale float32) []byte {
	t.Helper()
	y, err := testConfig(t).YAML()
	if err != nil {
		t.Fatal(err)
	}
	vars, err := contextVariables(testContext(scale))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := encodeCheckpoint(&b, step, y, vars); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tensorBytes(t testing.TB, x *tensors.Tensor) []byte {
	t.Helper()
	var out []byte
	if err := x.ConstBytes(func(b []byte) { out = bytes.Clone(b) }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCRC32CIsCastagnoli(t *testing.T) {
	// The check value of CRC-32C (RFC 3720, appendix B.4) over the ASCII digits.
	if got := crc32.Checksum([]byte("123456789"), castagnoli()); got != 0xe3069283 {
		t.Fatalf("CRC-32C(123456789) = %08x, want e3069283", got)
	}
}

// TestCheckpointLayout checks the format's fields where checkpoint.go's comment says
// they are, in a checkpoint of four small variables.
func TestCheckpointLayout(t *testing.T) {
	b := encodeTest(t, 42, 1)
	y, _ := testConfig(t).YAML()
	le := binary.LittleEndian
	n := len(y)
	headerEnd := 24 + n + 4
	payload := b[headerEnd : len(b)-16]
	// Payload: u32 count, then per variable 4 + len(key) + 4 + 4 + 8*rank + data bytes.
	wantPayload := 4 +
		(4 + len("/d/bn\x00mean") + 8 + 8*1 + 2*8) +
		(4 + len("/ema\x00count") + 8 + 0 + 8) +
		(4 + len("/g/dense\x00weights") + 8 + 8*2 + 6*4) +
		(4 + len("/optim/g\x00step") + 8 + 0 + 4)
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"magic", string(b[:8]), "gankitck"},
		{"version", le.Uint32(b[8:]), uint32(2)},
		{"step", le.Uint64(b[12:]), uint64(42)},
		{"config length", le.Uint32(b[20:]), uint32(n)},
		{"config", string(b[24 : 24+n]), string(y)},
		{"header CRC", le.Uint32(b[24+n:]), crc32.Checksum(b[:24+n], castagnoli())},
		{"payload length", len(payload), wantPayload},
		{"variable count", le.Uint32(payload), uint32(4)},
		// Sorted by key: /d/bn comes first.
		{"first name", string(payload[8 : 8+len("/d/bn\x00mean")]), "/d/bn\x00mean"},
		{"trailer length", le.Uint64(b[len(b)-16:]), uint64(wantPayload)},
		{"trailer CRC", le.Uint32(b[len(b)-8:]), crc32.Checksum(payload, castagnoli())},
		{"trailer magic", string(b[len(b)-4:]), "ckok"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.what, tc.got, tc.want)
		}
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	b := encodeTest(t, 42, 1)
	ck, err := decodeCheckpoint("mem", bytes.NewReader(b), int64(len(b)), true)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Step != 42 || ck.Version != 2 || ck.Config == nil || !reflect.DeepEqual(*ck.Config, testConfig(t)) {
		t.Fatalf("step %d, version %d, config %+v", ck.Step, ck.Version, ck.Config)
	}
	want, _ := contextVariables(testContext(1))
	if len(ck.vars) != len(want) {
		t.Fatalf("%d variables back, %d written", len(ck.vars), len(want))
	}
	for _, v := range want {
		got, ok := ck.vars[v.key]
		if !ok {
			t.Fatalf("variable %q missing", v.key)
		}
		if got.Shape().String() != v.t.Shape().String() || !bytes.Equal(tensorBytes(t, got), tensorBytes(t, v.t)) {
			t.Errorf("%q: %s %v, wrote %s %v", v.key, got.Shape(), got.Value(), v.t.Shape(), v.t.Value())
		}
	}
	if !bytes.Equal(encodeTest(t, 42, 1), b) {
		t.Error("the same state encodes to different bytes")
	}
}

// TestEveryBitFlipIsRefused flips each bit of a checkpoint in turn: CRC-32C catches
// every single-bit error, and every byte is under a checksum or a checked field.
func TestEveryBitFlipIsRefused(t *testing.T) {
	b := encodeTest(t, 42, 1)
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		ck, err := decodeCheckpoint("mem", bytes.NewReader(c), int64(len(c)), true)
		if err == nil {
			t.Fatalf("bit %d (byte %d of %d) flipped: accepted as step %d", i%8, i/8, len(b), ck.Step)
		}
	}
}

// TestCutOrExtendedCheckpointsAreRefused: every prefix of a checkpoint, and the
// checkpoint with bytes appended, are refused as damaged.
func TestCutOrExtendedCheckpointsAreRefused(t *testing.T) {
	b := encodeTest(t, 42, 1)
	for n := range len(b) {
		_, err := decodeCheckpoint("mem", bytes.NewReader(b[:n]), int64(n), true)
		var de *DamagedError
		if !errors.As(err, &de) {
			t.Fatalf("first %d of %d bytes: error %v, want a DamagedError", n, len(b), err)
		}
	}
	long := append(bytes.Clone(b), 0, 0, 0, 0)
	if _, err := decodeCheckpoint("mem", bytes.NewReader(long), int64(len(long)), true); err == nil || !strings.Contains(err.Error(), "trailer") {
		t.Errorf("4 bytes appended: %v", err)
	}
}

func TestNewerFormatVersionIsNamed(t *testing.T) {
	b := encodeTest(t, 42, 1)
	binary.LittleEndian.PutUint32(b[8:], 3)
	_, err := decodeCheckpoint("ck.bin", bytes.NewReader(b), int64(len(b)), true)
	if err == nil || !strings.Contains(err.Error(), "format version 3") || !strings.Contains(err.Error(), "newer gankit") {
		t.Errorf("version 3: %v", err)
	}
}

// TestReadsFormat1Checkpoints reads a checkpoint written by gankit before checksums
// (testdata/README.md says what it holds).
func TestReadsFormat1Checkpoints(t *testing.T) {
	ck, err := ReadCheckpoint("testdata/format1.bin")
	if err != nil {
		t.Fatal(err)
	}
	if ck.Version != 1 || ck.Step != 42 || ck.Config != nil || len(ck.vars) != 2 {
		t.Fatalf("version %d step %d config %v, %d variables", ck.Version, ck.Step, ck.Config, len(ck.vars))
	}
	w := ck.vars["/g/dense\x00weights"].Value().([][]float32)
	s := ck.vars["/optim/g\x00step"].Value().(float32)
	if w[0][0] != 0.125 || w[1][2] != 0.75 || s != 7 {
		t.Errorf("weights %v, step %v", w, s)
	}
	raw, _ := os.ReadFile("testdata/format1.bin")
	raw[len(raw)-3] ^= 0xff // inside the last tensor's gob data
	if ck, err := decodeCheckpoint("x", bytes.NewReader(raw), int64(len(raw)), true); err == nil {
		// Format 1 has no checksum: a flip in the values is not seen, which is why
		// format 2 exists. It must still not panic, and must keep the shape.
		if got := ck.vars["/optim/g\x00step"].Value().(float32); got == 7 {
			t.Errorf("flipped byte did not reach the value")
		}
	}
}

// TestCheckpointNamesArePrecise: only the exact names SaveCheckpoint makes count.
func TestCheckpointNamesArePrecise(t *testing.T) {
	for _, tc := range []struct {
		name string
		step int
		ok   bool
	}{
		{"ckpt-000000030.bin", 30, true},
		{"ckpt-000000000.bin", 0, true},
		{"ckpt-1234567890.bin", 1234567890, true}, // past 10^9 steps the name grows
		{"ckpt-backup.bin", 0, false},
		{"ckpt-30.bin", 0, false},
		{"ckpt-0000000030.bin", 0, false},
		{"ckpt-000000030.bin.old", 0, false},
		{"ckpt--00000030.bin", 0, false},
		{"ckpt-+00000030.bin", 0, false},
		{".ckpt-000000030.bin.tmp-123", 0, false},
		{"ckpt-.bin", 0, false},
	} {
		step, ok := checkpointStep(tc.name)
		if ok != tc.ok || step != tc.step {
			t.Errorf("%s: %d %v, want %d %v", tc.name, step, ok, tc.step, tc.ok)
		}
	}
}

// failAfter is a disk that fills up after n bytes.
type failAfter struct {
	w io.Writer
	n int
}

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return f.w.Write(p)
	}
	k, _ := f.w.Write(p[:f.n])
	f.n = 0
	return k, syscall.ENOSPC
}

// shortWriter writes half of what it is given and reports no error: a broken
// io.Writer, which bufio turns into io.ErrShortWrite.
type shortWriter struct{ w io.Writer }

func (s shortWriter) Write(p []byte) (int, error) { return s.w.Write(p[:len(p)/2]) }

// TestCheckpointWriterFaults injects faults into the writing of the step-6
// checkpoint of a run that has a good one at step 3: a disk that fills after 1 byte,
// half the file or all but its last byte, a short write, and, after a good write, a bit flipped on disk in
// each third of the file or the file cut to two thirds. Each time the step-3
// checkpoint survives untouched, no temporary file is left, and the checkpoint used
// is the newest good one.
func TestCheckpointWriterFaults(t *testing.T) {
	type fault struct {
		name string
		wrap func(io.Writer) io.Writer // while writing
		harm func(path string) error   // after a good write
	}
	full := func(n int) func(io.Writer) io.Writer {
		return func(w io.Writer) io.Writer { return &failAfter{w: w, n: n} }
	}
	flip := func(third int) func(string) error {
		return func(path string) error {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			i := len(b)*third/3 + len(b)/6 // the middle of the third
			b[i] ^= 0x10
			return os.WriteFile(path, b, 0o644)
		}
	}
	size := len(encodeTest(t, 6, 2))
	for _, tc := range []fault{
		{name: "disk full after 1 byte", wrap: full(1)},
		{name: "disk full after half the file", wrap: full(size / 2)},
		{name: "disk full one byte before the end", wrap: full(size - 1)},
		{name: "short write", wrap: func(w io.Writer) io.Writer { return shortWriter{w} }},
		{name: "bit flip in the first third", harm: flip(0)},
		{name: "bit flip in the second third", harm: flip(1)},
		{name: "bit flip in the last third", harm: flip(2)},
		{name: "cut to two thirds", harm: func(path string) error {
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			return os.Truncate(path, st.Size()*2/3)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w, err := Create(dir, testConfig(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Start(); err != nil {
				t.Fatal(err)
			}
			if _, err := w.SaveCheckpoint(testContext(1), 3, 5); err != nil {
				t.Fatal(err)
			}
			good, _ := os.ReadFile(CheckpointPath(dir, 3))
			w.wrap = tc.wrap
			_, err = w.SaveCheckpoint(testContext(2), 6, 5)
			if tc.wrap != nil && err == nil {
				t.Fatal("the faulty write reported no error")
			}
			if tc.harm != nil {
				if err != nil {
					t.Fatal(err)
				}
				if err := tc.harm(CheckpointPath(dir, 6)); err != nil {
					t.Fatal(err)
				}
			}
			w.Close()
			if b, _ := os.ReadFile(CheckpointPath(dir, 3)); !bytes.Equal(b, good) {
				t.Error("the step-3 checkpoint changed")
			}
			if left, _ := filepath.Glob(filepath.Join(dir, CheckpointDir, ".*")); len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			var log strings.Builder
			ck, err := LatestCheckpoint(dir, &log)
			if err != nil {
				t.Fatal(err)
			}
			if ck.Step != 3 || ck.vars["/optim/g\x00step"].Value().(float32) != 7 {
				t.Errorf("used step %d, want the good step 3", ck.Step)
			}
			if tc.harm != nil && !strings.Contains(log.String(), "ckpt-000000006.bin is damaged") {
				t.Errorf("the damaged checkpoint was not reported: %q", log.String())
			}
		})
	}
}

// TestPruneRemovesDamagedBeforeGood: with checkpoints 3 (good) and 6 (damaged) and
// keep 2, saving 9 removes 6, not 3; a file that is not a checkpoint is never pruned.
func TestPruneRemovesDamagedBeforeGood(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	w, err := Create(dir, testConfig(t), Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{3, 6} {
		if _, err := w.SaveCheckpoint(testContext(float32(s)), s, 2); err != nil {
			t.Fatal(err)
		}
	}
	stray := filepath.Join(dir, CheckpointDir, "ckpt-backup.bin")
	if err := os.WriteFile(stray, []byte("a user's copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(CheckpointPath(dir, 6), 100); err != nil {
		t.Fatal(err)
	}
	w.verified = map[int]error{} // as a new process would: it has not read them
	if _, err := w.SaveCheckpoint(testContext(9), 9, 2); err != nil {
		t.Fatal(err)
	}
	steps, _ := CheckpointSteps(dir)
	if len(steps) != 2 || steps[0] != 3 || steps[1] != 9 {
		t.Errorf("kept steps %v, want [3 9]", steps)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("ckpt-backup.bin was removed: %v", err)
	}
	if !strings.Contains(log.String(), "ckpt-000000006.bin") {
		t.Errorf("the removal of the damaged checkpoint was not reported: %q", log.String())
	}
	// Then the oldest good one goes.
	if _, err := w.SaveCheckpoint(testContext(12), 12, 2); err != nil {
		t.Fatal(err)
	}
	if steps, _ := CheckpointSteps(dir); len(steps) != 2 || steps[0] != 9 || steps[1] != 12 {
		t.Errorf("kept steps %v, want [9 12]", steps)
	}
}

// FuzzReadCheckpoint: no input makes the checkpoint reader panic or allocate more
// than the input's size allows, and what it accepts reads back as written.
func FuzzReadCheckpoint(f *testing.F) {
	good := encodeTest(f, 42, 1)
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(encodeTest(f, 0, 0))
	legacy, err := os.ReadFile("testdata/format1.bin")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(legacy)
	f.Add([]byte{})
	f.Add([]byte("gankitck"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ck, err := decodeCheckpoint("fuzz", bytes.NewReader(b), int64(len(b)), true)
		if err != nil {
			return
		}
		if ck.Step < 0 || (ck.Version == 2 && ck.Config == nil) {
			t.Fatalf("accepted step %d, version %d, config %v", ck.Step, ck.Version, ck.Config)
		}
		for k, v := range ck.vars {
			if v.Shape().Size() < 0 || strings.Count(k, "\x00") > 1 {
				t.Fatalf("variable %q of shape %s", k, v.Shape())
			}
		}
	})
}

// FuzzDecodeVariables feeds the payload decoder directly, past the checksum that
// stops nearly every input of FuzzReadCheckpoint before it.
func FuzzDecodeVariables(f *testing.F) {
	good := encodeTest(f, 42, 1)
	y, _ := testConfig(f).YAML()
	f.Add(good[24+len(y)+4 : len(good)-16])
	f.Add([]byte{1, 0, 0, 0, 5, 0, 0, 0, 'a', 0, 'b'})
	f.Add([]byte{1, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b', 11, 0, 0, 0, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 127})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := &payloadReader{r: bufio.NewReader(bytes.NewReader(b)), left: int64(len(b))}
		vars, err := decodeVariables(p)
		if err != nil {
			return
		}
		total := 0
		for _, v := range vars {
			total += v.Shape().Size() * v.DType().Size()
		}
		if total > len(b) {
			t.Fatalf("%d bytes of values from a %d-byte payload", total, len(b))
		}
	})
}
