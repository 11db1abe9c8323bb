package main

import (
	"fmt"

	"github.com/gankit/gankit/data"
	"github.com/spf13/cobra"
)

func dataCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "data",
		Short: "Look at datasets",
	}
	var opt data.Options
	inspect := &cobra.Command{
		Use:   "inspect [PATH]",
		Short: "Print a dataset's count, image size, channels, value range and labels",
		Long: `Read a dataset the way gankit train would and describe it. PATH is ` + data.Formats + `;
without PATH, the embedded Fashion-MNIST subset.`,
		Example: `  gankit data inspect /usr/share/datasets/fashion-mnist
  gankit data inspect ~/photos --size 64 --channels 3`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			if path == data.Ring8 || path == data.Grid25 {
				toy, err := data.NewToy(path, 0)
				if err != nil {
					return err
				}
				fmt.Printf("%s: mixture of %d 2-D Gaussians, std %g, sampled on the fly\n", path, len(toy.Modes), toy.Std)
				return nil
			}
			d, err := data.Open(path, opt)
			if err != nil {
				return err
			}
			return describe(d)
		},
	}
	fl := inspect.Flags()
	fl.StringVar(&opt.Split, "split", "train", "train or test (IDX and CIFAR-10 folders)")
	fl.IntVar(&opt.Size, "size", 64, "image folders: resize and center-crop to this size")
	fl.IntVar(&opt.Channels, "channels", 3, "image folders: 1 (grayscale) or 3 (RGB)")
	cmd.AddCommand(inspect)
	return cmd
}

func describe(d data.Dataset) error {
	s := d.Shape()
	x := make([]float32, s.Len())
	lo, hi := float32(1e30), float32(-1e30)
	var sum float64
	labels := map[int]int{}
	for i := range d.Len() {
		if err := d.Read(i, x); err != nil {
			return err
		}
		for _, v := range x {
			lo, hi = min(lo, v), max(hi, v)
			sum += float64(v)
		}
		if l := d.Label(i); l >= 0 {
			labels[l]++
		}
	}
	fmt.Printf("dataset:  %s\n", d.Name())
	fmt.Printf("examples: %d\n", d.Len())
	fmt.Printf("size:     %dx%d\n", s.Size, s.Size)
	fmt.Printf("channels: %d\n", s.Channels)
	fmt.Printf("values:   [%.4g, %.4g] after scaling (pixel/127.5 - 1), mean %.4g\n", lo, hi, sum/float64(d.Len()*s.Len()))
	if len(labels) > 0 {
		fmt.Printf("labels:   %d classes\n", len(labels))
	} else {
		fmt.Printf("labels:   none\n")
	}
	return nil
}
