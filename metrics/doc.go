// Package metrics measures generated samples against real ones, as docs/protocols.md
// defines each measure: FID and KID on a feature network's embeddings, improved
// precision and recall, density and coverage, the Inception Score from a classifier's
// probabilities, mode coverage on the toy mixtures and stacked Fashion-MNIST, and the
// spectral checkerboard score. Features are rows of float64 (n samples x d).
package metrics
