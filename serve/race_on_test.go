//go:build race

package serve

// underRace: this test binary was built with -race.
const underRace = true
