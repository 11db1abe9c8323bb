package data

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gankit/gankit/internal/fsutil"
	"github.com/gankit/gankit/internal/sysmem"
)

// The decoded-image cache keeps a folder's images as Check leaves them (decoded,
// composited, resized and cropped, Size x Size x Channels bytes each) in one file,
// so that a resume or a second run reads them back instead of decoding every image
// again. The file is named for the folder's absolute path and the output settings,
// so another folder or data.size has a file of its own, and it holds a key: a
// SHA-256 over the format version, the settings (size, channels, background) and
// every listed file's relative name, size and modification time (for a zip: the
// zip's size and time, and its entries' names, sizes and CRC-32s). A file whose key
// differs from the folder's is stale and never used: the images are decoded again
// and the file rewritten. A file that does not read back (truncated, a bad
// checksum) is ignored with a note, never an error.
//
// Layout, little-endian: the magic "GKIMGCAC", the version (uint32), the key (32
// bytes), size, channels and the number of files n (uint32 each), n bytes saying
// which files are present (1) or not (0: not decoded, or not decodable), the
// present files' pixels in order, and a CRC-32 (Castagnoli) of all that.

// cacheVersion changes whenever the layout, or the pixels gankit computes from a
// file, change (decoding, compositing, resizing): an older file is then stale.
const cacheVersion = 1

var cacheMagic = []byte("GKIMGCAC")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// CacheDir resolves data.cache to the folder Options.CacheDir names: "" is
// os.UserCacheDir()/gankit/images, "off" is no cache (""), anything else the folder
// itself.
func CacheDir(setting string) (string, error) {
	switch setting {
	case "off":
		return "", nil
	case "":
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("data.cache: no user cache directory (%v): set data.cache to a folder, or off", err)
		}
		return filepath.Join(dir, "gankit", "images"), nil
	}
	return setting, nil
}

// CachePath is the file Check keeps the decoded images in; "" without a cache directory.
func (f *Folder) CachePath() string {
	if f.cacheDir == "" {
		return ""
	}
	abs, err := filepath.Abs(f.root)
	if err != nil {
		abs = f.root
	}
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%dx%dx%d\x00#%02x%02x%02x", abs, f.shape.Size, f.shape.Size, f.shape.Channels,
		f.background.R, f.background.G, f.background.B))
	base := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '-' || r == '_' || r == '.' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, filepath.Base(abs))
	return filepath.Join(f.cacheDir, fmt.Sprintf("%s-%dx%d-%s.cache", base, f.shape.Size, f.shape.Channels, hex.EncodeToString(h[:8])))
}

// cacheKey is the key a cache file must hold to be used for the folder as it is now.
func (f *Folder) cacheKey() ([32]byte, error) {
	h := sha256.New()
	fmt.Fprintf(h, "gankit decoded images v%d\x00%d %d #%02x%02x%02x\x00", cacheVersion, f.shape.Size, f.shape.Channels,
		f.background.R, f.background.G, f.background.B)
	var key [32]byte
	if err := f.src.stamp(h, f.files); err != nil {
		return key, err
	}
	h.Sum(key[:0])
	return key, nil
}

func (f *Folder) cacheHeader(key [32]byte) []byte {
	b := append([]byte{}, cacheMagic...)
	b = binary.LittleEndian.AppendUint32(b, cacheVersion)
	b = append(b, key[:]...)
	for _, v := range []int{f.shape.Size, f.shape.Channels, len(f.files)} {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// errStaleCache is a cache file made for other files or settings.
var errStaleCache = errors.New("made for other files or settings")

// readCache fills the images a cache file at path holds for key, at most mem/2
// bytes of it, and returns how many; a missing file is 0 and no error.
func (f *Folder) readCache(path string, key [32]byte, mem sysmem.Budget) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	raw, err := fsutil.ReadRegular(path, int64(mem.Bytes/2))
	if err != nil {
		return 0, err
	}
	head := f.cacheHeader(key)
	if len(raw) < len(head)+4 || !bytes.Equal(raw[:len(cacheMagic)], cacheMagic) {
		return 0, errors.New("not a gankit image cache, or truncated")
	}
	// The key (and the version before it) decide staleness before the checksum: a
	// file made for other files is stale, whether or not it is intact.
	if !bytes.Equal(raw[:len(head)], head) {
		return 0, errStaleCache
	}
	body, sum := raw[:len(raw)-4], binary.LittleEndian.Uint32(raw[len(raw)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return 0, errors.New("its checksum does not match: truncated or damaged")
	}
	n, per := len(f.files), f.shape.Len()
	present := body[len(head):]
	if len(present) < n {
		return 0, errors.New("truncated")
	}
	pix := present[n:]
	count := 0
	for _, p := range present[:n] {
		count += int(p)
	}
	if len(pix) != count*per {
		return 0, fmt.Errorf("%d bytes of pixels for %d images of %d bytes", len(pix), count, per)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range present[:n] {
		if p == 1 {
			f.cache[i], pix = pix[:per:per], pix[per:]
		}
	}
	return count, nil
}

// writeCache writes the images decoded so far to path, atomically.
func (f *Folder) writeCache(path string, key [32]byte) (int, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	count := 0
	err := fsutil.WriteAtomic(path, func(fh *os.File) error {
		crc := crc32.New(castagnoli)
		w := bufio.NewWriter(io.MultiWriter(fh, crc))
		w.Write(f.cacheHeader(key))
		for _, pix := range f.cache {
			if pix != nil {
				w.WriteByte(1)
				count++
			} else {
				w.WriteByte(0)
			}
		}
		for _, pix := range f.cache {
			w.Write(pix)
		}
		if err := w.Flush(); err != nil {
			return err
		}
		return binary.Write(fh, binary.LittleEndian, crc.Sum32())
	})
	return count, err
}

// useCache reads the cache for Check and says what came of it; it returns the key
// to write back under, and false when there is no cache to write.
func (f *Folder) useCache(mem sysmem.Budget) (key [32]byte, ok bool, note string) {
	path := f.CachePath()
	key, err := f.cacheKey()
	if err != nil {
		return key, false, fmt.Sprintf("no decoded-image cache: listing the files' sizes and times: %v", err)
	}
	n, err := f.readCache(path, key, mem)
	switch {
	case errors.Is(err, errStaleCache):
		return key, true, fmt.Sprintf("the decoded-image cache %s was made for other files or settings: decoding the images again", path)
	case err != nil:
		return key, true, fmt.Sprintf("ignored the decoded-image cache %s (%v): decoding the images again", path, err)
	case n > 0:
		return key, true, fmt.Sprintf("read %d decoded images from the cache %s (data.cache)", n, path)
	}
	return key, true, ""
}
