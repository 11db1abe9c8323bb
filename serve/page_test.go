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
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must have chromium (.ci/run installs it)")
		}
		t.Skip("chromium not installed (apt-get install chromium): the page is not tested")
	}
	s := newServer(t, os.Getenv("GANKIT_SERVE_RUN"), Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	// A hung browser fails the test instead of holding CI until go test's panic: the
	// allocator's context ends the browser.
	limit, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1360, 860))
	actx, cancelAlloc := chromedp.NewExecAllocator(limit, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()

	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(ctx) // subscribes now: nothing the page writes is lost
	var reading sync.WaitGroup
	reading.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, fmt.Sprintf("%s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line))
			mu.Unlock()
		}
	})
	fail := func(what string, err error) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("%s: %v (console: %q)", what, err, console)
	}
	images := func() []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#grid img")].map(i => i.src)`))
		if err != nil {
			fail("reading the grid", err)
		}
		return v
	}
	version := func() int {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Number(document.getElementById("grid").dataset.version || 0)`))
		if err != nil {
			fail("reading the grid's version", err)
		}
		return v
	}
	// regenerated waits until the grid shows a newer response than version v.
	regenerated := func(v int) {
		t.Helper()
		expr := fmt.Sprintf(`Number(document.getElementById("grid").dataset.version) > %d && document.body.dataset.state === "ready"`, v)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			fail("waiting for the grid to regenerate", err)
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#grid img`)); err != nil {
		fail("loading the page", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.state === "ready"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		fail("waiting for the first grid", err)
	}
	first := images()
	// psi through the convention choice: the grid regenerates.
	v := version()
	if err := chromedp.Do(ctx, chromedp.SetValue(`#mode`, "psi")); err != nil {
		fail("choosing psi", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("mode").dispatchEvent(new Event("change"))`)); err != nil {
		fail("choosing psi", err)
	}
	regenerated(v)
	psi := images()
	// The slider, moved with the keyboard as a user would: 0.70 -> 0.40.
	v = version()
	if err := chromedp.Do(ctx, chromedp.Focus(`#truncation`), chromedp.SendKeys(`#truncation`, strings.Repeat(kb.ArrowLeft, 30))); err != nil {
		fail("moving the slider", err)
	}
	regenerated(v)
	moved := images()
	label, err := chromedp.Run(ctx, chromedp.Text(`#truncation-value`))
	if err != nil {
		fail("reading the slider's value", err)
	}
	// Two clicks: the strip of the interpolation between them.
	if err := chromedp.Do(ctx, chromedp.Click(`#grid img:nth-child(3)`), chromedp.Click(`#grid img:nth-child(10)`)); err != nil {
		fail("clicking two samples", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#strip img").length === 8`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		fail("waiting for the interpolation strip", err)
	}
	stripCount, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#strip img").length`))
	if err != nil {
		fail("reading the strip", err)
	}
	// The fixture trains with ADA: p's curve and the note's p and r_t are on the page
	// (GANKIT_SERVE_RUN may name a run without ADA).
	adaShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#ada-curve polyline") !== null && document.getElementById("curves").textContent.includes("ADA p ")`))
	if err != nil {
		fail("reading the ADA curve", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		fail("taking the screenshot", err)
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
	changed := func(a, b []string) int {
		n := 0
		for i := range a {
			if a[i] != b[i] {
				n++
			}
		}
		return n
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
	cancelBrowser()
	reading.Wait()
	for _, c := range console {
		t.Errorf("console: %s", c)
	}
}
