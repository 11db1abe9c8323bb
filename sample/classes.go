package sample

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A conditional generator draws each sample from a class (Mirza & Osindero 2014):
// nets.Config.Classes names them, and sample i's class is part of what names the
// sample, with its seed. Where nobody asks for a class, sample i of a run of samples
// is drawn from class i mod K (BalancedClasses), as training draws its fakes: a grid,
// an export and the server's answer to one request then hold every class in turn, and
// `--seed S --n 1` is seed S's sample of class 0.

// ClassOf gives sample i's class. RunEach also asks it for the indices past n that
// fill up the last batch, so it must give a valid class for every i >= 0.
type ClassOf func(i int) int32

// Balanced is sample i of class i mod k (BalancedClasses, one at a time).
func Balanced(k int) ClassOf {
	return func(i int) int32 { return int32(i % k) }
}

// OnlyClass is every sample of class c.
func OnlyClass(c int32) ClassOf {
	return func(int) int32 { return c }
}

// unconditional begins the refusal of a class for a generator without classes.
const unconditional = "the run is unconditional (model.classes is empty): its generator takes no class"

// ParseClass reads a class given by name or by index: a name among classes is that
// class (so a folder of classes "1", "2", "3" reads "1" as the folder "1", index 0),
// otherwise a whole number is an index in [0, len(classes)). The error says what
// was given and lists the classes; the caller prefixes the flag or field.
func ParseClass(s string, classes []string) (int32, error) {
	if len(classes) == 0 {
		return 0, fmt.Errorf("%s; sample it without a class", unconditional)
	}
	for c, name := range classes {
		if s == name {
			return int32(c), nil
		}
	}
	i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a class name nor a class index; the run's %s", clipQuote(s), DescribeClasses(classes))
	}
	return CheckClass(i, classes)
}

// CheckClass checks a class index against the run's classes.
func CheckClass(i int64, classes []string) (int32, error) {
	if len(classes) == 0 {
		return 0, fmt.Errorf("%s; sample it without a class", unconditional)
	}
	if i < 0 || i >= int64(len(classes)) {
		return 0, fmt.Errorf("class %d is out of range: want 0-%d; the run's %s", i, len(classes)-1, DescribeClasses(classes))
	}
	return int32(i), nil
}

// maxListed is how many classes a message lists before "and N more".
const maxListed = 20

// DescribeClasses is "10 classes are 0 "T-shirt/top", 1 "Trouser", ...", for
// messages: at most maxListed of them.
func DescribeClasses(classes []string) string {
	var b strings.Builder
	if len(classes) == 1 {
		b.WriteString("1 class is ")
	} else {
		fmt.Fprintf(&b, "%d classes are ", len(classes))
	}
	for c, name := range classes {
		if c == maxListed {
			fmt.Fprintf(&b, ", and %d more", len(classes)-maxListed)
			break
		}
		if c > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d %q", c, name)
	}
	return b.String()
}

// clipQuote keeps a message's echo of what was given short.
func clipQuote(s string) string {
	const most = 40
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}

// ClassDirs names the sub-folder of each class in a png-folder export, so that a
// reader of class folders, gankit's (data.Folder) or torchvision's ImageFolder,
// gives each image its class back: both number the sub-folders in sorted order
// (by bytes, which for UTF-8 is Python's code-point order). A class name becomes its
// folder's name with every character but letters, digits, '-', '_' and '.' replaced
// by '_' ("T-shirt/top" -> "T-shirt_top"); when those names are not distinct
// (ignoring case, for case-insensitive file systems) or do not sort in class order,
// each is prefixed with its index, zero-padded to one width ("0-T-shirt_top", ...,
// "9-Ankle_boot"). The classes of a run trained on class folders sort already, and
// keep their names.
func ClassDirs(classes []string) []string {
	dirs := make([]string, len(classes))
	seen := map[string]bool{}
	plain := true
	for c, name := range classes {
		dirs[c] = folderName(name)
		low := strings.ToLower(dirs[c])
		plain = plain && !seen[low] && (c == 0 || dirs[c-1] < dirs[c])
		seen[low] = true
	}
	if plain {
		return dirs
	}
	w := len(strconv.Itoa(len(classes) - 1))
	for c := range dirs {
		dirs[c] = fmt.Sprintf("%0*d-%s", w, c, dirs[c])
	}
	return dirs
}

// folderName is a class name as a portable folder name: never empty, never hidden,
// never "." or "..", and about 64 bytes at most.
func folderName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 64 {
			break
		}
	}
	s := b.String()
	if s == "" || s[0] == '.' {
		s = "_" + s
	}
	return s
}
