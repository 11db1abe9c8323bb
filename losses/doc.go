// Package losses holds the GAN objectives and D's regularisers: the adversarial losses
// (train.loss; adversarial.go), the gradient penalties (train.penalties; penalty.go)
// and the target-label and instance-noise tricks. Each loss and each penalty is one
// file that registers it at init with its traits or its published weight, so config,
// train and the tests ask the registry (Names, ByName, PenaltyNames, PenaltyByName)
// and no list of names is kept elsewhere.
package losses
