//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// TestServeTakesTheBearerSchemeInAnyCaseAndRefusesWrappingSeeds runs a real `gankit
// serve --token` and asks it over loopback, as a client would: the Bearer scheme in
// lower and upper case is accepted with the right token (RFC 7235 §2.1: the scheme is
// case-insensitive) and refused with a wrong one; a request whose seeds would pass
// the largest int64 is a 400 naming the field, and the range ending exactly at it is
// answered. Before, "bearer" got a 401, and seed 2^63-1 with n 2 was answered with
// seeds [2^63-1, -2^63].
func TestServeTakesTheBearerSchemeInAnyCaseAndRefusesWrappingSeeds(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	if code, out := runGankit(t, "train", "--preset", "tiny", "--steps", "2", "--out", dir); code != 0 {
		t.Fatalf("training: exit %d\n%s", code, out)
	}
	const token = "S3cret-token"
	srv := startGankit(t, "serve", "--run", dir, "--addr", "127.0.0.1:0", "--token", token)
	url := regexp.MustCompile(`on (http://127\.0\.0\.1:\d+/)`)
	waitFor(t, "serve to print its URL", func() bool {
		select {
		case <-srv.done:
			return true
		default:
			return url.MatchString(srv.stdout.String())
		}
	})
	m := url.FindStringSubmatch(srv.stdout.String())
	if m == nil {
		t.Fatalf("gankit serve exited without a URL:\n%s\n%s", srv.stdout.String(), srv.stderr.String())
	}
	post := func(auth, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest("POST", m[1]+"v1/samples", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		auth string
		code int
	}{
		{"Bearer " + token, 200}, {"bearer " + token, 200}, {"BEARER " + token, 200},
		{"bearer wrong", 401}, {"Basic " + token, 401},
	} {
		if code, body := post(tc.auth, `{"n": 1}`); code != tc.code {
			t.Errorf("Authorization: %q: status %d, want %d: %.200s", tc.auth, code, tc.code, body)
		}
	}
	for _, tc := range []struct {
		seed  int64
		code  int
		seeds string
	}{
		{math.MaxInt64 - 1, 200, fmt.Sprint([]int64{math.MaxInt64 - 1, math.MaxInt64})},
		{math.MaxInt64, 400, ""},
	} {
		code, body := post("bearer "+token, fmt.Sprintf(`{"seed": %d, "n": 2}`, tc.seed))
		var res struct {
			Seeds []int64 `json:"seeds"`
			Error string  `json:"error"`
		}
		_ = json.Unmarshal([]byte(body), &res)
		if code != tc.code || (code == 200 && fmt.Sprint(res.Seeds) != tc.seeds) || (code == 400 && !strings.HasPrefix(res.Error, "seed: ")) {
			t.Errorf("seed %d, n 2: status %d, seeds %v, error %q; want %d %s", tc.seed, code, res.Seeds, res.Error, tc.code, tc.seeds)
		}
	}
	srv.signal(t, syscall.SIGINT)
	if code := srv.wait(t); code != 0 {
		t.Errorf("serve after SIGINT: exit %d\n%s", code, srv.stderr.String())
	}
}
