package config

import (
	"strings"
	"testing"
)

// TestDataBackgroundAndCacheKeys: data.background takes the names and #rrggbb colours
// data.ParseBackground does and refuses anything else naming the key; data.cache
// takes any folder, or off, and both keys round-trip through Set (a # colour
// quoted, since YAML reads # as a comment).
func TestDataBackgroundAndCacheKeys(t *testing.T) {
	for _, tc := range []struct {
		set  string // key=value, on DefaultPreset
		want string // "" = accepted, else in the error
	}{
		{"data.background=", ""},
		{"data.background=white", ""},
		{"data.background=black", ""},
		{"data.background=grey", ""},
		{"data.background=gray", ""},
		{`data.background="#ff8000"`, ""},
		{"data.background=ff8000", ""},
		{"data.background=pink", `data.background: "pink"`},
		{`data.background="#ff80"`, "data.background"},
		{"data.cache=off", ""},
		{"data.cache=/tmp/gankit-cache", ""},
	} {
		c, err := FromPreset(DefaultPreset)
		if err != nil {
			t.Fatal(err)
		}
		k, v, _ := strings.Cut(tc.set, "=")
		if err := c.Set(k, v); err != nil {
			t.Fatalf("Set(%s): %v", tc.set, err)
		}
		if got := c.Data.Background + c.Data.Cache; got != strings.Trim(v, `"`) {
			t.Errorf("Set(%s) left data.background %q, data.cache %q", tc.set, c.Data.Background, c.Data.Cache)
		}
		err = c.Validate(shapeFor(c))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.set, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one with %q", tc.set, err, tc.want)
		}
	}
}
