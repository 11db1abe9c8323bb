//go:build race

package cpu

// underRace: this test binary was built with -race.
const underRace = true
