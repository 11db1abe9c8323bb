// Package train runs the GAN loop: alternating D and G steps compiled into one graph
// per iteration, and writes the run (metrics, sample grids, checkpoints) through
// package run, so that it resumes exactly and stops cleanly.
package train
