// Package fuzzci runs every fuzz target of the module (go test -fuzz) for a few
// seconds as part of the plain test run, so that CI, which runs `go test ./...`,
// fuzzes every reader on every change. It holds only that test.
package fuzzci
