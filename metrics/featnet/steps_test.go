package featnet

import (
	"io"
	"strings"
	"testing"

	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/testutil"
)

// twoTones is n 8x8 grey images, image i of class i mod 2: class 0 dark (-0.8),
// class 1 light (+0.8), with a pixel that differs per image. reads counts how often
// Train read each image.
type twoTones struct {
	n     int
	reads []int
}

func newTwoTones(n int) *twoTones { return &twoTones{n: n, reads: make([]int, n)} }

func (d *twoTones) Name() string      { return "two tones" }
func (d *twoTones) Len() int          { return d.n }
func (d *twoTones) Shape() data.Shape { return data.Shape{Size: 8, Channels: 1} }
func (d *twoTones) Label(i int) int   { return i % 2 }

func (d *twoTones) Read(i int, dst []float32) error {
	d.reads[i]++
	v := float32(-0.8)
	if i%2 == 1 {
		v = 0.8
	}
	for p := range dst {
		dst[p] = v
	}
	dst[i%len(dst)] = 0
	return nil
}

// TestTrainStepsDrawsStepsBatchesEvenly: 5 steps of 5 images from 10 images read 25
// images, each image 2 or 3 times, and the five extra reads do not go to the first
// five images (in a set of real images followed by generated ones those would all
// be real). The classifier learns the two tones.
func TestTrainStepsDrawsStepsBatchesEvenly(t *testing.T) {
	b := testutil.Backend(t, "cpu")
	train, test := newTwoTones(10), newTwoTones(20)
	m, err := TrainSteps(b, train, test, 5, TrainOptions{Batch: 5, LR: 1e-2, Seed: 3, Epochs: 7}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	total, three, firstFive := 0, 0, 0
	for i, r := range train.reads {
		total += r
		if r != 2 && r != 3 {
			t.Errorf("image %d read %d times, want 2 or 3", i, r)
		}
		if r == 3 {
			three++
			if i < 5 {
				firstFive++
			}
		}
	}
	if total != 25 || three != 5 {
		t.Errorf("%d reads, %d images read 3 times; want 25 and 5", total, three)
	}
	if firstFive == 5 {
		t.Errorf("the extra reads all went to the first five images")
	}
	if m.Accuracy < 0.9 || m.Classes != 2 {
		t.Errorf("after 5 steps: %d classes, accuracy %.2f on the two tones", m.Classes, m.Accuracy)
	}
	for _, tc := range []struct {
		steps, batch int
		want         string
	}{{0, 5, "0 steps"}, {5, 0, "batch 0"}} {
		_, err := TrainSteps(b, train, test, tc.steps, TrainOptions{Batch: tc.batch, LR: 1e-2}, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("steps %d, batch %d: error %v, want one saying %q", tc.steps, tc.batch, err, tc.want)
		}
	}
}
