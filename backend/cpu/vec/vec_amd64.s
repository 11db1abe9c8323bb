//go:build amd64 && !purego

#include "textflag.h"

// Every function handles n elements, n a positive multiple of 8: 32 per iteration
// while it can (four registers in flight), then 8 at a time.

// VV(NAME, OP): dst[i] = x[i] OP y[i].
#define VV(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-32; \
	MOVQ dst+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	MOVQ y+16(FP), DX; \
	MOVQ n+24(FP), CX; \
	XORQ AX, AX; \
	MOVQ CX, BX; \
	ANDQ $-32, BX; \
	JZ   tail; \
loop: \
	VMOVUPS (SI)(AX*4), Y0; \
	VMOVUPS 32(SI)(AX*4), Y1; \
	VMOVUPS 64(SI)(AX*4), Y2; \
	VMOVUPS 96(SI)(AX*4), Y3; \
	OP      (DX)(AX*4), Y0, Y0; \
	OP      32(DX)(AX*4), Y1, Y1; \
	OP      64(DX)(AX*4), Y2, Y2; \
	OP      96(DX)(AX*4), Y3, Y3; \
	VMOVUPS Y0, (DI)(AX*4); \
	VMOVUPS Y1, 32(DI)(AX*4); \
	VMOVUPS Y2, 64(DI)(AX*4); \
	VMOVUPS Y3, 96(DI)(AX*4); \
	ADDQ $32, AX; \
	CMPQ AX, BX; \
	JLT  loop; \
tail: \
	CMPQ AX, CX; \
	JGE  done; \
	VMOVUPS (SI)(AX*4), Y0; \
	OP      (DX)(AX*4), Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4); \
	ADDQ $8, AX; \
	JMP  tail; \
done: \
	VZEROUPPER; \
	RET

// VS(NAME, OP): dst[i] = x[i] OP c.
#define VS(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-32; \
	MOVQ dst+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	VBROADCASTSS c+16(FP), Y4; \
	MOVQ n+24(FP), CX; \
	XORQ AX, AX; \
	MOVQ CX, BX; \
	ANDQ $-32, BX; \
	JZ   tail; \
loop: \
	VMOVUPS (SI)(AX*4), Y0; \
	VMOVUPS 32(SI)(AX*4), Y1; \
	VMOVUPS 64(SI)(AX*4), Y2; \
	VMOVUPS 96(SI)(AX*4), Y3; \
	OP      Y4, Y0, Y0; \
	OP      Y4, Y1, Y1; \
	OP      Y4, Y2, Y2; \
	OP      Y4, Y3, Y3; \
	VMOVUPS Y0, (DI)(AX*4); \
	VMOVUPS Y1, 32(DI)(AX*4); \
	VMOVUPS Y2, 64(DI)(AX*4); \
	VMOVUPS Y3, 96(DI)(AX*4); \
	ADDQ $32, AX; \
	CMPQ AX, BX; \
	JLT  loop; \
tail: \
	CMPQ AX, CX; \
	JGE  done; \
	VMOVUPS (SI)(AX*4), Y0; \
	OP      Y4, Y0, Y0; \
	VMOVUPS Y0, (DI)(AX*4); \
	ADDQ $8, AX; \
	JMP  tail; \
done: \
	VZEROUPPER; \
	RET

// SV(NAME, OP): dst[i] = c OP x[i].
#define SV(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-32; \
	MOVQ dst+0(FP), DI; \
	MOVQ x+8(FP), SI; \
	VBROADCASTSS c+16(FP), Y4; \
	MOVQ n+24(FP), CX; \
	XORQ AX, AX; \
loop: \
	OP      (SI)(AX*4), Y4, Y0; \
	VMOVUPS Y0, (DI)(AX*4); \
	ADDQ $8, AX; \
	CMPQ AX, CX; \
	JLT  loop; \
	VZEROUPPER; \
	RET

VV(·addVV, VADDPS)
VV(·subVV, VSUBPS)
VV(·mulVV, VMULPS)
VV(·divVV, VDIVPS)
VS(·addVS, VADDPS)
VS(·subVS, VSUBPS)
VS(·mulVS, VMULPS)
VS(·divVS, VDIVPS)
SV(·subSV, VSUBPS)
SV(·divSV, VDIVPS)

// func gtVS(dst, x *float32, c float32, n int): dst[i] = x[i] > c ? 1 : 0.
TEXT ·gtVS(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	VBROADCASTSS c+16(FP), Y4
	MOVQ n+24(FP), CX
	MOVL $0x3f800000, R8
	VMOVD R8, X5
	VBROADCASTSS X5, Y5
	XORQ AX, AX
gtloop:
	VMOVUPS (SI)(AX*4), Y0
	VCMPPS  $0x1e, Y4, Y0, Y0 // greater than, ordered, quiet
	VANDPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  gtloop
	VZEROUPPER
	RET

// func sqrtV(dst, x *float32, n int)
TEXT ·sqrtV(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
sqloop:
	VSQRTPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  sqloop
	VZEROUPPER
	RET

// func bytesV(dst *float32, x *uint8, n int): dst[i] = float32(x[i]).
TEXT ·bytesV(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX
byloop:
	VPMOVZXBD (SI)(AX*1), Y0
	VCVTDQ2PS Y0, Y0
	VMOVUPS   Y0, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT  byloop
	VZEROUPPER
	RET
