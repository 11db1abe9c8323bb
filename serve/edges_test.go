package serve

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestSampleSeedsDoNotWrap: POST /v1/samples's seeds are seed .. seed+n-1, so a range
// that would pass the largest int64 is a 400 naming the field; the range that ends
// exactly at it is answered with those seeds. Before, {"seed": 2^63-1, "n": 2} was
// answered with seeds [2^63-1, -2^63]. A PNG's seed and an interpolation's two ends
// are single seeds: the largest and the smallest int64 are answered.
func TestSampleSeedsDoNotWrap(t *testing.T) {
	h := newServer(t, "", Options{}).Handler()
	for _, tc := range []struct {
		name  string
		seed  int64
		n     int
		seeds []int64 // the answer's seeds; nil: refused
	}{
		{"ends at the largest", math.MaxInt64 - 1, 2, []int64{math.MaxInt64 - 1, math.MaxInt64}},
		{"the largest alone", math.MaxInt64, 1, []int64{math.MaxInt64}},
		{"one past the largest", math.MaxInt64, 2, nil},
		{"three from one below", math.MaxInt64 - 1, 3, nil},
		{"the smallest", math.MinInt64, 2, []int64{math.MinInt64, math.MinInt64 + 1}},
	} {
		w := call(h, "POST", "/v1/samples", fmt.Sprintf(`{"seed": %d, "n": %d}`, tc.seed, tc.n))
		if tc.seeds == nil {
			var e apiError
			_ = json.Unmarshal(w.Body.Bytes(), &e)
			want := fmt.Sprintf("seed: %d seeds from %d pass the largest seed", tc.n, tc.seed)
			if w.Code != 400 || !strings.Contains(e.Error, want) || !strings.Contains(e.Error, fmt.Sprint(int64(math.MaxInt64)-int64(tc.n-1))) {
				t.Errorf("%s: status %d, %q; want 400 with %q and the largest first seed", tc.name, w.Code, e.Error, want)
			}
			continue
		}
		got := decodeAs[samplesResponse](t, w)
		if fmt.Sprint(got.Seeds) != fmt.Sprint(tc.seeds) || len(got.Images) != tc.n {
			t.Errorf("%s: seeds %v and %d images, want %v", tc.name, got.Seeds, len(got.Images), tc.seeds)
		}
	}
	if w := call(h, "GET", fmt.Sprintf("/v1/samples/%d.png", int64(math.MaxInt64)), ""); w.Code != 200 || w.Header().Get("Content-Type") != "image/png" {
		t.Errorf("the largest seed's PNG: status %d, %s", w.Code, w.Body.String())
	}
	body := fmt.Sprintf(`{"seed_a": %d, "seed_b": %d, "steps": 2}`, int64(math.MaxInt64), int64(math.MinInt64))
	if got := decodeAs[interpolateResponse](t, call(h, "POST", "/v1/interpolate", body)); len(got.Images) != 2 {
		t.Errorf("interpolation between the largest and smallest seeds: %d images", len(got.Images))
	}
}

// TestBearerSchemeIsCaseInsensitive: the auth-scheme is case-insensitive (RFC 7235
// §2.1; RFC 6750 §2.1 defines "Bearer"), so "bearer" and "BEARER" open the API; the
// token itself is compared exactly. Before, "Authorization: bearer TOKEN" got a 401.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	h := newServer(t, "", Options{Token: "s3cret"}).Handler()
	for _, tc := range []struct {
		header string
		code   int
		want   string // in the error, when refused
	}{
		{"Bearer s3cret", 200, ""},
		{"bearer s3cret", 200, ""},
		{"BEARER s3cret", 200, ""},
		{"bEaReR s3cret", 200, ""},
		{"Bearer WRONG", 401, "different token"},
		{"bearer S3CRET", 401, "different token"},
		{"bearer s3cret2", 401, "different token"},
		{"Bearer s3cre", 401, "different token"},
		{"Basic czNjcmV0", 401, "another scheme"},
		{"Bearers3cret", 401, "another scheme"},
		{"bear s3cret", 401, "another scheme"},
		{"s3cret", 401, "another scheme"},
	} {
		w := call(h, "GET", "/v1/model", "", "Authorization", tc.header)
		if w.Code != tc.code {
			t.Errorf("Authorization: %q: status %d, want %d (%.200s)", tc.header, w.Code, tc.code, w.Body.String())
			continue
		}
		if tc.code == 200 {
			continue
		}
		var e apiError
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, tc.want) {
			t.Errorf("Authorization: %q: error %q (%v), want %q", tc.header, e.Error, err, tc.want)
		}
		if w.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization: %q: a 401 without WWW-Authenticate", tc.header)
		}
	}
}
