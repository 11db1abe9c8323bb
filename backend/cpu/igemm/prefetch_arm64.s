//go:build arm64 && !purego

#include "textflag.h"

// func prefetchAsm(a **float32, n, lines int)
//
// PRFM PLDL1KEEP of lines 64-byte lines from each of the n pointers at a.
TEXT ·prefetchAsm(SB), NOSPLIT, $0-24
	MOVD a+0(FP), R0
	MOVD n+8(FP), R1
pf_ptr:
	MOVD.P 8(R0), R2
	MOVD lines+16(FP), R3
pf_line:
	PRFM (R2), PLDL1KEEP
	ADD  $64, R2
	SUBS $1, R3
	BNE  pf_line
	SUBS $1, R1
	BNE  pf_ptr
	RET
