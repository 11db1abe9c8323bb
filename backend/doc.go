// Package backend chooses the GoMLX backend a run executes on — GoMLX's pure-Go
// engine (with the fix-ups GoMLX v0.26 needs) or an XLA PJRT plugin for CPU/GPU —
// and never lets a missing plugin turn into a download or a hang.
package backend
