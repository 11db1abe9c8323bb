package serve

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestBadRequestsGet4xxNamingTheField: every limit and malformed input is refused
// with the right status and a JSON message that names the field, what it takes and
// what it got.
func TestBadRequestsGet4xxNamingTheField(t *testing.T) {
	h := newServer(t, "", Options{Token: "s3cret"}).Handler()
	auth := []string{"Authorization", "Bearer s3cret"}
	big := `{"n": 1, "mode": "` + strings.Repeat("x", 5000) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		header                   []string
		code                     int
		want                     []string
	}{
		{"oversized n", "POST", "/v1/samples", `{"n": 257}`, auth, 400, []string{"n:", "1 to 256", "257"}},
		{"n 0", "POST", "/v1/samples", `{"n": 0}`, auth, 400, []string{"n:", "got 0"}},
		{"n a string", "POST", "/v1/samples", `{"n": "many"}`, auth, 400, []string{"n:", "int", "string"}},
		{"n a fraction", "POST", "/v1/samples", `{"n": 2.5}`, auth, 400, []string{"n:", "int", "number 2.5"}},
		{"bad JSON", "POST", "/v1/samples", `{"n": 4,`, auth, 400, []string{"request body", "JSON"}},
		{"not an object", "POST", "/v1/samples", `[1, 2]`, auth, 400, []string{"array"}},
		{"empty body", "POST", "/v1/samples", ``, auth, 400, []string{"empty body"}},
		{"unknown field", "POST", "/v1/samples", `{"count": 4}`, auth, 400, []string{"unknown field", "count"}},
		{"two objects", "POST", "/v1/samples", `{"n": 1} {"n": 2}`, auth, 400, []string{"after the JSON object"}},
		{"psi above 1", "POST", "/v1/samples", `{"mode": "psi", "truncation": 1.5}`, auth, 400, []string{"psi", "1.5"}},
		{"resample below the floor", "POST", "/v1/samples", `{"mode": "resample", "truncation": 0.001}`, auth, 400, []string{"resample", "0.05", "0.001"}},
		{"clip above the ceiling", "POST", "/v1/samples", `{"mode": "clip", "truncation": 50}`, auth, 400, []string{"clip", "<= 4", "50"}},
		{"truncation without mode", "POST", "/v1/samples", `{"truncation": 0.5}`, auth, 400, []string{"needs mode"}},
		{"unknown mode", "POST", "/v1/samples", `{"mode": "soft", "truncation": 0.5}`, auth, 400, []string{"soft", "resample"}},
		{"oversized body", "POST", "/v1/samples", big, auth, 413, []string{"request body", "4096 bytes"}},
		{"no token", "POST", "/v1/samples", `{"n": 1}`, nil, 401, []string{"Authorization", "no Authorization header"}},
		{"bad token", "POST", "/v1/samples", `{"n": 1}`, []string{"Authorization", "Bearer guess"}, 401, []string{"Authorization", "different token"}},
		{"other scheme", "GET", "/v1/model", ``, []string{"Authorization", "Basic czNjcmV0"}, 401, []string{"another scheme"}},
		{"metrics without token", "GET", "/metrics", ``, nil, 401, []string{"Authorization"}},
		{"png without token", "GET", "/v1/samples/1.png", ``, nil, 401, []string{"Authorization"}},
		{"steps 1", "POST", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 1}`, auth, 400, []string{"steps:", "2 to 32", "got 1"}},
		{"oversized steps", "POST", "/v1/interpolate", `{"seed_a": 1, "seed_b": 2, "steps": 500}`, auth, 400, []string{"steps:", "500"}},
		{"unknown path", "POST", "/v1/interpolate", `{"path": "cubic"}`, auth, 400, []string{"path:", "cubic", "slerp"}},
		{"interpolation truncation", "POST", "/v1/interpolate", `{"mode": "psi", "truncation": -0.1}`, auth, 400, []string{"psi", "-0.1"}},
		{"seed not a number", "GET", "/v1/samples/seven.png", ``, auth, 404, []string{"seed", "seven.png"}},
		{"png truncation not a number", "GET", "/v1/samples/7.png?mode=psi&truncation=half", ``, auth, 400, []string{"truncation", "half"}},
		{"png truncation out of range", "GET", "/v1/samples/7.png?mode=clip&truncation=9", ``, auth, 400, []string{"clip", "9"}},
		{"unknown endpoint", "GET", "/v2/everything", ``, auth, 404, []string{"no endpoint", "/v2/everything"}},
		{"wrong method", "POST", "/v1/model", `{}`, auth, 405, []string{"POST /v1/model", "takes GET"}},
		{"wrong method, with a wildcard", "DELETE", "/v1/samples/3.png", ``, auth, 405, []string{"takes GET"}},
	} {
		w := call(h, tc.method, tc.path, tc.body, tc.header...)
		var e apiError
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: the answer is not a JSON error (%v): %q", tc.name, err, w.Body.String())
			continue
		}
		if w.Code != tc.code {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, w.Code, tc.code, e.Error)
		}
		for _, want := range tc.want {
			if !strings.Contains(e.Error, want) {
				t.Errorf("%s: message %q lacks %q", tc.name, e.Error, want)
			}
		}
	}
	// The page and /healthz stay open; the token opens the API.
	for _, p := range []string{"/", "/healthz", "/page/page.js"} {
		if w := call(h, "GET", p, ""); w.Code != 200 {
			t.Errorf("GET %s without a token: %d", p, w.Code)
		}
	}
	if w := call(h, "GET", "/v1/model", "", auth...); w.Code != 200 {
		t.Errorf("GET /v1/model with the token: %d %s", w.Code, w.Body.String())
	}
}

// TestTimeoutAnswers503WithRetryAfter: with every generation slot taken, a request
// waits in the queue until its timeout, then gets a 503 with Retry-After.
func TestTimeoutAnswers503WithRetryAfter(t *testing.T) {
	lim := DefaultLimits()
	lim.Concurrency, lim.Queue, lim.Timeout = 1, 1, 2*time.Second
	s := newServer(t, "", Options{Limits: lim})
	release, err := s.admit.acquire(t.Context()) // the only slot
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	w := call(s.Handler(), "POST", "/v1/samples", `{"n": 1}`)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), "timed out after 2s") {
		t.Errorf("waiting past the timeout: %d, Retry-After %q, %s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
	}
	// A lower bound only, which a busy machine cannot break: it waited.
	if took := time.Since(start); took < 1900*time.Millisecond {
		t.Errorf("answered after %s: it did not wait in the queue", took)
	}
}

// TestFullQueueAnswers503AtOnce: with every generation slot taken and the queue full,
// a request is refused at once with Retry-After 1; the one in the queue is answered
// when the slot frees. The queued request's timeout is far longer than the test, so
// the queue is still full when the next request comes, however busy the machine.
func TestFullQueueAnswers503AtOnce(t *testing.T) {
	lim := DefaultLimits()
	lim.Concurrency, lim.Queue, lim.Timeout = 1, 1, time.Hour
	s := newServer(t, "", Options{Limits: lim})
	h := s.Handler()
	release, err := s.admit.acquire(t.Context()) // the only slot
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int)
	go func() { done <- call(h, "GET", "/v1/samples/3.png", "").Code }()
	for s.admit.Waiting() != 1 { // ended by go test's -timeout if it never queues
		time.Sleep(time.Millisecond)
	}
	w := call(h, "POST", "/v1/interpolate", `{}`)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "queue is full") {
		t.Errorf("with the queue full: %d, Retry-After %q, %s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
	}
	release()
	if code := <-done; code != http.StatusOK {
		t.Errorf("the queued request: %d, want 200 once the slot is free", code)
	}
}
