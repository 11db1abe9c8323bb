package inception

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Array is a float32 array read from (or written to) a .npz file.
type Array struct {
	Shape []int
	Data  []float32
}

// ReadNPZ reads every float32 array of a NumPy .npz archive (np.savez), by name.
func ReadNPZ(path string) (map[string]Array, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a .npz (zip) file: %w", path, err)
	}
	defer zr.Close()
	out := map[string]Array{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		raw, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		a, err := parseNPY(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, f.Name, err)
		}
		out[strings.TrimSuffix(f.Name, ".npy")] = a
	}
	return out, nil
}

var (
	descrRe = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	orderRe = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRe = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// parseNPY reads a version 1.0-3.0 .npy array of little-endian float32, C order.
func parseNPY(raw []byte) (Array, error) {
	if len(raw) < 10 || string(raw[:6]) != "\x93NUMPY" {
		return Array{}, fmt.Errorf("not a .npy array")
	}
	var hlen, off int
	if raw[6] == 1 {
		hlen, off = int(binary.LittleEndian.Uint16(raw[8:10])), 10
	} else {
		if len(raw) < 12 {
			return Array{}, fmt.Errorf("truncated .npy header")
		}
		hlen, off = int(binary.LittleEndian.Uint32(raw[8:12])), 12
	}
	if off+hlen > len(raw) {
		return Array{}, fmt.Errorf("truncated .npy header")
	}
	header := string(raw[off : off+hlen])
	d, o, s := descrRe.FindStringSubmatch(header), orderRe.FindStringSubmatch(header), shapeRe.FindStringSubmatch(header)
	if d == nil || o == nil || s == nil {
		return Array{}, fmt.Errorf("unreadable .npy header %q", header)
	}
	if d[1] != "<f4" {
		return Array{}, fmt.Errorf("dtype %s: want little-endian float32 (<f4); save with .astype(np.float32)", d[1])
	}
	if o[1] == "True" {
		return Array{}, fmt.Errorf("Fortran-ordered array: save a C-ordered copy")
	}
	var shape []int
	size := 1
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil {
			return Array{}, fmt.Errorf("shape %q: %w", s[1], err)
		}
		shape = append(shape, n)
		size *= n
	}
	body := raw[off+hlen:]
	if len(body) != 4*size {
		return Array{}, fmt.Errorf("shape %v needs %d bytes, the array has %d", shape, 4*size, len(body))
	}
	a := Array{Shape: shape, Data: make([]float32, size)}
	for i := range a.Data {
		a.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(body[4*i:]))
	}
	return a, nil
}

// WriteNPZ writes arrays as a .npz archive that np.load reads (format 1.0 arrays).
func WriteNPZ(path string, arrays map[string]Array) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, a := range arrays {
		w, err := zw.Create(name + ".npy")
		if err != nil {
			return err
		}
		dims := make([]string, len(a.Shape))
		for i, d := range a.Shape {
			dims[i] = strconv.Itoa(d)
		}
		shape := strings.Join(dims, ", ")
		if len(dims) == 1 {
			shape += ","
		}
		header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shape)
		pad := 64 - (10+len(header)+1)%64
		header += strings.Repeat(" ", pad%64) + "\n"
		hdr := []byte("\x93NUMPY\x01\x00")
		hdr = binary.LittleEndian.AppendUint16(hdr, uint16(len(header)))
		body := make([]byte, 4*len(a.Data))
		for i, v := range a.Data {
			binary.LittleEndian.PutUint32(body[4*i:], math.Float32bits(v))
		}
		if _, err := w.Write(append(append(hdr, header...), body...)); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}
