//go:build amd64 && !purego

#include "textflag.h"

// func prefetchAsm(a **float32, n, lines int)
//
// PREFETCHT0 of lines 64-byte lines from each of the n pointers at a.
TEXT ·prefetchAsm(SB), NOSPLIT, $0-24
	MOVQ a+0(FP), SI
	MOVQ n+8(FP), CX
pf_ptr:
	MOVQ (SI), AX
	MOVQ lines+16(FP), DX
pf_line:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ DX
	JNZ  pf_line
	ADDQ $8, SI
	DECQ CX
	JNZ  pf_ptr
	RET
