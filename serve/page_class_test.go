package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPageClassChoiceInHeadlessChromium drives the page against the conditional
// fixture: the class choice is shown with the run's ten classes, the first grid asks
// for no class (every class in turn, its images titled with their classes), picking
// Sneaker sends "class": 7 and regenerates the grid with other images, all of them
// Sneakers, and an interpolation between two of them is drawn in class 7 too.
func TestPageClassChoiceInHeadlessChromium(t *testing.T) {
	chromium := findChromium(t)
	s := newServer(t, conditionalRun(t), Options{})
	var mu sync.Mutex
	sent := map[string][]map[string]any{} // request bodies by path
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			var m map[string]any
			json.Unmarshal(body, &m)
			mu.Lock()
			sent[r.URL.Path] = append(sent[r.URL.Path], m)
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		s.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	last := func(path string) map[string]any {
		mu.Lock()
		defer mu.Unlock()
		if len(sent[path]) == 0 {
			return nil
		}
		return sent[path][len(sent[path])-1]
	}
	b := openBrowser(t, chromium)
	b.load(srv.URL + "/")

	choice, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`document.getElementById("class-choice").offsetParent === null ? [] : [...document.querySelectorAll("#class option")].map(o => o.textContent)`))
	if err != nil {
		b.fail("reading the class choice", err)
	}
	titles := func() []string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#grid img")].map(i => i.title)`))
		if err != nil {
			b.fail("reading the grid's titles", err)
		}
		return v
	}
	first, firstTitles, firstBody := b.images(), titles(), last("/v1/samples")
	v := b.version()
	b.choose(`#class`, "7")
	b.regenerated(v)
	sneakers, sneakerTitles, sneakerBody := b.images(), titles(), last("/v1/samples")
	if err := chromedp.Do(b.ctx, chromedp.Click(`#grid img:nth-child(2)`), chromedp.Click(`#grid img:nth-child(5)`)); err != nil {
		b.fail("clicking two samples", err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.querySelectorAll("#strip img").length === 8`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		b.fail("waiting for the interpolation strip", err)
	}
	strip := last("/v1/interpolate")
	b.close()

	if len(choice) != 11 || choice[0] != "every class, in turn" || choice[8] != "7 Sneaker" || choice[10] != "9 Ankle boot" {
		t.Fatalf("the class choice offers %q, want every class and the ten Fashion-MNIST classes", choice)
	}
	if _, ok := firstBody["class"]; ok || firstBody == nil {
		t.Errorf("the first grid's request %v: want one without a class", firstBody)
	}
	if len(firstTitles) != 36 || firstTitles[0] != "seed 0, class T-shirt/top" || firstTitles[7] != "seed 7, class Sneaker" || firstTitles[10] != "seed 10, class T-shirt/top" {
		t.Errorf("the first grid's titles %q: want sample i of class i mod 10", firstTitles[:min(len(firstTitles), 11)])
	}
	if c, ok := sneakerBody["class"].(float64); !ok || c != 7 {
		t.Errorf("after picking Sneaker the grid's request is %v, want class 7", sneakerBody)
	}
	if len(sneakers) != 36 {
		t.Fatalf("the Sneaker grid shows %d images, want 36", len(sneakers))
	}
	for i, title := range sneakerTitles {
		if !strings.HasSuffix(title, ", class Sneaker") {
			t.Errorf("Sneaker grid image %d is titled %q", i, title)
		}
	}
	// Seeds 7, 17 and 27 are Sneakers in both grids: those images stay, the other 33
	// change.
	for i := range sneakers {
		if stayed, want := first[i] == sneakers[i], i%10 == 7; stayed != want {
			t.Errorf("seed %d's image stayed as it was: %t, want %t (class %d before)", i, stayed, want, i%10)
		}
	}
	if c, ok := strip["class"].(float64); !ok || c != 7 {
		t.Errorf("the interpolation between two Sneakers asked for %v, want class 7", strip)
	}
}
