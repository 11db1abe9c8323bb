//go:build amd64 && !purego

#include "textflag.h"

// ZERO_ACC clears the 24 accumulators Z8-Z31 (a 6x64 tile).
#define ZERO_ACC \
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10; VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13; VPXORD Z14, Z14, Z14; VPXORD Z15, Z15, Z15; \
	VPXORD Z16, Z16, Z16; VPXORD Z17, Z17, Z17; VPXORD Z18, Z18, Z18; VPXORD Z19, Z19, Z19; \
	VPXORD Z20, Z20, Z20; VPXORD Z21, Z21, Z21; VPXORD Z22, Z22, Z22; VPXORD Z23, Z23, Z23; \
	VPXORD Z24, Z24, Z24; VPXORD Z25, Z25, Z25; VPXORD Z26, Z26, Z26; VPXORD Z27, Z27, Z27; \
	VPXORD Z28, Z28, Z28; VPXORD Z29, Z29, Z29; VPXORD Z30, Z30, Z30; VPXORD Z31, Z31, Z31

// FMA_ROW adds A * B[0:64] to one tile row: broadcast the A value at SRC into BZ,
// then four multiply-adds with the B vectors in Z0-Z3.
#define FMA_ROW(SRC, BZ, C0, C1, C2, C3) \
	VBROADCASTSS SRC, BZ; \
	VFMADD231PS Z0, BZ, C0; \
	VFMADD231PS Z1, BZ, C1; \
	VFMADD231PS Z2, BZ, C2; \
	VFMADD231PS Z3, BZ, C3

// LOAD_ROWS loads a segment's six row pointers from the table at R8 into AX, BX, CX,
// DX, SI and DI, and moves R8 to the next segment.
#define LOAD_ROWS \
	MOVQ 0(R8), AX; \
	MOVQ 8(R8), BX; \
	MOVQ 16(R8), CX; \
	MOVQ 24(R8), DX; \
	MOVQ 32(R8), SI; \
	MOVQ 40(R8), DI; \
	ADDQ $48, R8

// STORE_TILE writes the 24 accumulators to the 6x64 tile at AX (rows BX bytes
// apart), added to what is there when CX is not 0, and returns. CPTR reloads AX.
#define STORE_TILE(CPTR) \
	TESTQ CX, CX; \
	JZ    put; \
	VADDPS 0(AX), Z8, Z8; VADDPS 64(AX), Z9, Z9; VADDPS 128(AX), Z10, Z10; VADDPS 192(AX), Z11, Z11; \
	ADDQ BX, AX; \
	VADDPS 0(AX), Z12, Z12; VADDPS 64(AX), Z13, Z13; VADDPS 128(AX), Z14, Z14; VADDPS 192(AX), Z15, Z15; \
	ADDQ BX, AX; \
	VADDPS 0(AX), Z16, Z16; VADDPS 64(AX), Z17, Z17; VADDPS 128(AX), Z18, Z18; VADDPS 192(AX), Z19, Z19; \
	ADDQ BX, AX; \
	VADDPS 0(AX), Z20, Z20; VADDPS 64(AX), Z21, Z21; VADDPS 128(AX), Z22, Z22; VADDPS 192(AX), Z23, Z23; \
	ADDQ BX, AX; \
	VADDPS 0(AX), Z24, Z24; VADDPS 64(AX), Z25, Z25; VADDPS 128(AX), Z26, Z26; VADDPS 192(AX), Z27, Z27; \
	ADDQ BX, AX; \
	VADDPS 0(AX), Z28, Z28; VADDPS 64(AX), Z29, Z29; VADDPS 128(AX), Z30, Z30; VADDPS 192(AX), Z31, Z31; \
	MOVQ CPTR, AX; \
put: \
	VMOVUPS Z8, 0(AX); VMOVUPS Z9, 64(AX); VMOVUPS Z10, 128(AX); VMOVUPS Z11, 192(AX); \
	ADDQ BX, AX; \
	VMOVUPS Z12, 0(AX); VMOVUPS Z13, 64(AX); VMOVUPS Z14, 128(AX); VMOVUPS Z15, 192(AX); \
	ADDQ BX, AX; \
	VMOVUPS Z16, 0(AX); VMOVUPS Z17, 64(AX); VMOVUPS Z18, 128(AX); VMOVUPS Z19, 192(AX); \
	ADDQ BX, AX; \
	VMOVUPS Z20, 0(AX); VMOVUPS Z21, 64(AX); VMOVUPS Z22, 128(AX); VMOVUPS Z23, 192(AX); \
	ADDQ BX, AX; \
	VMOVUPS Z24, 0(AX); VMOVUPS Z25, 64(AX); VMOVUPS Z26, 128(AX); VMOVUPS Z27, 192(AX); \
	ADDQ BX, AX; \
	VMOVUPS Z28, 0(AX); VMOVUPS Z29, 64(AX); VMOVUPS Z30, 128(AX); VMOVUPS Z31, 192(AX); \
	VZEROUPPER; \
	RET


// The micro-kernels of indirect.go: a 6x64 tile of C in 24 ZMM accumulators (Z8-Z31),
// four B vectors (Z0-Z3) and one broadcast A value (Z4-Z7) per row. Both read their
// operands through tables of pointers, so that a convolution's patches are never
// copied (Dumoulin & Visin's im2col, done by address instead; the indirect GEMM of
// Dukhan 2019, "The Indirect Convolution Algorithm").

// func rows6x64(a, b *uintptr, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)
//
// For s < nseg and i < clen: C[r][j] += A[s][r][i] * B[s][i*ldb + boff + j], where
// A[s][r] = a[6s+r] and B[s] = b[s] point to float32 runs (ldb, boff, ldc in bytes).
TEXT ·rows6x64(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ ldb+16(FP), R10
	MOVQ nseg+24(FP), R11
	ZERO_ACC
rows_seg:
	LOAD_ROWS
	MOVQ (R9), R12
	ADDQ boff+40(FP), R12
	ADDQ $8, R9
	MOVQ clen+32(FP), R13
	XORQ R15, R15
rows_inner:
	VMOVUPS 0(R12), Z0
	VMOVUPS 64(R12), Z1
	VMOVUPS 128(R12), Z2
	VMOVUPS 192(R12), Z3
	FMA_ROW((AX)(R15*1), Z4, Z8, Z9, Z10, Z11)
	FMA_ROW((BX)(R15*1), Z5, Z12, Z13, Z14, Z15)
	FMA_ROW((CX)(R15*1), Z6, Z16, Z17, Z18, Z19)
	FMA_ROW((DX)(R15*1), Z7, Z20, Z21, Z22, Z23)
	FMA_ROW((SI)(R15*1), Z4, Z24, Z25, Z26, Z27)
	FMA_ROW((DI)(R15*1), Z5, Z28, Z29, Z30, Z31)
	ADDQ R10, R12
	ADDQ $4, R15
	DECQ R13
	JNZ rows_inner
	DECQ R11
	JNZ rows_seg
	MOVQ c+48(FP), AX
	MOVQ ldc+56(FP), BX
	MOVQ accumulate+64(FP), CX
	STORE_TILE(c+48(FP))

// func cols6x64(a, b *uintptr, k, aoff, boff int, c *float32, ldc, accumulate int)
//
// For q < k: C[r][j] += A[q][aoff + r] * B[q][boff + j], where A[q] = a[q] and
// B[q] = b[q] point to float32 runs (aoff, boff and ldc in bytes).
TEXT ·cols6x64(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ k+16(FP), R11
	MOVQ aoff+24(FP), R12
	MOVQ boff+32(FP), R13
	ZERO_ACC
cols_loop:
	MOVQ (R8), AX
	MOVQ (R9), BX
	ADDQ $8, R8
	ADDQ $8, R9
	ADDQ R12, AX
	ADDQ R13, BX
	VMOVUPS 0(BX), Z0
	VMOVUPS 64(BX), Z1
	VMOVUPS 128(BX), Z2
	VMOVUPS 192(BX), Z3
	FMA_ROW(0(AX), Z4, Z8, Z9, Z10, Z11)
	FMA_ROW(4(AX), Z5, Z12, Z13, Z14, Z15)
	FMA_ROW(8(AX), Z6, Z16, Z17, Z18, Z19)
	FMA_ROW(12(AX), Z7, Z20, Z21, Z22, Z23)
	FMA_ROW(16(AX), Z4, Z24, Z25, Z26, Z27)
	FMA_ROW(20(AX), Z5, Z28, Z29, Z30, Z31)
	DECQ R11
	JNZ cols_loop
	MOVQ c+40(FP), AX
	MOVQ ldc+48(FP), BX
	MOVQ accumulate+56(FP), CX
	STORE_TILE(c+40(FP))

// func dot6(a, b **float32, nseg, clen int, out *float32)
//
// out[r] = sum over s < nseg, i < clen of A[s][r][i] * B[s][i], where A[s][r] = a[6s+r]
// and B[s] = b[s]; clen is a multiple of 16. One ZMM accumulator per row, summed
// across its lanes in a fixed order at the end.
TEXT ·dot6(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ nseg+16(FP), R11
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
dot_seg:
	LOAD_ROWS
	MOVQ (R9), R12
	ADDQ $8, R9
	MOVQ clen+24(FP), R13
	XORQ R15, R15
dot_inner:
	VMOVUPS (R12)(R15*1), Z0
	VFMADD231PS (AX)(R15*1), Z0, Z8
	VFMADD231PS (BX)(R15*1), Z0, Z9
	VFMADD231PS (CX)(R15*1), Z0, Z10
	VFMADD231PS (DX)(R15*1), Z0, Z11
	VFMADD231PS (SI)(R15*1), Z0, Z12
	VFMADD231PS (DI)(R15*1), Z0, Z13
	ADDQ $64, R15
	SUBQ $16, R13
	JNZ dot_inner
	DECQ R11
	JNZ dot_seg
	MOVQ out+32(FP), DI
	VEXTRACTF32X8 $1, Z8, Y1
	VADDPS Y1, Y8, Y8
	VEXTRACTF128 $1, Y8, X1
	VADDPS X1, X8, X8
	VPERMILPS $0x4E, X8, X1
	VADDPS X1, X8, X8
	VPERMILPS $0xB1, X8, X1
	VADDPS X1, X8, X8
	VMOVSS X8, 0(DI)
	VEXTRACTF32X8 $1, Z9, Y1
	VADDPS Y1, Y9, Y9
	VEXTRACTF128 $1, Y9, X1
	VADDPS X1, X9, X9
	VPERMILPS $0x4E, X9, X1
	VADDPS X1, X9, X9
	VPERMILPS $0xB1, X9, X1
	VADDPS X1, X9, X9
	VMOVSS X9, 4(DI)
	VEXTRACTF32X8 $1, Z10, Y1
	VADDPS Y1, Y10, Y10
	VEXTRACTF128 $1, Y10, X1
	VADDPS X1, X10, X10
	VPERMILPS $0x4E, X10, X1
	VADDPS X1, X10, X10
	VPERMILPS $0xB1, X10, X1
	VADDPS X1, X10, X10
	VMOVSS X10, 8(DI)
	VEXTRACTF32X8 $1, Z11, Y1
	VADDPS Y1, Y11, Y11
	VEXTRACTF128 $1, Y11, X1
	VADDPS X1, X11, X11
	VPERMILPS $0x4E, X11, X1
	VADDPS X1, X11, X11
	VPERMILPS $0xB1, X11, X1
	VADDPS X1, X11, X11
	VMOVSS X11, 12(DI)
	VEXTRACTF32X8 $1, Z12, Y1
	VADDPS Y1, Y12, Y12
	VEXTRACTF128 $1, Y12, X1
	VADDPS X1, X12, X12
	VPERMILPS $0x4E, X12, X1
	VADDPS X1, X12, X12
	VPERMILPS $0xB1, X12, X1
	VADDPS X1, X12, X12
	VMOVSS X12, 16(DI)
	VEXTRACTF32X8 $1, Z13, Y1
	VADDPS Y1, Y13, Y13
	VEXTRACTF128 $1, Y13, X1
	VADDPS X1, X13, X13
	VPERMILPS $0x4E, X13, X1
	VADDPS X1, X13, X13
	VPERMILPS $0xB1, X13, X1
	VADDPS X1, X13, X13
	VMOVSS X13, 20(DI)
	VZEROUPPER
	RET

// func rows6x16z(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)
//
// Rows's narrow tile (6x16, RowsNarrow) in six ZMM accumulators (Z8-Z13): one B
// vector (Z0) and one broadcast A value (Z4-Z7, Z1, Z2) per row. Each C value gets
// one VFMADD231PS per term in the order of the wide kernels.
TEXT ·rows6x16z(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ ldb+16(FP), R10
	MOVQ nseg+24(FP), R11
	VPXORD Z8, Z8, Z8; VPXORD Z9, Z9, Z9; VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11; VPXORD Z12, Z12, Z12; VPXORD Z13, Z13, Z13
n16_seg:
	LOAD_ROWS
	MOVQ (R9), R12
	ADDQ boff+40(FP), R12
	ADDQ $8, R9
	MOVQ clen+32(FP), R13
	XORQ R15, R15
n16_inner:
	VMOVUPS 0(R12), Z0
	VBROADCASTSS (AX)(R15*1), Z4
	VFMADD231PS Z0, Z4, Z8
	VBROADCASTSS (BX)(R15*1), Z5
	VFMADD231PS Z0, Z5, Z9
	VBROADCASTSS (CX)(R15*1), Z6
	VFMADD231PS Z0, Z6, Z10
	VBROADCASTSS (DX)(R15*1), Z7
	VFMADD231PS Z0, Z7, Z11
	VBROADCASTSS (SI)(R15*1), Z1
	VFMADD231PS Z0, Z1, Z12
	VBROADCASTSS (DI)(R15*1), Z2
	VFMADD231PS Z0, Z2, Z13
	ADDQ R10, R12
	ADDQ $4, R15
	DECQ R13
	JNZ n16_inner
	DECQ R11
	JNZ n16_seg
	MOVQ c+48(FP), AX
	MOVQ ldc+56(FP), BX
	MOVQ accumulate+64(FP), CX
	TESTQ CX, CX
	JZ    n16_put
	MOVQ AX, DX
	VADDPS 0(DX), Z8, Z8; ADDQ BX, DX
	VADDPS 0(DX), Z9, Z9; ADDQ BX, DX
	VADDPS 0(DX), Z10, Z10; ADDQ BX, DX
	VADDPS 0(DX), Z11, Z11; ADDQ BX, DX
	VADDPS 0(DX), Z12, Z12; ADDQ BX, DX
	VADDPS 0(DX), Z13, Z13
n16_put:
	VMOVUPS Z8, 0(AX); ADDQ BX, AX
	VMOVUPS Z9, 0(AX); ADDQ BX, AX
	VMOVUPS Z10, 0(AX); ADDQ BX, AX
	VMOVUPS Z11, 0(AX); ADDQ BX, AX
	VMOVUPS Z12, 0(AX); ADDQ BX, AX
	VMOVUPS Z13, 0(AX)
	VZEROUPPER
	RET

// FMA_GROUPS adds, for the four groups g < 4, A[g*16] * B[g*16 : g*16+16] to one
// tile row: row pointer REG, each group's A value 64 bytes past the one before,
// broadcast into Z4-Z7, each group's B vector in Z0-Z3.
#define FMA_GROUPS(REG, C0, C1, C2, C3) \
	VBROADCASTSS (REG)(R15*1), Z4; \
	VFMADD231PS Z0, Z4, C0; \
	VBROADCASTSS 64(REG)(R15*1), Z5; \
	VFMADD231PS Z1, Z5, C1; \
	VBROADCASTSS 128(REG)(R15*1), Z6; \
	VFMADD231PS Z2, Z6, C2; \
	VBROADCASTSS 192(REG)(R15*1), Z7; \
	VFMADD231PS Z3, Z7, C3

// func rows6x64g16(a, b **float32, ldb, nseg, clen, boff int, c *float32, ldc, accumulate int)
//
// RowsGrouped: four groups of 16 channels side by side in the 6x64 tile, group g's
// columns [16g, 16g+16) summing its own A channels [16g, 16g+16) of each row run
// against its own B columns. Each C value gets one VFMADD231PS per term in the order
// of the narrow kernel run one group at a time.
TEXT ·rows6x64g16(SB), NOSPLIT, $0-72
	MOVQ a+0(FP), R8
	MOVQ b+8(FP), R9
	MOVQ ldb+16(FP), R10
	MOVQ nseg+24(FP), R11
	ZERO_ACC
g16_seg:
	LOAD_ROWS
	MOVQ (R9), R12
	ADDQ boff+40(FP), R12
	ADDQ $8, R9
	MOVQ clen+32(FP), R13
	XORQ R15, R15
g16_inner:
	VMOVUPS 0(R12), Z0
	VMOVUPS 64(R12), Z1
	VMOVUPS 128(R12), Z2
	VMOVUPS 192(R12), Z3
	FMA_GROUPS(AX, Z8, Z9, Z10, Z11)
	FMA_GROUPS(BX, Z12, Z13, Z14, Z15)
	FMA_GROUPS(CX, Z16, Z17, Z18, Z19)
	FMA_GROUPS(DX, Z20, Z21, Z22, Z23)
	FMA_GROUPS(SI, Z24, Z25, Z26, Z27)
	FMA_GROUPS(DI, Z28, Z29, Z30, Z31)
	ADDQ R10, R12
	ADDQ $4, R15
	DECQ R13
	JNZ g16_inner
	DECQ R11
	JNZ g16_seg
	MOVQ c+48(FP), AX
	MOVQ ldc+56(FP), BX
	MOVQ accumulate+64(FP), CX
	STORE_TILE(c+48(FP))
