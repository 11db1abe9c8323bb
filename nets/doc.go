// Package nets builds the generator and discriminator graphs — DCGAN convolutional
// nets for 28x28, 32x32 and 64x64 images and MLPs for the 2-D toy mixtures — from
// small layers whose gradients are correct on every GoMLX backend gankit offers.
//
// Images are channels-last: [batch, height, width, channels].
package nets
