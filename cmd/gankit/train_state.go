package main

import (
	"errors"

	"github.com/gankit/gankit/train"
)

// exitStateWrite is the exit status of a run stopped because its state (a checkpoint,
// or metrics.jsonl) could not be written: EX_IOERR of sysexits.h, "an error occurred
// while doing I/O on some file". It differs from exitStopped (75) because the steps
// since the last checkpoint are lost; --resume continues from that checkpoint once
// the cause (most often a full disk) is gone. A sample grid that cannot be written
// stops nothing: train reports it and goes on.
const exitStateWrite = 74

// stateWriteError is a train.StateError with the command that resumes the run.
type stateWriteError struct{ err *train.StateError }

func (e *stateWriteError) Error() string {
	return e.err.Error() + "; once it can be written again, resume with: " + resumeCommand(e.err.RunDir)
}

func (e *stateWriteError) Unwrap() error { return e.err }

func (e *stateWriteError) ExitCode() int { return exitStateWrite }

// withResumeHint adds the resume command and exit status 74 to an error of
// train.Run that stopped the run on a write of its state; others pass as they are.
func withResumeHint(err error) error {
	if se := (*train.StateError)(nil); errors.As(err, &se) {
		return &stateWriteError{se}
	}
	return err
}
