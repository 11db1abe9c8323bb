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
	var size, channels int
	var testFraction float64
	opt := featnet.DefaultTraining()
	trainC := &cobra.Command{
		Use:   "train",
		Short: "Train the CNN classifier on a labelled dataset and write its model file",
		Long: `Train gankit's feature network — three convolutions, a dense layer of 128 units, a
dense output — on a labelled dataset, print its accuracy on held-out images after each
epoch, and write the model (a gzip'd gob, written atomically) with its SHA-256. Its
penultimate layer (128 values) is the embedding the metrics compare.

IDX files with labels and CIFAR-10 train on their training split and are tested on
their test split. A folder of images with one sub-folder per class (or StyleGAN2-ADA's
dataset.json) is resized to --size x --size with --channels channels (transparency
composited onto white) and has no test split: --test-fraction of its images are held
out, chosen by a hash of each file's path relative to the folder, so that the same
files are held out whatever else the folder holds and in whatever order.

The committed Fashion-MNIST model (metrics/featnet/fmnist.gob.gz) was made by:
  gankit classifier train --data /usr/share/datasets/fashion-mnist --out metrics/featnet/fmnist.gob.gz

The committed colour model for 32x32 emoji (metrics/featnet/emojione32.gob.gz; its
data: scripts/results/colour-dataset.sh) was made by:
  gankit classifier train --data ~/.cache/gankit-data/emojione --size 32 --channels 3 \
    --test-fraction 0.2 --epochs 20 --batch 64 --out metrics/featnet/emojione32.gob.gz`,
		Example: `  gankit classifier train --data /usr/share/datasets/fashion-mnist --out fm.gob.gz
  gankit classifier train --data ~/cifar-10-batches-bin --epochs 10 --out cifar.gob.gz
  gankit classifier train --data ~/icons --size 32 --channels 3 --test-fraction 0.2 --out icons.gob.gz
  gankit eval --images samples/ --real ~/icons --feature-net icons.gob.gz`,
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
			switch {
			case size < 1 || size > data.MaxFolderSize:
				return fmt.Errorf("--size %d: want 1 to %d", size, data.MaxFolderSize)
			case channels != 1 && channels != 3:
				return fmt.Errorf("--channels %d: want 1 (grey) or 3 (RGB)", channels)
			}
			trainSet, testSet, classes, err := classifierData(path, size, channels, testFraction)
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
			b, err := backend.New(backend.Resolve(be))
			if err != nil {
				return err
			}
			fmt.Printf("training on %s (%d images), testing on %d; backend %s\n", trainSet.Name(), trainSet.Len(), testSet.Len(), backend.Describe(b))
			m, err := featnet.Train(b, trainSet, testSet, opt, os.Stdout)
			if err != nil {
				return err
			}
			m.Labels = classes
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
	fl.IntVar(&size, "size", 32, "image folders: the size images are resized to (the model's input)")
	fl.IntVar(&channels, "channels", 3, "image folders: 1 (grey) or 3 (RGB)")
	fl.Float64Var(&testFraction, "test-fraction", 0.2, "image folders: share of the images held out to measure accuracy")
	fl.IntVar(&opt.Epochs, "epochs", opt.Epochs, "passes over the training split")
	fl.IntVar(&opt.Batch, "batch", opt.Batch, "batch size")
	fl.Float64Var(&opt.LR, "lr", opt.LR, "Adam learning rate")
	fl.Int64Var(&opt.Seed, "seed", 0, "seed for weights and batch order")
	fl.StringVar(&be, "backend", "", "backend (default $GOMLX_BACKEND, else cpu)")
	cmd.AddCommand(trainC)
	return cmd
}

// classifierData opens a labelled dataset's training and test images: IDX and
// CIFAR-10's splits, or an image folder's images split by featnet.HoldOut. classes
// are the folder's class names (nil for IDX and CIFAR-10).
func classifierData(path string, size, channels int, testFraction float64) (trainSet, testSet data.Dataset, classes []string, err error) {
	d, err := data.Open(path, data.Options{Split: "train", Size: size, Channels: channels})
	if err != nil {
		return nil, nil, nil, err
	}
	f, ok := d.(*data.Folder)
	if !ok {
		testSet, err := data.Open(path, data.Options{Split: "test"})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("the test split is needed to report accuracy: %w", err)
		}
		return d, testSet, nil, nil
	}
	if f.Label(0) < 0 {
		return nil, nil, nil, fmt.Errorf("--data %s: the images have no classes; want one sub-folder per class (or a dataset.json with labels)", path)
	}
	// Decoded once here, not once per epoch.
	note, err := f.Check()
	if err != nil {
		return nil, nil, nil, err
	}
	if note != "" {
		fmt.Println(note)
	}
	trainSet, testSet, err = featnet.HoldOut(f, testFraction)
	if err != nil {
		return nil, nil, nil, err
	}
	return trainSet, testSet, f.Classes(), nil
}
