package serve

import (
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPageDoctorBoxInHeadlessChromium drives the page against a copy of the image
// fixture with a diagnoses.jsonl: the Doctor box lists each diagnosis in order with
// its step, symptom, what was seen (its markup as text), the first tip's --set and
// what training did; against a copy without one it says "no diagnoses".
func TestPageDoctorBoxInHeadlessChromium(t *testing.T) {
	chromium := findChromium(t)
	with, without := copyRun(t), copyRun(t)
	writeDiagnoses(t, with, testDiagnoses())
	b := openBrowser(t, chromium)

	type item struct {
		Symptom string `json:"symptom"`
		Head    string `json:"head"`
		Seen    string `json:"seen"`
		Set     string `json:"set"`
		Action  string `json:"action"`
		Bold    int    `json:"bold"`
	}
	read := `[...document.querySelectorAll("#doctor li")].map(li => ({
		symptom: li.dataset.symptom,
		head: li.querySelector("p").textContent,
		seen: li.querySelector(".seen").textContent,
		set: li.querySelector("code.set") ? li.querySelector("code.set").textContent : "",
		action: li.querySelector(".action").textContent,
		bold: li.querySelectorAll("b").length,
	}))`
	srv := httptest.NewServer(newServer(t, with, Options{}).Handler())
	defer srv.Close()
	b.load(srv.URL + "/")
	got, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]item](read))
	if err != nil {
		b.fail("reading the Doctor box", err)
	}
	heading, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll("#training h2")].some(h => h.textContent === "Doctor")`))
	if err != nil {
		b.fail("reading the headings", err)
	}

	bare := httptest.NewServer(newServer(t, without, Options{}).Handler())
	defer bare.Close()
	b.load(bare.URL + "/")
	none, err := chromedp.Run(b.ctx, chromedp.Text(`#doctor`))
	if err != nil {
		b.fail("reading the Doctor box of a run without diagnoses", err)
	}
	b.close()

	want := []item{
		{Symptom: "stalled", Head: "step 20: stalled since step 1", Seen: testDiagnoses()[0].Seen,
			Set: "--set train.lr_d=2e-4 --set train.lr_g=2e-4", Action: "training went on"},
		{Symptom: "divergence", Head: "step 25: divergence", Seen: "loss_d is NaN <b>at once</b>",
			Set: "--set train.lr_d=0.0001 --set train.lr_g=0.0001", Action: "rollback to step 15"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("the Doctor box shows\n%+v\nwant\n%+v", got, want)
	}
	if !heading {
		t.Error("the training panel has no Doctor heading")
	}
	if strings.TrimSpace(none) != "no diagnoses" {
		t.Errorf("the Doctor box of a run without diagnoses reads %q, want \"no diagnoses\"", none)
	}
}
