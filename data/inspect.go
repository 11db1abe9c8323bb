package data

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/gankit/gankit/internal/sysmem"
)

// Inspection describes an image folder as gankit train would read it, from one
// pass over its files (see Folder.Inspect).
type Inspection struct {
	Images      int            // images listed (after data.limit)
	Formats     map[string]int // decoder and colour model ("png palette (16 colours)") -> images
	Sizes       map[string]int // original width x height ("64x64") -> images
	Transparent int            // images with a pixel of alpha < 255, composited onto the background
	// Duplicates are groups of images whose decoded pixels are identical, each group
	// in file order, the groups in order of their first file.
	Duplicates [][]string
	Bad        []BadImage // images Check would refuse (or skip), and why
	// ClassCounts are the images per class, indexed like Folder.Classes; nil without classes.
	ClassCounts []int
	// Min, Max and Mean are the output pixels' range and mean, scaled to [-1, 1],
	// over the images that decode.
	Min, Max, Mean float64
}

// Inspect decodes every image once, on all cores as Check does, and describes
// them: formats, original sizes, transparency, exact duplicates (same decoded
// pixels, whatever the files' formats), the images that cannot be used, and the
// images per class. Nothing is kept: a folder larger than memory can be inspected.
func (f *Folder) Inspect() Inspection {
	return f.inspect(sysmem.Available())
}

func (f *Folder) inspect(mem sysmem.Budget) Inspection {
	n := f.Len()
	in := Inspection{Images: n, Formats: map[string]int{}, Sizes: map[string]int{}, Min: 1, Max: -1}
	infos := make([]imageInfo, n)
	errs := make([]error, n)
	var mu sync.Mutex
	lo, hi, sum := uint8(255), uint8(0), 0.0
	f.decodeAll(n, mem, true, func(j int) int { return j }, func(j int, pix []uint8, info imageInfo, err error) {
		infos[j], errs[j] = info, err
		if err != nil {
			return
		}
		l, h, s := uint8(255), uint8(0), 0
		for _, p := range pix {
			l, h, s = min(l, p), max(h, p), s+int(p)
		}
		mu.Lock()
		lo, hi, sum = min(lo, l), max(hi, h), sum+float64(s)
		mu.Unlock()
	})
	groups := map[[32]byte][]string{}
	var order [][32]byte
	good := 0
	for j, info := range infos {
		if errs[j] != nil {
			in.Bad = append(in.Bad, BadImage{f.src.path(f.files[j]), errs[j]})
			continue
		}
		good++
		in.Formats[info.format]++
		in.Sizes[fmt.Sprintf("%dx%d", info.width, info.height)]++
		if info.transparent {
			in.Transparent++
		}
		if _, seen := groups[info.pixels]; !seen {
			order = append(order, info.pixels)
		}
		groups[info.pixels] = append(groups[info.pixels], f.src.path(f.files[j]))
	}
	for _, h := range order {
		if g := groups[h]; len(g) > 1 {
			in.Duplicates = append(in.Duplicates, g)
		}
	}
	if good > 0 {
		in.Min, in.Max = float64(scaleByte(lo)), float64(scaleByte(hi))
		in.Mean = sum/float64(good*f.shape.Len())/127.5 - 1
	}
	if f.labels != nil {
		in.ClassCounts = make([]int, len(f.classes))
		for _, l := range f.labels[:n] {
			in.ClassCounts[l]++
		}
	}
	return in
}

// Counted is a map's keys with their counts, the largest count first (ties by key).
func Counted(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), cmp.Compare(a, b))
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return out
}

// ListBad lists bad images as Check's errors do: the first five by name, then a count.
func ListBad(bad []BadImage) string { return listBad(bad) }
