package augment

import "math"

// Controller tunes the augmentation probability p to D's overfitting, StyleGAN2-ADA's
// heuristic (Karras et al. 2020, §3, r_t; training/training_loop.py, the ADA
// heuristic after each iteration): over every Interval iterations it averages
// r_t = E[sign(D(x_real))] on the (augmented) real images D's steps saw, then moves
// p by sign(r_t - Target) · Batch·Interval / (Kimg·1000), so that p can cross 0 to 1
// in Kimg thousand images, and clamps p at 0 (not at 1: augment.py applies each
// transform with probability min(p, 1)). Target 0 leaves p where it is.
//
// Its whole state is P, SignSum, SignCount and RT: a checkpoint that keeps them (as
// float64) resumes the trajectory bitwise.
type Controller struct {
	Target   float64
	Kimg     float64
	Interval int
	Batch    int

	P         float64 // the probability now
	SignSum   float64 // sum of sign(D(x_real)) since the last adjustment
	SignCount float64 // how many outputs that sum covers
	RT        float64 // r_t of the last interval (0 before the first)
}

// Observe adds one D step's sum of sign(D(x_real)) over count outputs.
func (c *Controller) Observe(signSum float64, count int) {
	c.SignSum += signSum
	c.SignCount += float64(count)
}

// EndIteration is called after iteration i (0-based): every Interval-th iteration it
// takes r_t from the signs observed since the last one and, with a target, adjusts p.
// It says whether an interval ended.
func (c *Controller) EndIteration(i int) bool {
	if c.Interval < 1 || (i+1)%c.Interval != 0 {
		return false
	}
	if c.SignCount > 0 {
		c.RT = c.SignSum / c.SignCount
	}
	c.SignSum, c.SignCount = 0, 0
	if c.Target > 0 {
		step := float64(c.Batch*c.Interval) / (c.Kimg * 1000)
		c.P = math.Max(c.P+sign(c.RT-c.Target)*step, 0)
	}
	return true
}

// sign is numpy's: -1, 0 or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
