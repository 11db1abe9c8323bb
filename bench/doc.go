// Package bench is the measuring method of `gankit bench`: it times the training
// iteration (one D step and one G step) of the reference DCGAN, or of pytorch/examples'
// 64x64x3 DCGAN, in rounds that alternate gankit and the same model in PyTorch, and
// reduces the timings to medians, ranges, throughput, model GFLOP/s and the share of
// the machine's SGEMM peak. docs/protocols.md ("Speed") states the protocol.
//
// The PyTorch side is torch_dcgan_bench.py in this folder, embedded in the binary and
// fed to /usr/bin/python3 on standard input, so that an installed gankit runs it from
// any directory. The iteration itself is train.TimeSteps; the FLOP count is
// nets.Config.IterationFLOPs. cmd/gankit parses the flags and prints the Report.
package bench
