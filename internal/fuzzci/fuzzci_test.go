package fuzzci

import (
	"github.com/gankit/gankit/internal/gotool"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// fuzzTime is how much each target runs: a count of inputs, not a duration. A
// duration budget ends in a race of Go's fuzz coordinator at the -fuzztime boundary
// on a busy machine, which fails the run with "context deadline exceeded" and no
// failing input (golang/go#75804, present in go1.26); a count ends when the count is
// reached, however slowly the inputs run. 4000 inputs take 1-4 s per target on 2 idle
// cores.
const fuzzTime = "4000x"

// required are the fuzz targets issue 12 asks for: every data reader and the config
// parser. Finding fewer fails the test, so that a target is not lost to a rename.
var required = []string{"FuzzIDX", "FuzzGzip", "FuzzCIFAR", "FuzzImageFile", "FuzzParse", "FuzzSet"}

// target is one fuzz target: its function name and package folder, relative to the
// module root.
type target struct{ name, pkg string }

// findTargets parses every _test.go file under root for functions FuzzX(*testing.F),
// skipping testdata and hidden folders.
func findTargets(t *testing.T, root string) []target {
	t.Helper()
	var out []target
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); p != root && (n == "testdata" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Fuzz") || len(fn.Type.Params.List) != 1 {
				continue
			}
			if star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr); ok {
				if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "F" {
					rel, _ := filepath.Rel(root, filepath.Dir(p))
					out = append(out, target{fn.Name.Name, "./" + filepath.ToSlash(rel)})
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pkg+out[i].name < out[j].pkg+out[j].name })
	return out
}

// TestEveryFuzzTargetRunsWithoutACrash runs `go test -run=^$ -fuzz=^FuzzX$
// -fuzztime=4000x PKG` for every fuzz target in the module, with the go on PATH from
// the module root, and fails on any crash (go test then writes the input under the
// package's testdata/fuzz/FuzzX/, which reproduces it in every later plain run).
// A few seconds per target with a warm build cache; skipped under -short.
func TestEveryFuzzTargetRunsWithoutACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("fuzzing takes a few seconds per target")
	}
	goBin, root := gotool.ModuleOrSkip(t)
	targets := findTargets(t, root)
	found := map[string]bool{}
	for _, tg := range targets {
		found[tg.name] = true
	}
	for _, name := range required {
		if !found[name] {
			t.Errorf("no fuzz target %s in the module", name)
		}
	}
	for _, tg := range targets {
		t.Run(strings.TrimPrefix(tg.pkg, "./")+"/"+tg.name, func(t *testing.T) {
			// On busy cores the instrumented builds of the fuzzed package and its
			// dependencies take minutes: a target that cannot finish before the test
			// binary's -timeout is skipped, with a message, instead of ending the run
			// in a timeout panic (a crash it found before that still fails).
			t0 := time.Now()
			out, stopped, err := gotool.Run(t, time.Minute, 30*time.Second, root, nil, goBin,
				"test", "-run=^$", "-fuzz=^"+tg.name+"$", "-fuzztime="+fuzzTime, tg.pkg)
			if stopped && !strings.Contains(string(out), "Failing input written") {
				t.Skipf("stopped after %.0fs, 30 s before the test binary's -timeout (busy cores): not fuzzed to the end", time.Since(t0).Seconds())
			}
			if err != nil {
				t.Fatalf("go test -fuzz=^%s$ %s: %v\n%s", tg.name, tg.pkg, err, out)
			}
			t.Logf("fuzzed %s inputs in %.1fs", fuzzTime, time.Since(t0).Seconds())
		})
	}
}
