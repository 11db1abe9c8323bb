//go:build !unix

package main

import "testing"

// platformBadInputCases: FIFOs need a Unix system.
func platformBadInputCases(*testing.T, badFiles) []badInputCase { return nil }

// limitChildMemory: no address-space limit outside Unix.
func limitChildMemory() {}
