//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 + FMA3 micro-kernels: a 6x16 tile of C in 12 YMM accumulators (Y4-Y15),
// two B vectors (Y0, Y1) and one broadcast A value (Y2 or Y3) per row. indirect_amd64.go
// runs four of them side by side for the package's 6x64 tile. Each C value gets one
// VFMADD231PS per term in the order of the AVX-512 kernels, so both sets (and the Go
// kernels) give bitwise the same tile.

// ZERO12 clears the 12 accumulators.
#define ZERO12 \
	VXORPS Y4, Y4, Y4; VXORPS Y5, Y5, Y5; VXORPS Y6, Y6, Y6; VXORPS Y7, Y7, Y7; \
	VXORPS Y8, Y8, Y8; VXORPS Y9, Y9, Y9; VXORPS Y10, Y10, Y10; VXORPS Y11, Y11, Y11; \
	VXORPS Y12, Y12, Y12; VXORPS Y13, Y13, Y13; VXORPS Y14, Y14, Y14; VXORPS Y15, Y15, Y15

// FMA2 adds A * B[0:16] to one tile row: broadcast the A value at SRC into BY, then
// two multiply-adds with the B vectors in Y0 and Y1.
#define FMA2(SRC, BY, C0, C1) \
	VBROADCASTSS SRC, BY; \
	VFMADD231PS Y0, BY, C0; \
	VFMADD231PS Y1, BY, C1

// SIX_ROWS loads a segment's six row pointers from the table at R8 into AX, BX, CX,
// DX, SI and DI, and moves R8 to the next segment.
#define SIX_ROWS \
	MOVQ 0(R8), AX; \
	MOVQ 8(R8), BX; \
	MOVQ 16(R8), CX; \
	MOVQ 24(R8), DX; \
	MOVQ 32(R8), SI; \
	MOVQ 40(R8), DI; \
	ADDQ $48, R8

// STORE12 writes the accumulators to the 6x16 tile at AX (rows BX bytes apart),
// added to what is there when CX is not 0, and returns. CPTR reloads AX.
#define STORE12(CPTR) \
	TESTQ CX, CX; \
	JZ    put; \
	VADDPS 0(AX), Y4, Y4; VADDPS 32(AX), Y5, Y5; ADDQ BX, AX; \
	VADDPS 0(AX), Y6, Y6; VADDPS 32(AX), Y7, Y7; ADDQ BX, AX; \
	VADDPS 0(AX), Y8, Y8; VADDPS 32(AX), Y9, Y9; ADDQ BX, AX; \
	VADDPS 0(AX), Y10, Y10; VADDPS 32(AX), Y11, Y11; ADDQ BX, AX; \
	VADDPS 0(AX), Y12, Y12; VADDPS 32(AX), Y13, Y13; ADDQ BX, AX; \
	VADDPS 0(AX), Y14, Y14; VADDPS 32(AX), Y15, Y15; \
	MOVQ CPTR, AX; \
put: \
	VMOVUPS Y4, 0(AX); VMOVUPS Y5, 32(AX); ADDQ BX, AX; \
	VMOVUPS Y6, 0(AX); VMOVUPS Y7, 32(AX); ADDQ BX, AX; \
	VMOVUPS Y8, 0(AX); VMOVUPS Y9, 32(AX); ADDQ BX, AX; \
	VMOVUPS Y10, 0(AX); VMOVUPS Y11, 32(AX); ADDQ BX, AX; \
	VMOVUPS Y12, 0(AX); VMOVUPS Y13, 32(AX); ADDQ BX, AX; \
	VMOVUPS Y14, 0(AX); VMOVUPS Y15, 32(AX); \
	VZEROUPPER; \
	RET

// func rows6x16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)
//
// For s < nseg and i < clen: C[r][j] += A[s][r][i] * B[s][i*ldb + boff + j], j < 16,
// where A[s][r] = a[6s+r] and B[s] = b[s] (ldb, boff and ldc in bytes).
TEXT ·rows6x16(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ ldb+16(FP), R10
	MOVQ nseg+24(FP), R11
	ZERO12
r16_seg:
	SIX_ROWS
	MOVQ (R9), R12
	ADDQ boff+40(FP), R12
	ADDQ $8, R9
	MOVQ clen+32(FP), R13
	XORQ R15, R15
r16_inner:
	VMOVUPS 0(R12), Y0
	VMOVUPS 32(R12), Y1
	FMA2((AX)(R15*1), Y2, Y4, Y5)
	FMA2((BX)(R15*1), Y3, Y6, Y7)
	FMA2((CX)(R15*1), Y2, Y8, Y9)
	FMA2((DX)(R15*1), Y3, Y10, Y11)
	FMA2((SI)(R15*1), Y2, Y12, Y13)
	FMA2((DI)(R15*1), Y3, Y14, Y15)
	ADDQ R10, R12
	ADDQ $4, R15
	DECQ R13
	JNZ  r16_inner
	DECQ R11
	JNZ  r16_seg
	MOVQ c+48(FP), AX
	MOVQ ldc+56(FP), BX
	MOVQ accumulate+64(FP), CX
	STORE12(c+48(FP))

// func cols6x16(a, b **float32, k, aoff, boff int, c *float32, ldc, accumulate int)
//
// For q < k: C[r][j] += A[q][aoff + r] * B[q][boff + j], j < 16, where A[q] = a[q]
// and B[q] = b[q] (aoff, boff and ldc in bytes).
TEXT ·cols6x16(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ k+16(FP), R11
	MOVQ aoff+24(FP), R12
	MOVQ boff+32(FP), R13
	ZERO12
c16_loop:
	MOVQ (R8), AX
	MOVQ (R9), BX
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ R12, AX
	ADDQ R13, BX
	VMOVUPS 0(BX), Y0
	VMOVUPS 32(BX), Y1
	FMA2(0(AX), Y2, Y4, Y5)
	FMA2(4(AX), Y3, Y6, Y7)
	FMA2(8(AX), Y2, Y8, Y9)
	FMA2(12(AX), Y3, Y10, Y11)
	FMA2(16(AX), Y2, Y12, Y13)
	FMA2(20(AX), Y3, Y14, Y15)
	DECQ R11
	JNZ  c16_loop
	MOVQ c+40(FP), AX
	MOVQ ldc+48(FP), BX
	MOVQ accumulate+56(FP), CX
	STORE12(c+40(FP))

// LANES16 reduces a row's 16 partial sums, lanes 0-7 in LO and 8-15 in HI, to one
// value in the AVX-512 dot6's order (lane l += lane l+8, then +4, then the pairs) and
// stores it at DST.
#define LANES16(LO, HI, XLO, DST) \
	VADDPS HI, LO, LO; \
	VEXTRACTF128 $1, LO, X1; \
	VADDPS X1, XLO, XLO; \
	VPERMILPS $0x4E, XLO, X1; \
	VADDPS X1, XLO, XLO; \
	VPERMILPS $0xB1, XLO, X1; \
	VADDPS X1, XLO, XLO; \
	VMOVSS XLO, DST

// func dot6avx2(a, b **float32, nseg, clen int, out *float32)
//
// out[r] = sum over s < nseg, i < clen of A[s][r][i] * B[s][i], where A[s][r] = a[6s+r]
// and B[s] = b[s]; clen is a multiple of 16. Two YMM accumulators per row hold the
// 16 lanes of the AVX-512 kernel's one ZMM.
TEXT ·dot6avx2(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ nseg+16(FP), R11
	ZERO12
d16_seg:
	SIX_ROWS
	MOVQ (R9), R12
	ADDQ $8, R9
	MOVQ clen+24(FP), R13
	XORQ R15, R15
d16_inner:
	VMOVUPS (R12)(R15*1), Y0
	VMOVUPS 32(R12)(R15*1), Y1
	VFMADD231PS (AX)(R15*1), Y0, Y4
	VFMADD231PS 32(AX)(R15*1), Y1, Y5
	VFMADD231PS (BX)(R15*1), Y0, Y6
	VFMADD231PS 32(BX)(R15*1), Y1, Y7
	VFMADD231PS (CX)(R15*1), Y0, Y8
	VFMADD231PS 32(CX)(R15*1), Y1, Y9
	VFMADD231PS (DX)(R15*1), Y0, Y10
	VFMADD231PS 32(DX)(R15*1), Y1, Y11
	VFMADD231PS (SI)(R15*1), Y0, Y12
	VFMADD231PS 32(SI)(R15*1), Y1, Y13
	VFMADD231PS (DI)(R15*1), Y0, Y14
	VFMADD231PS 32(DI)(R15*1), Y1, Y15
	ADDQ $64, R15
	SUBQ $16, R13
	JNZ  d16_inner
	DECQ R11
	JNZ  d16_seg
	MOVQ out+32(FP), DI
	LANES16(Y4, Y5, X4, 0(DI))
	LANES16(Y6, Y7, X6, 4(DI))
	LANES16(Y8, Y9, X8, 8(DI))
	LANES16(Y10, Y11, X10, 12(DI))
	LANES16(Y12, Y13, X12, 16(DI))
	LANES16(Y14, Y15, X14, 20(DI))
	VZEROUPPER
	RET
