package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// datasetJSON is the labels file of StyleGAN2-ADA's dataset format, at the root of
// the folder or zip (NVlabs/stylegan2-ada-pytorch, dataset_tool.py writes it,
// training/dataset.py reads it).
const datasetJSON = "dataset.json"

// maxDatasetJSON is the largest dataset.json read: 64 MiB, about a million entries.
const maxDatasetJSON = 64 << 20

// classFolders gives the files (relative names, forward slashes) their classes when
// the folder is laid out as one sub-folder per class (torchvision's ImageFolder
// layout): every image sits inside a first-level sub-folder, none at the root
// itself. The sub-folders' names, sorted, are the classes, and an image's label is
// its first-level folder's index among them. Any image at the root means no classes
// (nil, nil): a folder of images with a few sub-folders beside them is one unlabelled
// set.
func classFolders(files []string) (labels []int, classes []string) {
	first := make([]string, len(files))
	for i, rel := range files {
		dir, _, ok := strings.Cut(rel, "/")
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

// readDatasetJSON reads the labels of StyleGAN2-ADA's dataset.json:
//
//	{"labels": [["00000/img00000000.png", 6], ["00000/img00000001.png", 9], ...]}
//
// each entry an image's path relative to the root (forward slashes) and its class,
// an integer; or {"labels": null} for no labels. As training/dataset.py, every image
// must have a label when labels are given; gankit also refuses what that code passes
// silently or fails on without naming the entry: a label for a file that is not
// there, a file labelled twice, and a label that is not a non-negative integer
// (dataset.py reads vector labels too; gankit's classes are integers). The classes
// are 0..max, named by their numbers.
func readDatasetJSON(src source, files []string) (labels []int, classes []string, err error) {
	name := src.path(datasetJSON)
	raw, err := readAll(src, datasetJSON, maxDatasetJSON)
	if err != nil {
		return nil, nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, nil, fmt.Errorf("%s: not StyleGAN2-ADA's {\"labels\": [[path, class], ...]}: %w", name, err)
	}
	list, ok := doc["labels"]
	if !ok {
		return nil, nil, fmt.Errorf("%s: no \"labels\" key; StyleGAN2-ADA's dataset.json is {\"labels\": [[path, class], ...]} or {\"labels\": null}", name)
	}
	if bytes.Equal(bytes.TrimSpace(list), []byte("null")) {
		return nil, nil, nil
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(list, &entries); err != nil {
		return nil, nil, fmt.Errorf("%s: \"labels\" is not a list of [path, class] entries or null: %w", name, err)
	}
	index := make(map[string]int, len(files))
	for i, rel := range files {
		index[rel] = i
	}
	labels = make([]int, len(files))
	for i := range labels {
		labels[i] = -1
	}
	top := -1
	for k, e := range entries {
		var pair []json.RawMessage
		var path string
		if err := json.Unmarshal(e, &pair); err != nil || len(pair) != 2 || json.Unmarshal(pair[0], &path) != nil {
			return nil, nil, fmt.Errorf("%s: entry %d is %s, not [path, class]", name, k, clip(e))
		}
		label, err := strconv.Atoi(string(bytes.TrimSpace(pair[1])))
		if err != nil || label < 0 {
			return nil, nil, fmt.Errorf("%s: entry %d (%s): the class is %s, not a non-negative integer (gankit reads integer class labels)", name, k, path, clip(pair[1]))
		}
		i, ok := index[strings.ReplaceAll(path, `\`, "/")]
		switch {
		case !ok:
			return nil, nil, fmt.Errorf("%s: entry %d labels %s, which is not an image in %s", name, k, path, src.path(""))
		case labels[i] >= 0:
			return nil, nil, fmt.Errorf("%s: entry %d labels %s a second time", name, k, path)
		}
		labels[i] = label
		top = max(top, label)
	}
	var missing []string
	for i, l := range labels {
		if l < 0 {
			missing = append(missing, files[i])
		}
	}
	if len(missing) > 0 {
		more := ""
		if len(missing) > maxListed {
			more = fmt.Sprintf(" and %d more", len(missing)-maxListed)
			missing = missing[:maxListed]
		}
		return nil, nil, fmt.Errorf("%s gives labels, but none for %s%s (every image needs one, or \"labels\": null)", name, strings.Join(missing, ", "), more)
	}
	classes = make([]string, top+1)
	for c := range classes {
		classes[c] = strconv.Itoa(c)
	}
	return labels, classes, nil
}

// clip is a JSON value for an error message, shortened.
func clip(raw json.RawMessage) string {
	s := string(bytes.TrimSpace(raw))
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}
