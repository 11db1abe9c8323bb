package doctor

import (
	"math"
	"slices"
)

// point is one logged value of a signal.
type point struct {
	step int
	v    float64
}

// series keeps the last cap values of a signal.
type series struct {
	cap int
	pts []point
}

func newSeries(capacity int) *series { return &series{cap: capacity} }

func (s *series) add(step int, v float64) {
	s.pts = append(s.pts, point{step, v})
	if len(s.pts) > s.cap {
		s.pts = s.pts[len(s.pts)-s.cap:]
	}
}

func (s *series) len() int { return len(s.pts) }

// since are the values logged after step (exclusive).
func (s *series) since(step int) []point {
	i, _ := slices.BinarySearchFunc(s.pts, step+1, func(p point, t int) int { return p.step - t })
	return s.pts[i:]
}

func median(pts []point) float64 {
	vs := make([]float64, len(pts))
	for i, p := range pts {
		vs[i] = p.v
	}
	slices.Sort(vs)
	n := len(vs)
	if n == 0 {
		return math.NaN()
	}
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

func mean(pts []point) float64 {
	s := 0.0
	for _, p := range pts {
		s += p.v
	}
	return s / float64(len(pts))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// warmup is how many steps a detector that judges a run's course waits out: a tenth
// of the run, at most limit steps (the first iterations of every GAN look like a
// failure: D wins at once against a random G).
func warmup(steps, limit int) int {
	if steps <= 0 {
		return limit
	}
	return min(limit, steps/10)
}

// streak is a run of consecutive measurements that meet a detector's condition. A
// detector reports its symptom once a streak is long enough, and once per streak.
type streak struct {
	pts      []point
	reported bool
}

// broken ends the streak: the condition failed.
func (s *streak) broken() { s.pts, s.reported = s.pts[:0], false }

// extend adds a measurement that meets the condition; it says whether the streak has
// just reached n (true once per streak).
func (s *streak) extend(p point, n int) bool {
	s.pts = append(s.pts, p)
	if s.reported || len(s.pts) < n {
		return false
	}
	s.reported = true
	return true
}

func (s *streak) first() int { return s.pts[0].step }
