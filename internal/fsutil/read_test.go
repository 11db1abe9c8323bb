package fsutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadRegularRefusesWhatCouldNotBeRead: a file over the limit, a folder and a
// device are refused by name; a file at the limit is read.
func TestReadRegularRefusesWhatCouldNotBeRead(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ten.txt")
	if err := os.WriteFile(f, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadRegular(f, 10); err != nil || string(b) != "0123456789" {
		t.Errorf("10 bytes at a limit of 10: %q, %v", b, err)
	}
	for _, tc := range []struct {
		path  string
		limit int64
		want  string
	}{
		{f, 9, f + ": 10 bytes, more than the 9 this file may hold"},
		{dir, 100, dir + " is a folder, not a regular file"},
		{os.DevNull, 100, os.DevNull + " is a device, not a regular file"},
		{filepath.Join(dir, "missing"), 100, "no such file"},
	} {
		if _, err := ReadRegular(tc.path, tc.limit); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadRegular(%s, %d): error %v, want one with %q", tc.path, tc.limit, err, tc.want)
		}
	}
}
