// Package optim holds the optimizers gankit trains with (Adam, SGD, RMSProp), each
// computed as PyTorch's torch.optim computes it, with explicit hyperparameters.
package optim
