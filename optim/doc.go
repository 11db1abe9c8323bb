// Package optim holds the optimizers gankit trains with (Adam, SGD, RMSProp), each
// computed as PyTorch's torch.optim computes it, with explicit hyperparameters, and
// registered by name (ByName, Names) for the train.optimizer_g and train.optimizer_d
// config keys.
package optim
