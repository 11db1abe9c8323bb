// Package run owns a trained run's directory: its layout, the lock that admits one
// writer at a time, checkpoints (with their format version and checksums, written
// atomically and read back only when whole), the metrics log, the config changes a
// resume may make, and opening a trained generator for inference.
//
// A run directory holds:
//
//	config.yaml                     the resolved config
//	metrics.jsonl                   one JSON object per logged step
//	changes.jsonl                   config changes accepted on resume (--allow-change)
//	samples/step-NNNNNN.png         sample grids
//	checkpoints/ckpt-NNNNNNNNN.bin  checkpoints (format in checkpoint.go); one whose header holds
//	                                another step is a copy (MisnamedError), and so is one trained
//	                                with another structure than the run's
//	                                (ForeignError): neither is used nor pruned
//	eval.json                       an evaluation, when something wrote one (gankit ablate's cells)
//	lock                            while a process writes the run: who
//
// train writes runs through a Writer (Create or Resume, then Start); eval, sample and
// ablate read them through Open, LatestCheckpoint and ReadMetrics, and need not import
// the trainer.
package run
