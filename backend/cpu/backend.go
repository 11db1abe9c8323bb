package cpu

import (
	"fmt"
	"os"
	"sync"

	"github.com/gankit/gankit/backend/cpu/simd"
	"github.com/gankit/gankit/backend/gofix"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// NoFusionEnv, when set, turns elementwise fusion off.
const NoFusionEnv = "GANKIT_CPU_NOFUSE"

// Backend implements backends.Backend. Buffers and delegated ops belong to the
// wrapped pure-Go backend.
type Backend struct {
	inner backends.Backend // gofix-wrapped simplego: buffers, shape inference, delegated ops

	mu    sync.Mutex
	cache map[string]*delegated // one-op executables by op signature
	final bool

	opTimes *opTimes   // per-op time, when $GANKIT_CPU_OPTIMES names a file
	scratch scratch    // kernels' temporary buffers
	buffers bufferPool // freed buffers, for reuse

	noFusion bool     // $GANKIT_CPU_NOFUSE set: run elementwise ops one by one (for comparisons)
	kernels  simd.Set // the kernel set the products and convolutions run on
}

// New returns a CPU backend on the kernel set $GANKIT_CPU_KERNELS names, or the best
// this CPU runs.
func New() (*Backend, error) {
	k, err := simd.FromEnv()
	if err != nil {
		return nil, fmt.Errorf("cpu backend: %w", err)
	}
	return NewWithKernels(k)
}

// NewWithKernels returns a CPU backend on kernel set k (simd.Auto: the best this CPU
// runs). A set the CPU cannot run is an error.
func NewWithKernels(k simd.Set) (*Backend, error) {
	if !k.Runs() {
		return nil, fmt.Errorf("cpu backend: this CPU cannot run the %s kernels", k)
	}
	inner, err := gofix.New()
	if err != nil {
		return nil, err
	}
	b := &Backend{inner: inner, cache: map[string]*delegated{}, noFusion: os.Getenv(NoFusionEnv) != "", kernels: k.Resolve()}
	if path := os.Getenv(OpTimesEnv); path != "" {
		b.opTimes = &opTimes{path: path, byOp: map[string]*opTime{}}
	}
	return b, nil
}

var _ backends.Backend = (*Backend)(nil)

// Kernels is the kernel set the backend runs.
func (b *Backend) Kernels() simd.Set { return b.kernels }

func (b *Backend) Name() string   { return "cpu" }
func (b *Backend) String() string { return "cpu" }
func (b *Backend) Description() string {
	return "gankit CPU backend: own kernels for the hot ops, the rest delegated to GoMLX's pure-Go backend"
}
func (b *Backend) NumDevices() int { return 1 }
func (b *Backend) DeviceDescription(d backends.DeviceNum) string {
	return fmt.Sprintf("cpu:%d", d)
}
func (b *Backend) Capabilities() backends.Capabilities { return b.inner.Capabilities() }
func (b *Backend) Finalize() {
	if b.opTimes != nil {
		_ = b.opTimes.write()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.cache {
		d.exec.Finalize()
	}
	b.cache = nil
	b.buffers.drain(func(buf backends.Buffer) { _ = b.inner.BufferFinalize(buf) })
	b.final = true
	b.inner.Finalize()
}
func (b *Backend) IsFinalized() bool { return b.final }

// Trim lets go of every buffer the backend keeps for reuse (freed tensors, kernel
// scratch): for a process that moves on to other shapes and wants the memory back now
// rather than after the pools' idle limit.
func (b *Backend) Trim() {
	b.buffers.drain(func(buf backends.Buffer) { _ = b.inner.BufferFinalize(buf) })
	b.scratch.trim()
}

// Builder starts a new graph.
func (b *Backend) Builder(name string) backends.Builder {
	return &Builder{backend: b, name: name, shadow: b.inner.Builder(name + "/shapes")}
}

// The data interface is the pure-Go backend's.
func (b *Backend) BufferFinalize(buf backends.Buffer) error {
	b.recycle(buf)
	return nil
}

// newBuffer returns a buffer of shape s, reused when one is free, and its flat data.
func (b *Backend) newBuffer(s shapes.Shape) (backends.Buffer, any, error) {
	if buf := b.buffers.get(s); buf != nil {
		flat, err := b.inner.BufferData(buf)
		return buf, flat, err
	}
	return b.inner.NewSharedBuffer(0, s)
}

// recycle takes back a buffer no one uses any more.
func (b *Backend) recycle(buf backends.Buffer) {
	s, err := b.inner.BufferShape(buf)
	if err != nil || !b.buffers.put(s, buf) {
		_ = b.inner.BufferFinalize(buf)
	}
}
func (b *Backend) BufferShape(buf backends.Buffer) (shapes.Shape, error) {
	return b.inner.BufferShape(buf)
}
func (b *Backend) BufferDeviceNum(buf backends.Buffer) (backends.DeviceNum, error) {
	return b.inner.BufferDeviceNum(buf)
}
func (b *Backend) BufferToFlatData(buf backends.Buffer, flat any) error {
	return b.inner.BufferToFlatData(buf, flat)
}
func (b *Backend) BufferFromFlatData(d backends.DeviceNum, flat any, s shapes.Shape) (backends.Buffer, error) {
	return b.inner.BufferFromFlatData(d, flat, s)
}
func (b *Backend) HasSharedBuffers() bool { return true }
func (b *Backend) NewSharedBuffer(d backends.DeviceNum, s shapes.Shape) (backends.Buffer, any, error) {
	return b.inner.NewSharedBuffer(d, s)
}
func (b *Backend) BufferData(buf backends.Buffer) (any, error) { return b.inner.BufferData(buf) }
func (b *Backend) BufferCopyToDevice(src backends.Buffer, d backends.DeviceNum) (backends.Buffer, error) {
	return b.inner.BufferCopyToDevice(src, d)
}
