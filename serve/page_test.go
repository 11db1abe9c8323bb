package serve

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestPageInHeadlessChromium drives the page in headless Chromium against a tiny
// trained run: the grid loads, moving the truncation slider regenerates it with other
// images, clicking two samples shows the interpolation strip, and the console stays
// empty. The screenshot goes to the test's temp dir (its path is logged), and also to
// $GANKIT_SCREENSHOT when set; $GANKIT_SERVE_RUN serves another run (scripts/serve-
// screenshot.sh makes the README's picture so).
func TestPageInHeadlessChromium(t *testing.T) {
	chromium := findChromium(t)
	s := newServer(t, os.Getenv("GANKIT_SERVE_RUN"), Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	b := openBrowser(t, chromium)

	b.load(srv.URL + "/")
	classHidden, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.getElementById("class-choice").hidden && document.getElementById("class-choice").offsetParent === null`))
	if err != nil {
		b.fail("reading the class choice", err)
	}
	first := b.images()
	// psi through the convention choice: the grid regenerates.
	v := b.version()
	b.choose(`#mode`, "psi")
	b.regenerated(v)
	psi := b.images()
	// The slider, moved with the keyboard as a user would: 0.70 -> 0.40.
	v = b.version()
	if err := chromedp.Do(b.ctx, chromedp.Focus(`#truncation`), chromedp.SendKeys(`#truncation`, strings.Repeat(kb.ArrowLeft, 30))); err != nil {
		b.fail("moving the slider", err)
	}
	b.regenerated(v)
	moved := b.images()
	label, err := chromedp.Run(b.ctx, chromedp.Text(`#truncation-value`))
	if err != nil {
		b.fail("reading the slider's value", err)
	}
	// Two clicks: the strip of the interpolation between them.
	if err := chromedp.Do(b.ctx, chromedp.Click(`#grid img:nth-child(3)`), chromedp.Click(`#grid img:nth-child(10)`)); err != nil {
		b.fail("clicking two samples", err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.querySelectorAll("#strip img").length === 8`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.fail("waiting for the interpolation strip", err)
	}
	stripCount, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#strip img").length`))
	if err != nil {
		b.fail("reading the strip", err)
	}
	// The fixture trains with ADA: p's curve and the note's p and r_t are on the page
	// (GANKIT_SERVE_RUN may name a run without ADA).
	adaShown, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector("#ada-curve polyline") !== null && document.getElementById("curves").textContent.includes("ADA p ")`))
	if err != nil {
		b.fail("reading the ADA curve", err)
	}
	shot, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("taking the screenshot", err)
	}
	path := filepath.Join(t.TempDir(), "serve.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if extra := os.Getenv("GANKIT_SCREENSHOT"); extra != "" {
		if err := os.WriteFile(extra, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", extra)
	}

	if len(first) != 36 || len(moved) != 36 {
		t.Fatalf("the grid shows %d images, then %d after the slider, want 36", len(first), len(moved))
	}
	if n := changed(first, psi); n == 0 {
		t.Error("choosing psi left every image as it was")
	}
	if n := changed(psi, moved); n == 0 {
		t.Errorf("moving the slider to %s left every image as it was", label)
	}
	if label != "0.40" {
		t.Errorf("the slider reads %q after 30 steps left from 0.70, want 0.40", label)
	}
	if stripCount != 8 {
		t.Errorf("the strip shows %d images, want 8", stripCount)
	}
	if !adaShown && os.Getenv("GANKIT_SERVE_RUN") == "" {
		t.Error("the page shows no ADA curve or p for a run trained with ADA")
	}
	if !classHidden && os.Getenv("GANKIT_SERVE_RUN") == "" {
		t.Error("the page shows a class choice for an unconditional run")
	}
	b.close()
}

// changed counts the places where two lists of images differ.
func changed(a, b []string) int {
	n := 0
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// findChromium is the browser the page tests drive; without one they are skipped,
// except in CI.
func findChromium(t *testing.T) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must have chromium (.ci/run installs it)")
		}
		t.Skip("chromium not installed (apt-get install chromium): the page is not tested")
	}
	return chromium
}

// browser is a headless Chromium tab with what its console says.
type browser struct {
	t      *testing.T
	ctx    context.Context
	mu     sync.Mutex
	log    []string
	stop   func()
	cancel []context.CancelFunc
	read   sync.WaitGroup
}

// openBrowser starts headless Chromium. A hung browser fails the test instead of
// holding CI until go test's panic: the allocator's context ends the browser.
func openBrowser(t *testing.T, chromium string) *browser {
	b := &browser{t: t}
	limit, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1360, 860))
	actx, cancelAlloc := chromedp.NewExecAllocator(limit, opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	b.ctx, b.stop = ctx, cancelBrowser
	b.cancel = []context.CancelFunc{cancelBrowser, cancelAlloc, cancel}
	t.Cleanup(func() {
		for _, c := range b.cancel {
			c()
		}
	})
	messages := chromedp.Console(ctx) // subscribes now: nothing the page writes is lost
	b.read.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.log = append(b.log, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
			b.mu.Unlock()
		}
	})
	return b
}

// fail ends the test with what the console said.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Fatalf("%s: %v (console: %q)", what, err, b.log)
}

// images are the grid's images' sources.
func (b *browser) images() []string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#grid img")].map(i => i.src)`))
	if err != nil {
		b.fail("reading the grid", err)
	}
	return v
}

// version is the grid's response count.
func (b *browser) version() int {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`Number(document.getElementById("grid").dataset.version || 0)`))
	if err != nil {
		b.fail("reading the grid's version", err)
	}
	return v
}

// regenerated waits until the grid shows a newer response than version v.
func (b *browser) regenerated(v int) {
	b.t.Helper()
	expr := fmt.Sprintf(`Number(document.getElementById("grid").dataset.version) > %d && document.body.dataset.state === "ready"`, v)
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.fail("waiting for the grid to regenerate", err)
	}
}

// load opens the page and waits for its first grid.
func (b *browser) load(url string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(url), chromedp.WaitVisible(`#grid img`)); err != nil {
		b.fail("loading the page", err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.body.dataset.state === "ready"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.fail("waiting for the first grid", err)
	}
}

// choose sets a <select> as a user does: its value, then a change event.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.SetValue(sel, value)); err != nil {
		b.fail("choosing "+value+" in "+sel, err)
	}
	js := fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event("change"))`, sel)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
		b.fail("choosing "+value+" in "+sel, err)
	}
}

// close ends the browser and fails the test for anything the console said.
func (b *browser) close() {
	b.t.Helper()
	b.stop()
	b.read.Wait()
	for _, c := range b.log {
		b.t.Errorf("console: %s", c)
	}
}
