package main

import (
	"fmt"
	"math"
	"os"

	"github.com/gankit/gankit/backend"
	"github.com/gankit/gankit/data"
	"github.com/gankit/gankit/internal/sysmem"
	"github.com/gankit/gankit/metrics/featnet"
	"github.com/spf13/cobra"
)

func classifierCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "classifier",
		Short: "Train the feature network that FID, KID, precision/recall and the Inception Score use",
	}
	var path, out, be string
	opt := featnet.DefaultTraining()
	trainC := &cobra.Command{
		Use:   "train",
		Short: "Train the CNN classifier on a labelled dataset and write its model file",
		Long: `Train gankit's feature network — three convolutions, a dense layer of 128 units, a
dense output — on the training split of a labelled dataset (IDX files with labels, or
CIFAR-10), print its accuracy on the test split after each epoch, and write the model
(a gzip'd gob, written atomically) with its SHA-256. Its penultimate layer (128
values) is the embedding the metrics compare.

The committed Fashion-MNIST model (metrics/featnet/fmnist.gob.gz) was made by:
  gankit classifier train --data /usr/share/datasets/fashion-mnist --out metrics/featnet/fmnist.gob.gz`,
		Example: `  gankit classifier train --data /usr/share/datasets/fashion-mnist --out fm.gob.gz
  gankit classifier train --data ~/cifar-10-batches-bin --epochs 10 --out cifar.gob.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" || out == "" {
				return fmt.Errorf("--data PATH and --out FILE are required")
			}
			switch {
			case opt.Epochs < 1:
				return fmt.Errorf("--epochs %d: want at least 1", opt.Epochs)
			case opt.Batch < 1:
				return fmt.Errorf("--batch %d: want at least 1", opt.Batch)
			case !(opt.LR > 0) || math.IsInf(opt.LR, 0):
				return fmt.Errorf("--lr %g: want a finite learning rate > 0", opt.LR)
			}
			trainSet, err := data.Open(path, data.Options{Split: "train"})
			if err != nil {
				return err
			}
			need := sysmem.Need{What: "--batch", N: opt.Batch, Unit: "sample", PerItem: featnet.TrainingBytesPerSample(trainSet.Shape())}
			if err := sysmem.Available().Check(need); err != nil {
				return err
			}
			if opt.Batch > trainSet.Len() {
				return fmt.Errorf("--batch %d: %s has only %d training examples", opt.Batch, trainSet.Name(), trainSet.Len())
			}
			testSet, err := data.Open(path, data.Options{Split: "test"})
			if err != nil {
				return fmt.Errorf("the test split is needed to report accuracy: %w", err)
			}
			b, err := backend.New(backend.Resolve(be))
			if err != nil {
				return err
			}
			fmt.Printf("training on %s (%d images), testing on %d; backend %s\n", trainSet.Name(), trainSet.Len(), testSet.Len(), backend.Describe(b))
			m, err := featnet.Train(b, trainSet, testSet, opt, os.Stdout)
			if err != nil {
				return err
			}
			if err := m.Save(out); err != nil {
				return err
			}
			fmt.Printf("test accuracy %.2f%%; wrote %s (sha256 %s)\n", 100*m.Accuracy, out, m.Hash())
			return nil
		},
	}
	fl := trainC.Flags()
	fl.StringVar(&path, "data", "", "labelled dataset: "+data.Formats)
	fl.StringVar(&out, "out", "", "model file to write")
	fl.IntVar(&opt.Epochs, "epochs", opt.Epochs, "passes over the training split")
	fl.IntVar(&opt.Batch, "batch", opt.Batch, "batch size")
	fl.Float64Var(&opt.LR, "lr", opt.LR, "Adam learning rate")
	fl.Int64Var(&opt.Seed, "seed", 0, "seed for weights and batch order")
	fl.StringVar(&be, "backend", "", "backend (default $GOMLX_BACKEND, else cpu)")
	cmd.AddCommand(trainC)
	return cmd
}
