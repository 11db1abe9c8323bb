//go:build arm64 && !purego

#include "textflag.h"

// The NEON micro-kernels: a 6x16 tile of C in 24 accumulators, four per row (row r
// in V(8+4r)-V(11+4r)), the 16 B values of a term in V0-V3 and the row's A value
// broadcast into one of V4-V7. indirect_arm64.go runs four of them side by side for
// the package's 6x64 tile, as the AVX2 kernels do. FMLA rounds once, and each C value
// gets one per term in the order of the amd64 kernels, so every set (and the Go
// kernels) gives bitwise the same tile. Only R0-R17 are used: R18 is the platform's,
// R26-R29 the Go toolchain's.

// Go's assembler has no vector FADD: FADD Vd.4S, Vn.4S, Vm.4S is emitted as a WORD.
#define FADD4S(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))

// ZERO24 clears the 24 accumulators.
#define ZERO24 \
	VEOR V8.B16, V8.B16, V8.B16; VEOR V9.B16, V9.B16, V9.B16; \
	VEOR V10.B16, V10.B16, V10.B16; VEOR V11.B16, V11.B16, V11.B16; \
	VEOR V12.B16, V12.B16, V12.B16; VEOR V13.B16, V13.B16, V13.B16; \
	VEOR V14.B16, V14.B16, V14.B16; VEOR V15.B16, V15.B16, V15.B16; \
	VEOR V16.B16, V16.B16, V16.B16; VEOR V17.B16, V17.B16, V17.B16; \
	VEOR V18.B16, V18.B16, V18.B16; VEOR V19.B16, V19.B16, V19.B16; \
	VEOR V20.B16, V20.B16, V20.B16; VEOR V21.B16, V21.B16, V21.B16; \
	VEOR V22.B16, V22.B16, V22.B16; VEOR V23.B16, V23.B16, V23.B16; \
	VEOR V24.B16, V24.B16, V24.B16; VEOR V25.B16, V25.B16, V25.B16; \
	VEOR V26.B16, V26.B16, V26.B16; VEOR V27.B16, V27.B16, V27.B16; \
	VEOR V28.B16, V28.B16, V28.B16; VEOR V29.B16, V29.B16, V29.B16; \
	VEOR V30.B16, V30.B16, V30.B16; VEOR V31.B16, V31.B16, V31.B16

// FMA4 adds A * B[0:16] to one tile row: four FMLAs of the broadcast A value with
// the B vectors V0-V3 into the row's accumulators C0-C3 (Cj += A * Vj, rounded once).
#define FMA4(A, C0, C1, C2, C3) \
	VFMLA V0.S4, A, C0; \
	VFMLA V1.S4, A, C1; \
	VFMLA V2.S4, A, C2; \
	VFMLA V3.S4, A, C3

// SIX_ROWS loads a segment's six row pointers from the table at R0 into R5-R10 and
// moves R0 to the next segment.
#define SIX_ROWS \
	MOVD 0(R0), R5; \
	MOVD 8(R0), R6; \
	MOVD 16(R0), R7; \
	MOVD 24(R0), R8; \
	MOVD 32(R0), R9; \
	MOVD 40(R0), R10; \
	ADD  $48, R0

// ADDROW adds the 16 C values at R13 to a row's accumulators, numbered N0-N3
// (C_old + acc, as the amd64 kernels' VADDPS), and moves R13 to the next row (R14
// bytes on).
#define ADDROW(N0, N1, N2, N3) \
	VLD1 (R13), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	FADD4S(N0, 0, N0); FADD4S(N1, 1, N1); FADD4S(N2, 2, N2); FADD4S(N3, 3, N3); \
	ADD  R14, R13

// STORE24 writes the accumulators to the 6x16 tile at CPTR (rows R14 bytes apart),
// added to what is there when R15 is not 0, and returns.
#define STORE24(CPTR) \
	MOVD CPTR, R13; \
	CBZ  R15, put; \
	ADDROW(8, 9, 10, 11); \
	ADDROW(12, 13, 14, 15); \
	ADDROW(16, 17, 18, 19); \
	ADDROW(20, 21, 22, 23); \
	ADDROW(24, 25, 26, 27); \
	ADDROW(28, 29, 30, 31); \
	MOVD CPTR, R13; \
put: \
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R13); ADD R14, R13; \
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R13); ADD R14, R13; \
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R13); ADD R14, R13; \
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R13); ADD R14, R13; \
	VST1 [V24.S4, V25.S4, V26.S4, V27.S4], (R13); ADD R14, R13; \
	VST1 [V28.S4, V29.S4, V30.S4, V31.S4], (R13); \
	RET

// func rows6x16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)
//
// For s < nseg and i < clen: C[r][j] += A[s][r][i] * B[s][i*ldb + boff + j], j < 16,
// where A[s][r] = a[6s+r] and B[s] = b[s] (ldb, boff and ldc in bytes).
TEXT ·rows6x16(SB), NOSPLIT, $0-72
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD ldb+16(FP), R2
	MOVD nseg+24(FP), R3
	MOVD boff+40(FP), R4
	ZERO24
r16_seg:
	SIX_ROWS
	MOVD.P 8(R1), R11
	ADD    R4, R11
	MOVD   clen+32(FP), R12
r16_inner:
	VLD1    (R11), [V0.S4, V1.S4, V2.S4, V3.S4]
	ADD     R2, R11
	VLD1R.P 4(R5), [V4.S4]
	VLD1R.P 4(R6), [V5.S4]
	VLD1R.P 4(R7), [V6.S4]
	VLD1R.P 4(R8), [V7.S4]
	FMA4(V4.S4, V8.S4, V9.S4, V10.S4, V11.S4)
	FMA4(V5.S4, V12.S4, V13.S4, V14.S4, V15.S4)
	VLD1R.P 4(R9), [V4.S4]
	VLD1R.P 4(R10), [V5.S4]
	FMA4(V6.S4, V16.S4, V17.S4, V18.S4, V19.S4)
	FMA4(V7.S4, V20.S4, V21.S4, V22.S4, V23.S4)
	FMA4(V4.S4, V24.S4, V25.S4, V26.S4, V27.S4)
	FMA4(V5.S4, V28.S4, V29.S4, V30.S4, V31.S4)
	SUBS $1, R12, R12
	BNE  r16_inner
	SUBS $1, R3, R3
	BNE  r16_seg
	MOVD ldc+56(FP), R14
	MOVD accumulate+64(FP), R15
	STORE24(c+48(FP))

// func cols6x16(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)
//
// For q < k: C[r][j] += A[q][aoff + r] * B[q][boff + j], j < 16, where A[q] = a[q]
// and B[q] = b[q] (aoff, boff and ldc in bytes).
TEXT ·cols6x16(SB), NOSPLIT, $0-64
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD k+16(FP), R2
	MOVD aoff+24(FP), R3
	MOVD boff+32(FP), R4
	ZERO24
c16_loop:
	MOVD.P  8(R0), R5
	MOVD.P  8(R1), R6
	ADD     R3, R5
	ADD     R4, R6
	VLD1    (R6), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1R.P 4(R5), [V4.S4]
	VLD1R.P 4(R5), [V5.S4]
	VLD1R.P 4(R5), [V6.S4]
	VLD1R.P 4(R5), [V7.S4]
	FMA4(V4.S4, V8.S4, V9.S4, V10.S4, V11.S4)
	FMA4(V5.S4, V12.S4, V13.S4, V14.S4, V15.S4)
	VLD1R.P 4(R5), [V4.S4]
	VLD1R   (R5), [V5.S4]
	FMA4(V6.S4, V16.S4, V17.S4, V18.S4, V19.S4)
	FMA4(V7.S4, V20.S4, V21.S4, V22.S4, V23.S4)
	FMA4(V4.S4, V24.S4, V25.S4, V26.S4, V27.S4)
	FMA4(V5.S4, V28.S4, V29.S4, V30.S4, V31.S4)
	SUBS $1, R2, R2
	BNE  c16_loop
	MOVD ldc+48(FP), R14
	MOVD accumulate+56(FP), R15
	STORE24(c+40(FP))

// DOTROW adds A[r][i:i+16] * B[i:i+16] to a row's 16 lanes: the row's A values from
// the pointer PTR (moved on by 64 bytes) into V4-V7, one FMLA per lane with V0-V3.
#define DOTROW(PTR, C0, C1, C2, C3) \
	VLD1.P 64(PTR), [V4.S4, V5.S4, V6.S4, V7.S4]; \
	VFMLA  V0.S4, V4.S4, C0; \
	VFMLA  V1.S4, V5.S4, C1; \
	VFMLA  V2.S4, V6.S4, C2; \
	VFMLA  V3.S4, V7.S4, C3

// LANES16 reduces a row's 16 partial sums, lanes 4j-4j+3 in Vj (registers L0-L3,
// numbered N0-N3), to one value in dotGo's order: lane l += lane l+8 (L0 += L2,
// L1 += L3), then l += l+4 (L0 += L1), then (l0+l2) and (l1+l3) (L0 plus L0 rotated
// by two lanes), then those two (plus L0 rotated by one lane); stores lane 0 at DST.
#define LANES16(L0, L1, N0, N1, N2, N3, F0, DST) \
	FADD4S(N0, N0, N2); \
	FADD4S(N1, N1, N3); \
	FADD4S(N0, N0, N1); \
	VEXT  $8, L0.B16, L0.B16, V0.B16; \
	FADD4S(N0, N0, 0); \
	VEXT  $4, L0.B16, L0.B16, V0.B16; \
	FADD4S(N0, N0, 0); \
	FMOVS F0, DST

// func dot6neon(a, b **float32, nseg, clen int, out *float32)
//
// out[r] = sum over s < nseg, i < clen of A[s][r][i] * B[s][i], where A[s][r] = a[6s+r]
// and B[s] = b[s]; clen is a multiple of 16. Four accumulators per row hold the
// 16 lanes of the AVX-512 kernel's one ZMM.
TEXT ·dot6neon(SB), NOSPLIT, $0-40
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD nseg+16(FP), R3
	ZERO24
d16_seg:
	SIX_ROWS
	MOVD.P 8(R1), R11
	MOVD   clen+24(FP), R12
d16_inner:
	VLD1.P 64(R11), [V0.S4, V1.S4, V2.S4, V3.S4]
	DOTROW(R5, V8.S4, V9.S4, V10.S4, V11.S4)
	DOTROW(R6, V12.S4, V13.S4, V14.S4, V15.S4)
	DOTROW(R7, V16.S4, V17.S4, V18.S4, V19.S4)
	DOTROW(R8, V20.S4, V21.S4, V22.S4, V23.S4)
	DOTROW(R9, V24.S4, V25.S4, V26.S4, V27.S4)
	DOTROW(R10, V28.S4, V29.S4, V30.S4, V31.S4)
	SUBS $16, R12, R12
	BNE  d16_inner
	SUBS $1, R3, R3
	BNE  d16_seg
	MOVD out+32(FP), R0
	LANES16(V8, V9, 8, 9, 10, 11, F8, 0(R0))
	LANES16(V12, V13, 12, 13, 14, 15, F12, 4(R0))
	LANES16(V16, V17, 16, 17, 18, 19, F16, 8(R0))
	LANES16(V20, V21, 20, 21, 22, 23, F20, 12(R0))
	LANES16(V24, V25, 24, 25, 26, 27, F24, 16(R0))
	LANES16(V28, V29, 28, 29, 30, 31, F28, 20(R0))
	RET
