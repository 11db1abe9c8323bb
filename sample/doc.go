// Package sample draws latents, runs a trained generator in inference mode, and turns
// its output into files people look at: image grids and toy-mixture scatter plots.
package sample
