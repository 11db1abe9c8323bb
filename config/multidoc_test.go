package config

import (
	"strings"
	"testing"
)

// TestConfigHoldsOneYAMLDocument: a second document in a config file is refused,
// naming the file and the line of the `---` that starts it. Before, yaml.Unmarshal
// read the first document only: `train: {batch: 8}`, `---`, `train: {batch: 32}`
// trained with batch 8 and said nothing. A `---` that opens the only document, and
// an empty document after it (a trailing `---`, or one holding only comments), are
// accepted: they set nothing, so nothing is ignored.
func TestConfigHoldsOneYAMLDocument(t *testing.T) {
	base, _ := FromPreset(DefaultPreset)
	for _, tc := range []struct {
		name, src string
		batch     int      // the batch parsed, when accepted
		want      []string // the error's parts, when refused
	}{
		{"one document", "train: {batch: 8}\n", 8, nil},
		{"a leading ---", "---\ntrain: {batch: 8}\n", 8, nil},
		{"a trailing ---", "train: {batch: 8}\n---\n", 8, nil},
		{"a trailing document of comments", "train: {batch: 8}\n---\n# later\n", 8, nil},
		{"a closing ...", "train: {batch: 8}\n...\n", 8, nil},
		{"two documents", "train: {batch: 8}\n---\ntrain: {batch: 32}\n", 0, []string{"c.yaml: line 2:", "second YAML document", "one document"}},
		{"the second after blank lines", "train:\n  batch: 8\n\n\n--- \nmodel: {width: 8}\n", 0, []string{"c.yaml: line 5:", "second YAML document"}},
		{"the second on the --- line", "train: {batch: 8}\n--- {train: {batch: 32}}\n", 0, []string{"c.yaml: line 2:", "second YAML document"}},
		{"an explicit null second document", "train: {batch: 8}\n---\n~\n", 0, []string{"c.yaml: line 2:", "second YAML document"}},
		{"an empty first, a full second", "---\n---\ntrain: {batch: 32}\n", 0, []string{"c.yaml: line 2:", "second YAML document"}},
		{"a third after an empty second", "train: {batch: 8}\n---\n---\ntrain: {batch: 32}\n", 0, []string{"c.yaml: line 3:", "YAML document"}},
		{"a second that is not YAML", "train: {batch: 8}\n---\ntrain: [\n", 0, []string{"c.yaml", "line"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("c.yaml", []byte(tc.src), base)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if c.Train.Batch != tc.batch {
					t.Errorf("train.batch %d, want %d", c.Train.Batch, tc.batch)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted with train.batch %d, want an error with %q", c.Train.Batch, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
