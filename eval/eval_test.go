package eval

import (
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
	"github.com/gankit/gankit/metrics/featnet"
)

// TestStackedModesOfRealImages: real stacked images, labelled channel by channel by
// the committed classifier, cover nearly every triple they hold, and mostly with
// their true labels (~0.91^3 of them).
func TestStackedModesOfRealImages(t *testing.T) {
	model, err := featnet.FashionMNIST()
	if err != nil {
		t.Fatal(err)
	}
	base, err := data.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	s, err := data.NewStacked(base, 1500, 3)
	if err != nil {
		t.Fatal(err)
	}
	x, err := ReadAll(s, s.Len())
	if err != nil {
		t.Fatal(err)
	}
	truth := map[int]bool{}
	for i := range s.Len() {
		truth[s.Label(i)] = true
	}
	modes, kl, err := stackedModes(testutil.Backend(t, "cpu"), model, x)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1500 real stacked images: %d modes (true %d), KL %.3f", modes, len(truth), kl)
	if modes < len(truth)*8/10 || modes > 1000 || kl <= 0 || kl > 1.5 {
		t.Errorf("%d modes (true labels give %d), KL %g", modes, len(truth), kl)
	}
}
