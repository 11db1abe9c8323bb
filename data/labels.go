package data

import (
	"path/filepath"
	"slices"
	"strings"
)

// classFolders gives the files under root their classes when the folder is laid
// out as one sub-folder per class (torchvision's ImageFolder layout): every image
// sits inside a first-level sub-folder, none at the root itself. The sub-folders'
// names, sorted, are the classes, and an image's label is its first-level folder's
// index among them. Any image at the root means no classes (nil, nil): a folder of
// images with a few sub-folders beside them is one unlabelled set.
func classFolders(root string, files []string) (labels []int, classes []string) {
	first := make([]string, len(files))
	for i, p := range files {
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return nil, nil
		}
		dir, _, ok := strings.Cut(filepath.ToSlash(rel), "/")
		if !ok {
			return nil, nil
		}
		first[i] = dir
	}
	classes = slices.Clone(first)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) == 0 {
		return nil, nil
	}
	labels = make([]int, len(files))
	for i, c := range first {
		labels[i], _ = slices.BinarySearch(classes, c)
	}
	return labels, classes
}
