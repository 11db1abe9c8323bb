// Package losses holds the adversarial losses: for each, the discriminator's loss on
// real and fake logits and the generator's loss on fake logits.
package losses
