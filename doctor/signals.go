package doctor

// Signals the trainer logs for the doctor, as metrics.jsonl fields, beside the
// step's own statistics (loss_d, loss_g, d_real, d_fake, d_acc_real, d_acc_fake,
// grad_norm_d, grad_norm_g, ada_rt).
const (
	// SignalHeldOutGap is r_train - r_heldout, each E[sign(D(x))] over a fixed batch
	// of training images and one of held-out images of the same data, at the same D
	// (Karras et al. 2020, Fig. 1: D's outputs on training and validation images part
	// when D overfits). Logged when the data have held-out images.
	SignalHeldOutGap = "doctor_heldout_gap"
	// SignalRTrain is the r_t of the same fixed training batch (logged with the gap).
	SignalRTrain = "doctor_r_train"
	// SignalDiversity is the mean pairwise distance of G's samples of a fixed latent
	// batch divided by that of a fixed real batch, in the feature network's space when
	// one fits the data, else in pixels: near 1 for a G as varied as the data, near 0
	// for one that draws one image.
	SignalDiversity = "doctor_diversity"
	// SignalModes is the share of a toy mixture's modes that G's fixed latent batch
	// covers (metrics.CoverModes).
	SignalModes = "doctor_modes"
	// SignalFID is the opt-in quality proxy: FID with the committed feature network
	// (doctor.fid_every).
	SignalFID = "doctor_fid"
	// SignalDataWait is the share of the logging interval's wall time the loop spent
	// waiting for a batch.
	SignalDataWait = "doctor_data_wait"
)
