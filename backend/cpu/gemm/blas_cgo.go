//go:build cgo && linux

package gemm

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef void (*sgemm_t)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
typedef void (*dgemm_t)(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
typedef void (*setthreads_t)(int);

static void *blas_handle;
static sgemm_t blas_sgemm;
static dgemm_t blas_dgemm;

static int blas_open(const char *name, int threads) {
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
	if (!h) return 0;
	sgemm_t s = (sgemm_t)dlsym(h, "cblas_sgemm");
	dgemm_t d = (dgemm_t)dlsym(h, "cblas_dgemm");
	if (!s || !d) { dlclose(h); return 0; }
	setthreads_t t = (setthreads_t)dlsym(h, "openblas_set_num_threads");
	if (t) t(threads);
	blas_handle = h; blas_sgemm = s; blas_dgemm = d;
	return 1;
}

// CBLAS enums: RowMajor 101, NoTrans 111, Trans 112.
static void call_sgemm(int ta, int tb, int m, int n, int k, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc) {
	blas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
static void call_dgemm(int ta, int tb, int m, int n, int k, const double *a, int lda, const double *b, int ldb, double beta, double *c, int ldc) {
	blas_dgemm(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import (
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// LibraryEnv names a BLAS shared library to load instead of OpenBLAS; "none" disables BLAS.
const LibraryEnv = "GANKIT_BLAS"

var blas = sync.OnceValue(func() string {
	names := []string{"libopenblas.so.0", "libopenblas.so"}
	if env := os.Getenv(LibraryEnv); env != "" {
		if env == "none" {
			return ""
		}
		names = []string{env}
	}
	// OpenBLAS picks its kernels when it loads; on some virtual CPUs its detection
	// falls back to SSE3 ("Prescott") at a fifth of the speed. Name the core
	// from the features Go sees, unless the user did.
	if os.Getenv("OPENBLAS_CORETYPE") == "" {
		switch {
		case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL:
			_ = os.Setenv("OPENBLAS_CORETYPE", "SkylakeX")
		case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
			_ = os.Setenv("OPENBLAS_CORETYPE", "Haswell")
		}
	}
	for _, n := range names {
		cs := C.CString(n)
		// One BLAS thread: Multiply splits the rows over goroutines itself, so that
		// idle BLAS workers do not spin on the cores the rest of the step needs.
		ok := C.blas_open(cs, 1)
		C.free(unsafe.Pointer(cs))
		if ok != 0 {
			return n
		}
	}
	return ""
})

func blasName() string { return blas() }

func b2i(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

func blasMultiply[T Float](p Op, a, b, c []T) bool {
	if blas() == "" {
		return false
	}
	lda, ldb, ldc := p.lds()
	parallelRows(p, func(lo, hi int) {
		q := p
		q.M = hi - lo
		aOff := lo * lda
		if p.TransA {
			aOff = lo
		}
		blasCall(q, lda, ldb, ldc, a[aOff:], b, c[lo*ldc:])
	})
	return true
}

func blasCall[T Float](p Op, lda, ldb, ldc int, a, b, c []T) {
	var beta float64
	if p.Accumulate {
		beta = 1
	}
	switch any(c).(type) {
	case []float32:
		a32, b32, c32 := any(a).([]float32), any(b).([]float32), any(c).([]float32)
		C.call_sgemm(b2i(p.TransA), b2i(p.TransB), C.int(p.M), C.int(p.N), C.int(p.K),
			(*C.float)(unsafe.Pointer(&a32[0])), C.int(lda), (*C.float)(unsafe.Pointer(&b32[0])), C.int(ldb),
			C.float(beta), (*C.float)(unsafe.Pointer(&c32[0])), C.int(ldc))
	case []float64:
		a64, b64, c64 := any(a).([]float64), any(b).([]float64), any(c).([]float64)
		C.call_dgemm(b2i(p.TransA), b2i(p.TransB), C.int(p.M), C.int(p.N), C.int(p.K),
			(*C.double)(unsafe.Pointer(&a64[0])), C.int(lda), (*C.double)(unsafe.Pointer(&b64[0])), C.int(ldb),
			C.double(beta), (*C.double)(unsafe.Pointer(&c64[0])), C.int(ldc))
	}
}
