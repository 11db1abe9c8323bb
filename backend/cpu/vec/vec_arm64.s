//go:build arm64 && !purego

#include "textflag.h"

// Every function handles n elements, n a positive multiple of 4: 16 per iteration
// while it can (four registers in flight), then 4 at a time. Only R0-R5 are used.
//
// Go's assembler has no vector floating-point arithmetic, comparison, square root or
// conversion, so those instructions are WORDs built by the macros below, each named
// by its mnemonic (FADD Vd.4S, Vn.4S, Vm.4S and so on; d, n, m are V register
// numbers).
#define FADD_4S 0x4E20D400  // FADD  Vd.4S, Vn.4S, Vm.4S: Vn + Vm
#define FSUB_4S 0x4EA0D400  // FSUB  Vd.4S, Vn.4S, Vm.4S: Vn - Vm
#define FMUL_4S 0x6E20DC00  // FMUL  Vd.4S, Vn.4S, Vm.4S: Vn * Vm
#define FDIV_4S 0x6E20FC00  // FDIV  Vd.4S, Vn.4S, Vm.4S: Vn / Vm
#define FCMGT_4S 0x6EA0E400 // FCMGT Vd.4S, Vn.4S, Vm.4S: all ones where Vn > Vm (false for NaN)
#define FSQRT_4S 0x6EA1F800 // FSQRT Vd.4S, Vn.4S
#define UCVTF_4S 0x6E21D800 // UCVTF Vd.4S, Vn.4S: uint32 -> float32

// OP3 emits the three-register instruction OP: Vd = Vn OP Vm.
#define OP3(OP, d, n, m) WORD $(OP | (m)<<16 | (n)<<5 | (d))
// OP2 emits the two-register instruction OP: Vd = OP(Vn).
#define OP2(OP, d, n) WORD $(OP | (n)<<5 | (d))

// VV(NAME, OP): dst[i] = x[i] OP y[i]; x in V0-V3, y in V4-V7.
#define VV(NAME, OP) \
TEXT NAME(SB), NOSPLIT, $0-32; \
	MOVD dst+0(FP), R0; \
	MOVD x+8(FP), R1; \
	MOVD y+16(FP), R2; \
	MOVD n+24(FP), R3; \
	AND  $15, R3, R4; \
	LSR  $4, R3, R3; \
	CBZ  R3, tail; \
loop: \
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	OP3(OP, 0, 0, 4); \
	OP3(OP, 1, 1, 5); \
	OP3(OP, 2, 2, 6); \
	OP3(OP, 3, 3, 7); \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0); \
	SUBS $1, R3, R3; \
	BNE  loop; \
tail: \
	CBZ  R4, done; \
	VLD1.P 16(R1), [V0.S4]; \
	VLD1.P 16(R2), [V4.S4]; \
	OP3(OP, 0, 0, 4); \
	VST1.P [V0.S4], 16(R0); \
	SUB  $4, R4, R4; \
	B    tail; \
done: \
	RET

// VS(NAME, OP): dst[i] = x[i] OP c (SWAP 0), or c OP x[i] (SWAP 1); x in V0-V3, c
// broadcast in V4.
#define VS(NAME, OP, SWAP) \
TEXT NAME(SB), NOSPLIT, $0-32; \
	MOVD  dst+0(FP), R0; \
	MOVD  x+8(FP), R1; \
	FMOVS c+16(FP), F4; \
	VDUP  V4.S[0], V4.S4; \
	MOVD  n+24(FP), R3; \
	AND   $15, R3, R4; \
	LSR   $4, R3, R3; \
	CBZ   R3, tail; \
loop: \
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	OP3(OP, 0, (1-SWAP)*0+SWAP*4, (1-SWAP)*4+SWAP*0); \
	OP3(OP, 1, (1-SWAP)*1+SWAP*4, (1-SWAP)*4+SWAP*1); \
	OP3(OP, 2, (1-SWAP)*2+SWAP*4, (1-SWAP)*4+SWAP*2); \
	OP3(OP, 3, (1-SWAP)*3+SWAP*4, (1-SWAP)*4+SWAP*3); \
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0); \
	SUBS $1, R3, R3; \
	BNE  loop; \
tail: \
	CBZ  R4, done; \
	VLD1.P 16(R1), [V0.S4]; \
	OP3(OP, 0, (1-SWAP)*0+SWAP*4, (1-SWAP)*4+SWAP*0); \
	VST1.P [V0.S4], 16(R0); \
	SUB  $4, R4, R4; \
	B    tail; \
done: \
	RET

VV(·addVV, FADD_4S)
VV(·subVV, FSUB_4S)
VV(·mulVV, FMUL_4S)
VV(·divVV, FDIV_4S)
VS(·addVS, FADD_4S, 0)
VS(·subVS, FSUB_4S, 0)
VS(·mulVS, FMUL_4S, 0)
VS(·divVS, FDIV_4S, 0)
VS(·subSV, FSUB_4S, 1)
VS(·divSV, FDIV_4S, 1)

// func gtVS(dst, x *float32, c float32, n int): dst[i] = x[i] > c ? 1 : 0. FCMGT's
// mask (false for NaN), ANDed with 1.0 in every lane.
TEXT ·gtVS(SB), NOSPLIT, $0-32
	MOVD  dst+0(FP), R0
	MOVD  x+8(FP), R1
	FMOVS c+16(FP), F4
	VDUP  V4.S[0], V4.S4
	MOVD  n+24(FP), R3
	MOVW  $0x3f800000, R5
	VDUP  R5, V5.S4
	AND   $15, R3, R4
	LSR   $4, R3, R3
	CBZ   R3, gttail
gtloop:
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	OP3(FCMGT_4S, 0, 0, 4)
	OP3(FCMGT_4S, 1, 1, 4)
	OP3(FCMGT_4S, 2, 2, 4)
	OP3(FCMGT_4S, 3, 3, 4)
	VAND   V5.B16, V0.B16, V0.B16
	VAND   V5.B16, V1.B16, V1.B16
	VAND   V5.B16, V2.B16, V2.B16
	VAND   V5.B16, V3.B16, V3.B16
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R3, R3
	BNE    gtloop
gttail:
	CBZ    R4, gtdone
	VLD1.P 16(R1), [V0.S4]
	OP3(FCMGT_4S, 0, 0, 4)
	VAND   V5.B16, V0.B16, V0.B16
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R4, R4
	B      gttail
gtdone:
	RET

// func sqrtV(dst, x *float32, n int)
TEXT ·sqrtV(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R3
	AND  $15, R3, R4
	LSR  $4, R3, R3
	CBZ  R3, sqtail
sqloop:
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	OP2(FSQRT_4S, 0, 0)
	OP2(FSQRT_4S, 1, 1)
	OP2(FSQRT_4S, 2, 2)
	OP2(FSQRT_4S, 3, 3)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R3, R3
	BNE    sqloop
sqtail:
	CBZ    R4, sqdone
	VLD1.P 16(R1), [V0.S4]
	OP2(FSQRT_4S, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R4, R4
	B      sqtail
sqdone:
	RET

// func bytesV(dst *float32, x *uint8, n int): dst[i] = float32(x[i]). The bytes are
// widened to 16 and then 32 bits (UXTL) and converted (UCVTF).
TEXT ·bytesV(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R3
	AND  $15, R3, R4
	LSR  $4, R3, R3
	CBZ  R3, bytail
byloop:
	VLD1.P 16(R1), [V0.B16]
	VUXTL  V0.B8, V1.H8
	VUXTL2 V0.B16, V2.H8
	VUXTL  V1.H4, V4.S4
	VUXTL2 V1.H8, V5.S4
	VUXTL  V2.H4, V6.S4
	VUXTL2 V2.H8, V7.S4
	OP2(UCVTF_4S, 4, 4)
	OP2(UCVTF_4S, 5, 5)
	OP2(UCVTF_4S, 6, 6)
	OP2(UCVTF_4S, 7, 7)
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	SUBS   $1, R3, R3
	BNE    byloop
bytail:
	CBZ    R4, bydone
	MOVWU.P 4(R1), R5
	VMOV   R5, V0.S[0]
	VUXTL  V0.B8, V0.H8
	VUXTL  V0.H4, V0.S4
	OP2(UCVTF_4S, 0, 0)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R4, R4
	B      bytail
bydone:
	RET
