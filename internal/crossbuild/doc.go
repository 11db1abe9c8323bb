// Package crossbuild builds the gankit binary without cgo for every platform it
// supports, as part of the plain test run. It holds only that test, in a package of
// its own so that its minutes of building have a test binary's -timeout to
// themselves instead of sharing cmd/gankit's.
package crossbuild
