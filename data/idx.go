package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
)

// IDX is an in-memory Fashion-MNIST/MNIST style dataset: a rank-3 unsigned-byte IDX
// file of images (magic 0x00000803) and, optionally, a rank-1 one of labels (0x00000801).
type IDX struct {
	name   string
	n, h   int
	pixels []uint8
	labels []uint8
}

// ReadIDX reads an images file and, if labelsPath is not empty, its labels. Either may
// be gzip-compressed (detected from its content, not its name).
func ReadIDX(imagesPath, labelsPath string) (*IDX, error) {
	raw, err := readMaybeGzip(imagesPath)
	if err != nil {
		return nil, err
	}
	return parseIDX(imagesPath, raw, labelsPath)
}

func parseIDX(imagesPath string, raw []byte, labelsPath string) (*IDX, error) {
	dims, body, err := idxBody(imagesPath, raw, 3)
	if err != nil {
		return nil, err
	}
	if dims[1] != dims[2] {
		return nil, fmt.Errorf("reading %s: images are %dx%d, gankit wants square images", imagesPath, dims[1], dims[2])
	}
	d := &IDX{name: imagesPath, n: dims[0], h: dims[1], pixels: body}
	if labelsPath == "" {
		return d, nil
	}
	rawL, err := readMaybeGzip(labelsPath)
	if err != nil {
		return nil, err
	}
	ldims, lbody, err := idxBody(labelsPath, rawL, 1)
	if err != nil {
		return nil, err
	}
	if ldims[0] != d.n {
		return nil, fmt.Errorf("reading %s: %d labels for %d images in %s", labelsPath, ldims[0], d.n, imagesPath)
	}
	d.labels = lbody
	return d, nil
}

// idxBody checks an IDX header (unsigned bytes, the wanted rank) and that the body is complete.
func idxBody(path string, raw []byte, rank int) ([]int, []byte, error) {
	if len(raw) < 4+4*rank {
		return nil, nil, fmt.Errorf("reading %s: %d bytes, too short for an IDX header (want at least %d)", path, len(raw), 4+4*rank)
	}
	if raw[0] != 0 || raw[1] != 0 || raw[2] != 0x08 || int(raw[3]) != rank {
		return nil, nil, fmt.Errorf("reading %s: IDX magic %#02x%02x%02x%02x, want 0x000008%02x (unsigned bytes, rank %d)",
			path, raw[0], raw[1], raw[2], raw[3], rank, rank)
	}
	dims := make([]int, rank)
	size := 1.0 // in float64: three dimensions of 2^24 overflow an int
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(raw[4+4*i:]))
		if dims[i] == 0 || dims[i] > 1<<24 {
			return nil, nil, fmt.Errorf("reading %s: IDX dimension %d is %d", path, i, dims[i])
		}
		size *= float64(dims[i])
	}
	body := raw[4+4*rank:]
	if float64(len(body)) != size {
		return nil, nil, fmt.Errorf("reading %s: IDX header says %v (%.0f bytes), file holds %d bytes of data", path, dims, size, len(body))
	}
	return dims, body, nil
}

func readMaybeGzip(path string) ([]byte, error) {
	mem := sysmem.Available()
	raw, err := readInput(path, mem)
	if err != nil {
		return nil, err
	}
	return gunzip(path, raw, mem)
}

// readInput reads a data file whole (gankit keeps IDX and CIFAR-10 data in memory),
// refusing one that is not a regular file or holds more than half the memory available.
func readInput(path string, mem sysmem.Budget) ([]byte, error) {
	raw, err := fsutil.ReadRegular(path, int64(min(mem.Bytes/2, 1<<62)))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w (the data must fit in half the %s available, %s)", path, unwrapPathError(err), sysmem.Format(mem.Bytes), mem.Source)
	}
	return raw, nil
}

func gunzipIfNeeded(path string, raw []byte) ([]byte, error) {
	return gunzip(path, raw, sysmem.Available())
}

// gunzip decompresses raw when it starts with gzip's magic bytes (else returns it),
// stopping at half the memory available: a small file can claim any size.
func gunzip(path string, raw []byte, mem sysmem.Budget) ([]byte, error) {
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("reading %s: gzip: %w", path, err)
	}
	limit := int64(min(mem.Bytes/2, 1<<62))
	out, err := io.ReadAll(io.LimitReader(bufio.NewReader(zr), limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: gzip: %w", path, err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("reading %s: gzip: decompresses to more than %s, half the memory available (%s)", path, sysmem.Format(float64(limit)), mem.Source)
	}
	return out, nil
}

func (d *IDX) Name() string { return d.name }

func (d *IDX) Len() int { return d.n }

func (d *IDX) Shape() Shape { return Shape{Size: d.h, Channels: 1} }

func (d *IDX) Read(i int, dst []float32) error {
	k := d.h * d.h
	for j, p := range d.pixels[i*k : (i+1)*k] {
		dst[j] = scaleByte(p)
	}
	return nil
}

func (d *IDX) Label(i int) int {
	if d.labels == nil {
		return -1
	}
	return int(d.labels[i])
}

// Limit keeps the first n examples (all when n <= 0 or n >= Len).
func (d *IDX) Limit(n int) {
	if n > 0 && n < d.n {
		d.n = n
	}
}
