// Command gankit trains GANs, samples from them and inspects datasets.
//
//	gankit train --preset tiny --out runs/tiny
//	gankit sample --run runs/tiny --n 64 --out grid.png
//	gankit data inspect /usr/share/datasets/fashion-mnist
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// Exit status: 0 done, 1 an error, 74 a training run stopped because its checkpoint
// (or metrics.jsonl) could not be written (exitStateWrite), 75 a training run or an
// ablation grid stopped by a signal after a checkpoint (see trainCmd and ablateCmd),
// 128 + N a second signal N.
func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "gankit:", err)
		var ec interface{ ExitCode() int }
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "gankit",
		Short: "Train, sample and inspect GANs — every training trick a switch",
		Long: `gankit trains unconditional image GANs (and 2-D toy mixtures) with GoMLX, on the
CPU or on a GPU through XLA, and samples from what it trained.

A run lives in one directory: config.yaml (the resolved config), metrics.jsonl,
samples/step-NNNNNN.png and checkpoints/. Every command that reads a run takes it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cpuProfile string
	var profFile *os.File
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the command to this file (go tool pprof)")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		profFile = f
		return pprof.StartCPUProfile(f)
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if profFile == nil {
			return nil
		}
		pprof.StopCPUProfile()
		return profFile.Close()
	}
	root.AddCommand(trainCmd(), sampleCmd(), dataCmd(), benchCmd(), classifierCmd(), evalCmd(), ablateCmd(), reportCmd(), serveCmd(), doctorCmd())
	return root
}
