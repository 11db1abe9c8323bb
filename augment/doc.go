// Package augment is StyleGAN2-ADA's adaptive discriminator augmentation (Karras et
// al. 2020, "Training Generative Adversarial Networks with Limited Data"): the "bgc"
// pipeline of per-sample geometric and colour transforms, drawn on the host as
// matrices and applied in the step graph with differentiable ops (Apply), and the
// controller that tunes the augmentation probability p to D's overfitting as
// training runs (Controller). docs/definitions.md ("Adaptive discriminator
// augmentation") states every transform, its probability and its magnitude.
package augment
