package data

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/gankit/gankit/internal/fsutil"
)

// source is where a folder's files are: a directory, or a .zip read in place (as
// StyleGAN2-ADA's training/dataset.py reads one). Files are named by their path
// relative to the root, with forward slashes, as dataset.json names them.
type source interface {
	// list is every file's relative name, sorted.
	list() ([]string, error)
	// open returns file rel ready to decode and what to close after; a file of
	// more than limit bytes is refused.
	open(rel string, limit float64) (io.ReadSeeker, io.Closer, error)
	// path names file rel in messages.
	path(rel string) string
	// stamp writes to w what changes whenever one of the files does: their names,
	// sizes and modification times (for a zip, the zip's own, and its entries' CRCs).
	stamp(w io.Writer, files []string) error
}

// dirSource is a directory, searched recursively.
type dirSource struct{ root string }

func (d dirSource) list() ([]string, error) {
	var files []string
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(files)
	return files, err
}

func (d dirSource) path(rel string) string { return filepath.Join(d.root, filepath.FromSlash(rel)) }

func (d dirSource) open(rel string, _ float64) (io.ReadSeeker, io.Closer, error) {
	path := d.path(rel)
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, unwrapPathError(err))
	}
	// Anything named like an image is listed, FIFOs and devices too: decoding
	// refuses them by name instead of skipping them unsaid.
	if err := fsutil.CheckRegular(path, st); err != nil {
		return nil, nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, unwrapPathError(err))
	}
	return fh, fh, nil
}

func (d dirSource) stamp(w io.Writer, files []string) error {
	for _, rel := range files {
		st, err := os.Stat(d.path(rel)) // links followed: a changed target changes the stamp
		if err != nil {
			return err
		}
		writeStamp(w, rel, st.Size(), st.ModTime().UnixNano())
	}
	return nil
}

func writeStamp(w io.Writer, name string, size, mtime int64) {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:], uint64(size))
	binary.LittleEndian.PutUint64(b[8:], uint64(mtime))
	fmt.Fprintf(w, "%d:%s", len(name), name)
	w.Write(b[:])
}

// zipSource is a .zip archive, kept open for the dataset's life; its entries are
// read concurrently through the file's ReadAt.
type zipSource struct {
	zipPath string
	r       *zip.Reader
	byName  map[string]*zip.File
	size    int64
	mtime   int64
}

func openZip(path string) (*zipSource, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", path, unwrapPathError(err))
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("data %s: %w", path, err)
	}
	r, err := zip.NewReader(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("data %s: reading it as a zip archive: %w", path, err)
	}
	z := &zipSource{zipPath: path, r: r, byName: map[string]*zip.File{}, size: st.Size(), mtime: st.ModTime().UnixNano()}
	for _, e := range r.File {
		if e.FileInfo().IsDir() {
			continue
		}
		if _, dup := z.byName[e.Name]; dup {
			fh.Close()
			return nil, fmt.Errorf("data %s: the zip holds two entries named %s", path, e.Name)
		}
		z.byName[e.Name] = e
	}
	return z, nil
}

func (z *zipSource) list() ([]string, error) {
	files := make([]string, 0, len(z.byName))
	for name := range z.byName {
		files = append(files, name)
	}
	sort.Strings(files)
	return files, nil
}

func (z *zipSource) path(rel string) string {
	if rel == "" {
		return z.zipPath
	}
	return z.zipPath + "/" + rel
}

func (z *zipSource) open(rel string, limit float64) (io.ReadSeeker, io.Closer, error) {
	e, ok := z.byName[rel]
	if !ok {
		return nil, nil, fmt.Errorf("reading %s: no such entry in the zip", z.path(rel))
	}
	if float64(e.UncompressedSize64) > limit {
		return nil, nil, fmt.Errorf("reading %s: the entry unpacks to %d bytes, more than the %.0f it may take", z.path(rel), e.UncompressedSize64, limit)
	}
	rc, err := e.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", z.path(rel), err)
	}
	defer rc.Close()
	// archive/zip refuses an entry that unpacks to more than its header says.
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", z.path(rel), err)
	}
	return bytes.NewReader(b), noClose{}, nil
}

func (z *zipSource) stamp(w io.Writer, files []string) error {
	writeStamp(w, z.zipPath, z.size, z.mtime)
	for _, rel := range files {
		writeStamp(w, rel, int64(z.byName[rel].UncompressedSize64), int64(z.byName[rel].CRC32))
	}
	return nil
}

type noClose struct{}

func (noClose) Close() error { return nil }

// readAll reads a small file of the source (dataset.json), at most limit bytes.
func readAll(s source, rel string, limit int64) ([]byte, error) {
	r, c, err := s.open(rel, float64(limit))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s.path(rel), err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than the %d bytes it may hold", s.path(rel), limit)
	}
	return b, nil
}
