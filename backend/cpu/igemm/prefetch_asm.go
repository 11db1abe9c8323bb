//go:build (amd64 || arm64) && !purego

package igemm

//go:noescape
func prefetchAsm(a **float32, n, lines int)
