package run

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/gankit/gankit/config"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// A checkpoint file, format version 2. Integers are little-endian.
//
//	header   "gankitck" | u32 version | u64 step | u32 n | n bytes: the config (YAML)
//	         | u32 CRC-32C of the header's bytes before it
//	payload  u32 count, then per variable: u32 n | n bytes: scope "\x00" name
//	         | u32 dtype (GoMLX's, which is XLA's) | u32 rank | rank x u64 dimensions
//	         | the values, as the tensor holds them in memory
//	trailer  u64 payload length | u32 CRC-32C of the payload | "ckok"
//
// The header alone gives the step and the config that trained the weights. The
// trailer comes last, so a file cut short has none, and a flipped bit anywhere fails
// one of the two checksums: a checkpoint is either read back exactly as written or
// refused. CRC-32C (Castagnoli) detects every burst error up to 32 bits and is
// computed in hardware on amd64 and arm64.
//
// Format version 1 (gankit before checkpoints had checksums) is a gob stream with no
// checksum; it is still read, so older runs can be sampled and resumed.
const (
	checkpointMagic   = "gankitck"
	checkpointVersion = 2
	trailerMagic      = "ckok"
	trailerSize       = 8 + 4 + 4 // payload length, checksum, trailerMagic
	legacyMagic       = "gankit-checkpoint-v1"

	// Bounds on what a header or record may claim, checked before anything is
	// allocated: a damaged length must not become a huge allocation.
	maxConfigBytes = 1 << 20
	maxKeyBytes    = 1 << 12
	maxRank        = 16
)

// castagnoli is CRC-32C's table (crc32 builds it once and hands out the same one).
func castagnoli() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) }

// Checkpoint is a loaded, verified checkpoint: its step, the config that trained it,
// and its variables by "scope\x00name".
type Checkpoint struct {
	Path    string
	Step    int
	Version int
	// Config is the config the weights were trained with (nil in format 1, which did
	// not record it: config.yaml stands in for it).
	Config *config.Config
	vars   map[string]*tensors.Tensor
}

// Attach makes ctx take its variables from the checkpoint as they are created.
func (c *Checkpoint) Attach(ctx *context.Context) { ctx.SetLoader(c) }

// LoadVariable implements context.Loader.
func (c *Checkpoint) LoadVariable(_ *context.Context, scope, name string) (*tensors.Tensor, bool) {
	t, ok := c.vars[scope+"\x00"+name]
	if ok {
		delete(c.vars, scope+"\x00"+name) // ownership passes to the context
	}
	return t, ok
}

// DeleteVariable implements context.Loader.
func (c *Checkpoint) DeleteVariable(_ *context.Context, scope, name string) error {
	delete(c.vars, scope+"\x00"+name)
	return nil
}

// Variables are the checkpoint's tensors not yet attached to a context, by
// "scope\x00name" (a copy of the index; the tensors are the checkpoint's).
func (c *Checkpoint) Variables() map[string]*tensors.Tensor { return maps.Clone(c.vars) }

// hasScope says whether the checkpoint holds a variable under scope (not yet attached).
func (c *Checkpoint) hasScope(scope string) bool {
	for k := range c.vars {
		if strings.HasPrefix(k, scope+"/") || strings.HasPrefix(k, scope+"\x00") {
			return true
		}
	}
	return false
}

// variable is one named tensor of a checkpoint.
type variable struct {
	key string // scope "\x00" name
	t   *tensors.Tensor
}

// contextVariables lists ctx's variables sorted by key, so that the same state always
// gives the same file.
func contextVariables(ctx *context.Context) ([]variable, error) {
	var out []variable
	for v := range ctx.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.ScopeAndName(), err)
		}
		out = append(out, variable{v.Scope() + "\x00" + v.Name(), t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// encodeCheckpoint writes a format-2 checkpoint to w.
func encodeCheckpoint(w io.Writer, step int, cfgYAML []byte, vars []variable) error {
	if len(cfgYAML) > maxConfigBytes {
		return fmt.Errorf("config is %d bytes, a checkpoint holds at most %d", len(cfgYAML), maxConfigBytes)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var h bytes.Buffer
	h.WriteString(checkpointMagic)
	le := binary.LittleEndian
	h.Write(le.AppendUint32(nil, checkpointVersion))
	h.Write(le.AppendUint64(nil, uint64(step)))
	h.Write(le.AppendUint32(nil, uint32(len(cfgYAML))))
	h.Write(cfgYAML)
	h.Write(le.AppendUint32(nil, crc32.Checksum(h.Bytes(), castagnoli())))
	if _, err := bw.Write(h.Bytes()); err != nil {
		return err
	}
	crc := crc32.New(castagnoli())
	pw := &countWriter{w: io.MultiWriter(bw, crc)}
	if _, err := pw.Write(le.AppendUint32(nil, uint32(len(vars)))); err != nil {
		return err
	}
	for _, v := range vars {
		if err := encodeVariable(pw, v); err != nil {
			return fmt.Errorf("variable %s: %w", strings.ReplaceAll(v.key, "\x00", "/"), err)
		}
	}
	tr := le.AppendUint64(nil, uint64(pw.n))
	tr = le.AppendUint32(tr, crc.Sum32())
	tr = append(tr, trailerMagic...)
	if _, err := bw.Write(tr); err != nil {
		return err
	}
	return bw.Flush()
}

func encodeVariable(w io.Writer, v variable) error {
	le := binary.LittleEndian
	s := v.t.Shape()
	if !s.DType.IsSupported() || s.IsTuple() || s.Rank() > maxRank {
		return fmt.Errorf("cannot store a tensor of shape %s", s)
	}
	b := le.AppendUint32(nil, uint32(len(v.key)))
	b = append(b, v.key...)
	b = le.AppendUint32(b, uint32(s.DType))
	b = le.AppendUint32(b, uint32(s.Rank()))
	for _, d := range s.Dimensions {
		b = le.AppendUint64(b, uint64(d))
	}
	if _, err := w.Write(b); err != nil {
		return err
	}
	if s.Size() == 0 {
		return nil
	}
	var werr error
	if err := v.t.ConstBytes(func(data []byte) { _, werr = w.Write(data) }); err != nil {
		return err
	}
	return werr
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// DamagedError says a checkpoint cannot be used as it is on disk.
type DamagedError struct {
	Path   string
	Reason string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("checkpoint %s is damaged: %s", e.Path, e.Reason)
}

// MisnamedError says a checkpoint file reads back whole but its name says another
// step than its header: a copy saved under a checkpoint's name (cp ckpt-40.bin
// ckpt-999.bin). Its name would make it the newest checkpoint, so it is passed over
// like a damaged one; unlike a damaged one it is never pruned, for it may be a user's
// only copy of a step.
type MisnamedError struct {
	Path     string
	Step     int // the step its header records
	NameStep int // the step its name says
}

func (e *MisnamedError) Error() string {
	return fmt.Sprintf("checkpoint %s holds step %d, not step %d as its name says (a copy under a checkpoint's name?): it is passed over and never pruned; rename it (ckpt-backup.bin is ignored) or remove it",
		e.Path, e.Step, e.NameStep)
}

// ReadCheckpoint loads one checkpoint file and verifies its checksums. A file named
// as the checkpoint of a step (ckpt-NNNNNNNNN.bin) must hold that step, else the
// error is a *MisnamedError.
func ReadCheckpoint(path string) (*Checkpoint, error) {
	return readCheckpointFile(path, true)
}

// VerifyCheckpoint checks a checkpoint file's structure, checksums and step (as
// ReadCheckpoint does) without keeping its tensors.
func VerifyCheckpoint(path string) error {
	_, err := readCheckpointFile(path, false)
	return err
}

func readCheckpointFile(path string, keep bool) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &DamagedError{path, "not a regular file"}
	}
	c, err := decodeCheckpoint(path, f, st.Size(), keep)
	if err != nil {
		return nil, err
	}
	if step, named := checkpointStep(filepath.Base(path)); named && step != c.Step {
		return nil, &MisnamedError{Path: path, Step: c.Step, NameStep: step}
	}
	return c, nil
}

// decodeCheckpoint reads a checkpoint of size bytes from r. With keep false it only
// verifies. Every length is checked against the bytes that remain before it is used.
func decodeCheckpoint(path string, r io.ReaderAt, size int64, keep bool) (*Checkpoint, error) {
	damaged := func(format string, a ...any) error { return &DamagedError{path, fmt.Sprintf(format, a...)} }
	le := binary.LittleEndian
	head := make([]byte, 24)
	if n, err := r.ReadAt(head, 0); n < len(head) {
		if n >= 8 && string(head[:8]) == checkpointMagic {
			return nil, damaged("cut short: %d bytes, too few for a header", size)
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	if string(head[:8]) != checkpointMagic {
		return decodeLegacy(path, io.NewSectionReader(r, 0, size), keep)
	}
	if v := le.Uint32(head[8:]); v != checkpointVersion {
		if v > checkpointVersion && v < 1<<16 {
			return nil, fmt.Errorf("checkpoint %s has format version %d; this gankit reads versions 1 and %d (a newer gankit wrote it)", path, v, checkpointVersion)
		}
		return nil, damaged("format version %d is not one gankit writes", v)
	}
	step := le.Uint64(head[12:])
	n := int64(le.Uint32(head[20:]))
	headerEnd := int64(len(head)) + n + 4
	if n > maxConfigBytes || headerEnd+trailerSize > size {
		return nil, damaged("cut short or corrupt header: its config claims %d bytes of a %d-byte file", n, size)
	}
	hb := make([]byte, headerEnd)
	if _, err := r.ReadAt(hb, 0); err != nil {
		return nil, err
	}
	if got, want := crc32.Checksum(hb[:headerEnd-4], castagnoli()), le.Uint32(hb[headerEnd-4:]); got != want {
		return nil, damaged("header checksum %08x, recorded %08x", got, want)
	}
	if step > 1<<53 {
		return nil, damaged("step %d is not a step", step)
	}
	tr := make([]byte, trailerSize)
	if _, err := r.ReadAt(tr, size-trailerSize); err != nil {
		return nil, err
	}
	payloadLen := size - trailerSize - headerEnd
	if string(tr[12:]) != trailerMagic || int64(le.Uint64(tr)) != payloadLen {
		return nil, damaged("cut short or extended: %d bytes, and the trailer that ends a whole checkpoint is not at its end", size)
	}
	c := &Checkpoint{Path: path, Step: int(step), Version: checkpointVersion}
	crc := crc32.New(castagnoli())
	buf := int(min(payloadLen, 1<<20)) + 16 // bufio takes at least 16
	pr := &payloadReader{r: bufio.NewReaderSize(io.TeeReader(io.NewSectionReader(r, headerEnd, payloadLen), crc), buf), left: payloadLen}
	if keep {
		vars, err := decodeVariables(pr)
		if err != nil {
			if sum := crcAfter(pr, crc); sum != le.Uint32(tr[8:]) {
				return nil, damaged("payload checksum %08x, recorded %08x", sum, le.Uint32(tr[8:]))
			}
			return nil, damaged("%v", err)
		}
		c.vars = vars
	}
	if sum := crcAfter(pr, crc); sum != le.Uint32(tr[8:]) {
		return nil, damaged("payload checksum %08x, recorded %08x", sum, le.Uint32(tr[8:]))
	}
	if pr.err != nil {
		return nil, pr.err
	}
	cfgYAML := hb[len(head) : len(head)+int(n)]
	cfg, err := config.Parse(path+" (its config)", cfgYAML, config.Config{})
	if err != nil {
		return nil, damaged("%v", err)
	}
	c.Config = &cfg
	return c, nil
}

// crcAfter reads what is left of the payload into the checksum and returns it.
func crcAfter(pr *payloadReader, crc hash.Hash32) uint32 {
	if _, err := io.Copy(io.Discard, pr); err != nil && pr.err == nil {
		pr.err = err
	}
	return crc.Sum32()
}

// payloadReader reads the payload and counts what is left of it.
type payloadReader struct {
	r    *bufio.Reader
	left int64
	err  error // an I/O error (not damage)
}

func (p *payloadReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.r.Read(b)
	p.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		p.err = err
	}
	return n, err
}

func (p *payloadReader) uint32() (uint32, error) {
	var b [4]byte
	if _, err := io.ReadFull(p, b[:]); err != nil {
		return 0, errors.New("payload ends inside a record")
	}
	return binary.LittleEndian.Uint32(b[:]), nil
}

func decodeVariables(p *payloadReader) (map[string]*tensors.Tensor, error) {
	count, err := p.uint32()
	if err != nil {
		return nil, err
	}
	// A variable takes at least 12 bytes: key length, dtype, rank.
	if int64(count) > p.left/12 {
		return nil, fmt.Errorf("%d variables claimed in %d bytes", count, p.left)
	}
	vars := make(map[string]*tensors.Tensor, count)
	for i := range int(count) {
		key, t, err := decodeVariable(p)
		if err != nil {
			return nil, fmt.Errorf("variable %d of %d: %w", i+1, count, err)
		}
		if _, dup := vars[key]; dup {
			return nil, fmt.Errorf("variable %q appears twice", strings.ReplaceAll(key, "\x00", "/"))
		}
		vars[key] = t
	}
	if p.left != 0 {
		return nil, fmt.Errorf("%d bytes after the last variable", p.left)
	}
	return vars, nil
}

func decodeVariable(p *payloadReader) (string, *tensors.Tensor, error) {
	n, err := p.uint32()
	if err != nil {
		return "", nil, err
	}
	if n > maxKeyBytes || int64(n) > p.left {
		return "", nil, fmt.Errorf("a name of %d bytes", n)
	}
	kb := make([]byte, n)
	if _, err := io.ReadFull(p, kb); err != nil {
		return "", nil, errors.New("payload ends inside a name")
	}
	key := string(kb)
	if strings.Count(key, "\x00") != 1 {
		return "", nil, fmt.Errorf("name %q is not scope and name", key)
	}
	dt, err := p.uint32()
	if err != nil {
		return "", nil, err
	}
	dtype := dtypes.DType(dt)
	if dt > 1<<16 || !dtype.IsSupported() {
		return "", nil, fmt.Errorf("%s: dtype %d is not one GoMLX stores", key, dt)
	}
	rank, err := p.uint32()
	if err != nil {
		return "", nil, err
	}
	if rank > maxRank {
		return "", nil, fmt.Errorf("%s: rank %d", key, rank)
	}
	dims := make([]int, rank)
	bytesLeft := p.left
	elems := int64(1)
	for i := range dims {
		var b [8]byte
		if _, err := io.ReadFull(p, b[:]); err != nil {
			return "", nil, errors.New("payload ends inside a shape")
		}
		d := binary.LittleEndian.Uint64(b[:])
		if d > uint64(bytesLeft) || (elems > 0 && int64(d) > bytesLeft/elems) {
			return "", nil, fmt.Errorf("%s: dimension %d does not fit in the %d bytes left", strings.ReplaceAll(key, "\x00", "/"), d, bytesLeft)
		}
		dims[i] = int(d)
		elems *= int64(d)
	}
	size := elems * int64(dtype.Size())
	if size > p.left {
		return "", nil, fmt.Errorf("%s: %d bytes of values, %d left", strings.ReplaceAll(key, "\x00", "/"), size, p.left)
	}
	t := tensors.FromShape(shapes.Make(dtype, dims...))
	if size > 0 {
		var rerr error
		if err := t.MutableBytes(func(data []byte) { _, rerr = io.ReadFull(p, data) }); err != nil {
			return "", nil, err
		}
		if rerr != nil {
			return "", nil, errors.New("payload ends inside the values")
		}
	}
	return key, t, nil
}

// decodeLegacy reads a format-1 checkpoint: a gob stream (magic, step, count, then
// name and tensor pairs) with no checksum. GoMLX's tensor decoder trusts its input, so
// every tensor's length is checked against its shape here, and a panic inside the
// decoder is reported as damage.
func decodeLegacy(path string, r io.Reader, keep bool) (c *Checkpoint, err error) {
	damaged := func(format string, a ...any) error { return &DamagedError{path, fmt.Sprintf(format, a...)} }
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, damaged("format 1: %v", p)
		}
	}()
	dec := gob.NewDecoder(bufio.NewReader(r))
	var magic string
	if err := dec.Decode(&magic); err != nil || magic != legacyMagic {
		return nil, damaged("not a gankit checkpoint")
	}
	c = &Checkpoint{Path: path, Version: 1, vars: map[string]*tensors.Tensor{}}
	var n int
	if err := dec.Decode(&c.Step); err != nil || c.Step < 0 {
		return nil, damaged("format 1: step %d: %v", c.Step, err)
	}
	if err := dec.Decode(&n); err != nil || n < 0 {
		return nil, damaged("format 1: variable count: %v", err)
	}
	for i := range n {
		var key string
		if err := dec.Decode(&key); err != nil {
			return nil, damaged("format 1: variable %d of %d: %v", i+1, n, err)
		}
		t, err := tensors.GobDeserialize(dec)
		if err != nil {
			return nil, damaged("format 1: variable %q: %v", strings.ReplaceAll(key, "\x00", "/"), err)
		}
		var length int
		if err := t.ConstFlatData(func(flat any) { length = reflect.ValueOf(flat).Len() }); err != nil || length != t.Shape().Size() {
			return nil, damaged("format 1: variable %q holds %d values for shape %s", strings.ReplaceAll(key, "\x00", "/"), length, t.Shape())
		}
		if keep {
			c.vars[key] = t
		}
	}
	return c, nil
}
