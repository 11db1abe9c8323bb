package serve

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gankit/gankit/sample"
)

// fashion are Fashion-MNIST's classes in label order (Xiao et al. 2017, Table 1): the
// conditional fixture's, as the run resolved them from the embedded subset.
var fashion = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

func TestModelListsAConditionalRunsClasses(t *testing.T) {
	cond := decodeAs[modelResponse](t, call(newServer(t, conditionalRun(t), Options{}).Handler(), "GET", "/v1/model", ""))
	if !slices.Equal(cond.Classes, fashion) {
		t.Errorf("the conditional run's classes: %q, want %q", cond.Classes, fashion)
	}
	w := call(newServer(t, "", Options{}).Handler(), "GET", "/v1/model", "")
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["classes"]; ok {
		t.Errorf("the unconditional run's model lists classes: %v", m["classes"])
	}
}

// TestSampleClassIsOneClassOrAListAndNamesTheSample: a sample depends on its seed and
// its class only. Left out, sample i of a request is of class i mod 10; one class
// (an index, a name, or an index as a string) draws every sample from it; a list
// gives each sample its own. The answer says each sample's class and its name, and
// sample i of class c is the image `{"seed": s+i, "n": 1, "class": c}` gives.
func TestSampleClassIsOneClassOrAListAndNamesTheSample(t *testing.T) {
	h := newServer(t, conditionalRun(t), Options{}).Handler()
	post := func(body string) samplesResponse {
		t.Helper()
		return decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", body))
	}
	// one is the image of one seed and class, alone.
	one := func(seed int64, class int32) string {
		t.Helper()
		return post(fmt.Sprintf(`{"n": 1, "seed": %d, "class": %d}`, seed, class)).Images[0]
	}
	for _, tc := range []struct {
		body string
		want []int32
	}{
		{`{"n": 12, "seed": 40}`, []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1}},
		{`{"n": 3, "seed": 40, "class": 7}`, []int32{7, 7, 7}},
		{`{"n": 3, "seed": 40, "class": "Sneaker"}`, []int32{7, 7, 7}},
		{`{"n": 3, "seed": 40, "class": "7"}`, []int32{7, 7, 7}},
		{`{"n": 3, "seed": 40, "class": "Ankle boot"}`, []int32{9, 9, 9}},
		{`{"n": 3, "seed": 40, "class": [3, "Bag", "0"]}`, []int32{3, 8, 0}},
		{`{"n": 2, "seed": 40, "class": null}`, []int32{0, 1}},
	} {
		res := post(tc.body)
		if !slices.Equal(res.Classes, tc.want) {
			t.Errorf("%s: classes %v, want %v", tc.body, res.Classes, tc.want)
			continue
		}
		for i, c := range tc.want {
			if res.ClassNames[i] != fashion[c] {
				t.Errorf("%s: sample %d is named %q, want %q", tc.body, i, res.ClassNames[i], fashion[c])
			}
			if res.Images[i] != one(40+int64(i), c) {
				t.Errorf("%s: sample %d is not seed %d's image of class %d", tc.body, i, 40+i, c)
			}
		}
	}
	if one(40, 0) == one(40, 1) {
		t.Error("seed 40 of class 0 and of class 1 are the same image: the class changes nothing")
	}
}

// TestBadClassIsRefusedNamingTheField: every bad class (unknown name, out of range,
// not a whole number, another JSON type, a list of the wrong length or with a bad
// entry, a list for an interpolation, any class for an unconditional run) is a 400
// whose JSON error begins with the field, "class".
func TestBadClassIsRefusedNamingTheField(t *testing.T) {
	cond := newServer(t, conditionalRun(t), Options{}).Handler()
	plain := newServer(t, "", Options{}).Handler()
	for _, tc := range []struct {
		h            http.Handler
		method, path string
		body         string
		want         string
	}{
		{cond, "POST", "/v1/samples", `{"class": "Sandals"}`, `class: "Sandals" is neither a class name nor a class index; the run's 10 classes are 0 "T-shirt/top"`},
		{cond, "POST", "/v1/samples", `{"class": 10}`, "class: class 10 is out of range: want 0-9"},
		{cond, "POST", "/v1/samples", `{"class": -1}`, "class: class -1 is out of range: want 0-9"},
		{cond, "POST", "/v1/samples", `{"class": "12"}`, "class: class 12 is out of range"},
		{cond, "POST", "/v1/samples", `{"class": 2.5}`, "class: want a class index (a whole number 0-9) or a class name, got 2.5"},
		{cond, "POST", "/v1/samples", `{"class": 1e1}`, "class: want a class index (a whole number 0-9) or a class name, got 1e1"},
		{cond, "POST", "/v1/samples", `{"class": true}`, "class: want a class index (a whole number 0-9) or a class name, got a JSON boolean"},
		{cond, "POST", "/v1/samples", `{"class": {"name": "Bag"}}`, "class: want a class index (a whole number 0-9) or a class name, got a JSON object"},
		{cond, "POST", "/v1/samples", `{"n": 3, "class": [1, 2]}`, "class: a list of 2 classes for n = 3 samples: want one class per sample"},
		{cond, "POST", "/v1/samples", `{"n": 1, "class": []}`, "class: a list of 0 classes for n = 1 samples"},
		{cond, "POST", "/v1/samples", `{"n": 2, "class": [1, 11]}`, "class[1]: class 11 is out of range"},
		{cond, "POST", "/v1/samples", `{"n": 2, "class": [1, [2]]}`, "class[1]: want a class index (a whole number 0-9) or a class name, got a JSON array"},
		{cond, "POST", "/v1/samples", `{"n": 2, "class": ["Bag", null]}`, "class[1]: want a class index (a whole number 0-9) or a class name, got a JSON null"},
		{cond, "POST", "/v1/interpolate", `{"class": [1, 2]}`, "class: an interpolation is drawn in one class: want one class index or name, got a list"},
		{cond, "POST", "/v1/interpolate", `{"class": "Sandals"}`, `class: "Sandals" is neither a class name nor a class index`},
		{cond, "POST", "/v1/interpolate", `{"class": 10}`, "class: class 10 is out of range"},
		{cond, "GET", "/v1/samples/3.png?class=10", "", "class: class 10 is out of range"},
		{cond, "GET", "/v1/samples/3.png?class=Sandals", "", `class: "Sandals" is neither a class name nor a class index`},
		{cond, "GET", "/v1/samples/3.png?class=", "", `class: "" is neither a class name nor a class index`},
		{plain, "POST", "/v1/samples", `{"class": 0}`, "class: the run is unconditional (model.classes is empty): its generator takes no class; leave class out"},
		{plain, "POST", "/v1/samples", `{"class": [0]}`, "class: the run is unconditional"},
		{plain, "POST", "/v1/interpolate", `{"class": "Bag"}`, "class: the run is unconditional"},
		{plain, "GET", "/v1/samples/3.png?class=0", "", "class: the run is unconditional"},
	} {
		w := call(tc.h, tc.method, tc.path, tc.body)
		var e apiError
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Errorf("%s %s %s: %d, not a JSON error: %s", tc.method, tc.path, tc.body, w.Code, w.Body.String())
			continue
		}
		if w.Code != http.StatusBadRequest || !strings.HasPrefix(e.Error, tc.want) {
			t.Errorf("%s %s %s: %d %q, want 400 %q", tc.method, tc.path, tc.body, w.Code, e.Error, tc.want)
		}
	}
	// null is the field left out, for either run.
	for _, h := range []http.Handler{cond, plain} {
		if w := call(h, "POST", "/v1/samples", `{"class": null}`); w.Code != http.StatusOK {
			t.Errorf("class null: %d %s", w.Code, w.Body.String())
		}
	}
}

// TestOneImageAndInterpolationTakeAClass: GET /v1/samples/{seed}.png?class= is that
// class's image (class 0 left out), its ETag differs by class, and an interpolation
// is drawn in its class (class 0 left out) from seed A's image to seed B's.
func TestOneImageAndInterpolationTakeAClass(t *testing.T) {
	s := newServer(t, conditionalRun(t), Options{})
	h := s.Handler()
	api := func(seed int64, class int32) string {
		t.Helper()
		return decodeAs[samplesResponse](t, call(h, "POST", "/v1/samples", fmt.Sprintf(`{"n": 1, "seed": %d, "class": %d}`, seed, class))).Images[0]
	}
	get := func(query string) (string, string) {
		t.Helper()
		w := call(h, "GET", "/v1/samples/3.png"+query, "")
		if w.Code != http.StatusOK {
			t.Fatalf("GET /v1/samples/3.png%s: %d %s", query, w.Code, w.Body.String())
		}
		return base64.StdEncoding.EncodeToString(w.Body.Bytes()), w.Header().Get("ETag")
	}
	sneaker, tag7 := get("?class=Sneaker")
	seven, tag7b := get("?class=7")
	first, tag0 := get("")
	if sneaker != api(3, 7) || seven != sneaker || first != api(3, 0) {
		t.Error("GET /v1/samples/3.png?class= is not the API's image of seed 3 in that class (class 0 when left out)")
	}
	if tag7 != tag7b || tag7 == tag0 {
		t.Errorf("ETags: Sneaker %s, 7 %s, none %s: want the same for one class and another for another", tag7, tag7b, tag0)
	}
	for _, tc := range []struct {
		class string
		want  int32
	}{{``, 0}, {`, "class": "Bag"`, 8}, {`, "class": 4`, 4}} {
		res := decodeAs[interpolateResponse](t, call(h, "POST", "/v1/interpolate", `{"seed_a": 3, "seed_b": 9, "steps": 4`+tc.class+`}`))
		if res.Class == nil || *res.Class != tc.want || res.ClassName != fashion[tc.want] {
			t.Errorf("interpolation%s: class %v %q, want %d %q", tc.class, res.Class, res.ClassName, tc.want, fashion[tc.want])
			continue
		}
		if res.Images[0] != api(3, tc.want) || res.Images[3] != api(9, tc.want) {
			t.Errorf("interpolation%s: its ends are not seeds 3 and 9 of class %d", tc.class, tc.want)
		}
	}
}

// TestGeneratorRowIgnoresItsNeighboursClasses: a row's sample is the same bits in
// row 0 of one call and row 37 of another whose other rows hold other latents of
// other classes: the batcher may put any requests together.
func TestGeneratorRowIgnoresItsNeighboursClasses(t *testing.T) {
	s := newServer(t, conditionalRun(t), Options{})
	z := s.latent(5, sample.Truncation{})
	rows := func(at int, fill int64, shift int32) []float32 {
		batch := make([]float32, s.lim.MaxBatch*s.dim)
		y := make([]int32, s.lim.MaxBatch)
		for i := range s.lim.MaxBatch {
			copy(batch[i*s.dim:], s.latent(fill+int64(i), sample.Truncation{}))
			y[i] = (int32(i) + shift) % 10
		}
		copy(batch[at*s.dim:], z)
		y[at] = 6
		x, err := s.batch.gen(batch, y)
		if err != nil {
			t.Fatal(err)
		}
		k := len(x) / s.lim.MaxBatch
		return x[at*k : (at+1)*k]
	}
	a, b := rows(0, 1000, 0), rows(37, 2000, 3)
	if !slices.Equal(a, b) {
		t.Error("seed 5 of class 6 differs in row 0 and in row 37 among other latents and classes")
	}
}
