package bench

import (
	"fmt"
	"io"
)

// Timing is one configuration's speed in gankit. Its fields carry no JSON tags:
// the names are the keys `gankit bench --json` has always written.
type Timing struct {
	Arch     string // nets.ArchDCGAN or nets.ArchR3GAN
	Batch    int
	Upsample string  // the DCGAN's upsampling variant; "" for R3GAN
	MsPerIt  float64 // median over rounds of each round's median ms per iteration
	Samples  float64 // samples per second at MsPerIt
	GFLOPs   float64 // model FLOPs per iteration / time, in GFLOP/s
	ModelGF  float64 // model GFLOP per iteration (PyTorch-equivalent work: nets.Config.IterationFLOPs)
}

func (t Timing) String() string {
	return fmt.Sprintf("%-10s batch %4d  %9.2f ms/it  %8.0f samples/s  %7.1f GFLOP/s", t.Label(), t.Batch, t.MsPerIt, t.Samples, t.GFLOPs)
}

// Label names the configuration: the DCGAN's upsampling variant, or "r3gan".
func (t Timing) Label() string { return key{t.Arch, t.Upsample, t.Batch}.label() }

// Row is one configuration's figures, gankit's and PyTorch's.
type Row struct {
	Timing
	PeakPct    float64 `json:"peak_pct"` // achieved model GFLOP/s as a percentage of the SGEMM peak
	MsMin      float64 `json:"ms_per_it_min"`
	MsMax      float64 `json:"ms_per_it_max"`
	TorchMs    float64 `json:"torch_ms_per_it,omitempty"`
	TorchMin   float64 `json:"torch_ms_per_it_min,omitempty"`
	TorchMax   float64 `json:"torch_ms_per_it_max,omitempty"`
	TorchRatio float64 `json:"speedup_vs_torch,omitempty"` // median over rounds of the paired ratios
	// VsDCGAN is an R3GAN row's time per iteration over the dcgan-fmnist one's
	// (the DCGAN with transposed upsampling) at the same batch size, when both ran.
	VsDCGAN float64 `json:"vs_dcgan_fmnist,omitempty"`
}

// Report is what a Run measured.
type Report struct {
	Backend  string `json:"backend"`
	Kernels  string `json:"kernels"` // the cpu backend's kernel set ("" for other backends)
	Cores    int    `json:"cores"`
	Size     int    `json:"size"`     // image size: 28 (28x28x1) or 64 (64x64x3)
	Channels int    `json:"channels"` // image channels: 1 or 3
	Model    string `json:"model"`    // the nets' layer widths
	// SGEMMPeak is the faster of gankit's own float32 GEMM (SGEMMOwn, on kernel set
	// SGEMMKernels) and PyTorch's torch.mm (SGEMMTorch: its BLAS, OpenBLAS on Debian,
	// when PyTorch runs) on a 1024^3 product; SGEMMPeakBy says which ("gankit" or
	// "torch").
	SGEMMPeak    float64 `json:"sgemm_peak_gflops"`
	SGEMMPeakBy  string  `json:"sgemm_peak_by"`
	SGEMMOwn     float64 `json:"sgemm_gankit_gflops"`
	SGEMMKernels string  `json:"sgemm_gankit_kernels"`
	SGEMMTorch   float64 `json:"sgemm_torch_gflops,omitempty"`
	Rounds       int     `json:"rounds"`
	Rows         []Row   `json:"rows"`
	MaxRSSMB     float64 `json:"max_rss_mb"`
	TorchVersion string  `json:"torch_version,omitempty"`
	TorchRSSMB   float64 `json:"torch_max_rss_mb,omitempty"`
	TorchISA     string  `json:"torch_isa_env,omitempty"` // variables that kept PyTorch to gankit's instruction set
	// TorchNotRun says why PyTorch was asked for and not (or not fully) timed.
	TorchNotRun string `json:"torch_not_run,omitempty"`
}

// WriteText writes the report's figures for people: gankit's rows, PyTorch's with
// the speedup, why PyTorch did not run if it did not, and both peak RSS.
func (r Report) WriteText(w io.Writer) error {
	for _, row := range r.Rows {
		fmt.Fprintf(w, "gankit  %s  %3.0f%% of peak  (%.1f-%.1f ms over %d rounds)\n", row.Timing, row.PeakPct, row.MsMin, row.MsMax, r.Rounds)
	}
	for _, row := range r.Rows {
		if row.TorchMs > 0 {
			fmt.Fprintf(w, "torch   %-10s batch %4d  %9.2f ms/it  %8.0f samples/s  %7.1f GFLOP/s  (%.1f-%.1f)  -> gankit is %.2fx PyTorch %s\n",
				row.Label(), row.Batch, row.TorchMs, float64(row.Batch)/row.TorchMs*1e3, row.ModelGF/row.TorchMs*1e3, row.TorchMin, row.TorchMax, row.TorchRatio, r.TorchVersion)
		}
	}
	for _, row := range r.Rows {
		if row.VsDCGAN > 0 {
			fmt.Fprintf(w, "r3gan   batch %4d: %.2fx gankit's dcgan-fmnist iteration (transposed) at the same batch\n", row.Batch, row.VsDCGAN)
		}
	}
	if r.TorchNotRun != "" {
		fmt.Fprintf(w, "PyTorch reference not run: %s\n", r.TorchNotRun)
	}
	fmt.Fprintf(w, "peak RSS: gankit %.0f MB", r.MaxRSSMB)
	if r.TorchRSSMB > 0 {
		fmt.Fprintf(w, ", PyTorch %.0f MB", r.TorchRSSMB)
	}
	_, err := fmt.Fprintln(w)
	return err
}

// peakNote says which GEMM gave the SGEMM peak and what the other one measured.
func peakNote(r Report) string {
	own := fmt.Sprintf("gankit's own GEMM, %s", r.SGEMMKernels)
	switch {
	case r.SGEMMTorch == 0:
		return own + "; PyTorch's torch.mm not timed"
	case r.SGEMMPeakBy == "torch":
		return fmt.Sprintf("PyTorch's torch.mm; %s: %.0f GFLOP/s", own, r.SGEMMOwn)
	}
	return fmt.Sprintf("%s; PyTorch's torch.mm: %.0f GFLOP/s", own, r.SGEMMTorch)
}
