// Package train runs the GAN loop: alternating D and G steps compiled into one graph
// per iteration, metrics.jsonl, sample grids, atomic checkpoints, and exact resume.
package train
