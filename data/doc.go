// Package data reads training data — Fashion-MNIST/MNIST IDX files, CIFAR-10 binary
// batches, folders of PNG, JPEG, GIF, WebP, BMP and TIFF images (or a StyleGAN2-ADA
// zip), the toy 2-D mixtures ring8 and grid25, and an embedded 10k-image
// Fashion-MNIST subset — scales it to [-1, 1], and serves seeded, reproducible
// batches: the batch for a step depends only on the seed and the step.
package data
