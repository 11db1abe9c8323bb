package data

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// fashionMNISTClasses are Fashion-MNIST's ten classes in label order (Xiao et al.
// 2017, Table 1).
func fashionMNISTClasses() []string {
	return []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
}

// cifar10Classes are CIFAR-10's ten classes in label order (its batches.meta.txt).
func cifar10Classes() []string {
	return []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}
}

// ClassNames names d's classes in label order, or returns nil when d has no labels:
// a folder's class folders (or dataset.json's numbers), Fashion-MNIST's and
// CIFAR-10's published names for their files, and the numbers "0".."K-1" for any
// other labelled set, K one more than the largest label. It reads every label (a
// pass over the labels, not the images), and refuses a missing one.
//
// A subset (data.limit) has the classes of the whole set, so that the class count
// does not depend on which examples the subset keeps.
func ClassNames(d Dataset) ([]string, error) {
	if l, ok := d.(*limited); ok {
		d = l.Dataset
	}
	if f, ok := d.(*Folder); ok {
		if len(f.classes) == 0 {
			return nil, nil
		}
		return f.Classes(), nil
	}
	if d.Len() == 0 || d.Label(0) < 0 {
		return nil, nil
	}
	top := 0
	for i := range d.Len() {
		l := d.Label(i)
		if l < 0 {
			return nil, fmt.Errorf("%s: example %d has no label, example 0 has one", d.Name(), i)
		}
		top = max(top, l)
	}
	switch {
	case isFashionMNIST(d) && top < 10:
		return fashionMNISTClasses(), nil
	case isCIFAR10(d) && top < 10:
		return cifar10Classes(), nil
	}
	names := make([]string, top+1)
	for c := range names {
		names[c] = strconv.Itoa(c)
	}
	return names, nil
}

// isFashionMNIST: an IDX file named as Fashion-MNIST's are (the embedded subset, or
// the dataset-fashion-mnist package's files).
func isFashionMNIST(d Dataset) bool {
	x, ok := d.(*IDX)
	return ok && strings.Contains(strings.ToLower(filepath.ToSlash(x.name)), "fashion")
}

func isCIFAR10(d Dataset) bool {
	_, ok := d.(*CIFAR)
	return ok
}
