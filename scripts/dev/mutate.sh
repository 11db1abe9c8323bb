#!/usr/bin/env bash
# Mutation check for gankit's most important tests: break one chosen line at a time
# (a gradient rule, a loss's sign, a penalty's weight, a kernel's accumulation, an EMA
# rate, DiffAugment's gradient, ...), run the tests that guard it, and report which
# tests caught the break. A mutation no test catches ("SURVIVED") means a test is
# missing or too weak. Every file is restored after its mutation, on success, failure,
# Ctrl-C or kill alike (and checked byte for byte against its backup).
#
# Not part of CI: it runs the guarding packages' tests once per mutation (3 minutes on
# 2 free cores, several times that when they are busy).
#
# Usage: scripts/dev/mutate.sh [PATTERN]   (only the mutations whose name matches PATTERN)
# Exit status: 0 when every mutation was caught, 1 otherwise.
set -uo pipefail
cd "$(dirname "$0")/../.."

filter="${1:-}"
work="$(mktemp -d)"
target="" # the file currently mutated, restored by restore()
child=""  # the running go test, stopped on a signal

restore() {
	if [ -n "$target" ]; then
		cp "$work/backup" "$target"
		if ! cmp -s "$work/backup" "$target"; then
			echo "mutate.sh: could not restore $target; its original is $work/backup" >&2
			exit 2
		fi
		target=""
	fi
}
trap 'restore; rm -rf "$work"' EXIT
interrupted() {
	echo
	echo "mutate.sh: interrupted; restoring ${target:-nothing}" >&2
	if [ -n "$child" ]; then
		kill -TERM -- "-$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	restore
	exit 130
}
trap interrupted INT TERM

names=() results=() caught_by=() places=()

# mutate NAME FILE OLD NEW PACKAGES [GO TEST FLAGS...]
# replaces the one line of FILE containing OLD (which must occur exactly once) by
# that line with OLD replaced by NEW, runs go test on PACKAGES, and restores FILE.
mutate() {
	local name="$1" file="$2" old="$3" new="$4" pkgs="$5"
	shift 5
	if [ -n "$filter" ] && [[ "$name" != *$filter* ]]; then
		return
	fi
	local count
	count="$(grep -cF -- "$old" "$file")"
	if [ "$count" != 1 ]; then
		echo "mutate.sh: $name: $file has $count lines containing the text to mutate (want 1): $old" >&2
		names+=("$name") results+=("STALE") caught_by+=("-") places+=("$file")
		return
	fi
	local line
	line="$(grep -nF -- "$old" "$file" | cut -d: -f1)"
	cp "$file" "$work/backup"
	target="$file"
	OLD="$old" NEW="$new" perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/' "$file"
	printf '%-24s %s:%s ... ' "$name" "$file" "$line"
	# In the background, so that a signal's trap runs at once (bash runs traps only
	# between commands, and wait is one it interrupts).
	# shellcheck disable=SC2086 # PACKAGES is a list
	# setsid: its own process group, so that a signal stops the test binaries too.
	setsid go test -count=1 -timeout 10m "$@" $pkgs >"$work/out" 2>&1 &
	child=$!
	wait "$child"
	local status=$?
	child=""
	restore
	# The failing tests, leaves only (a parent fails with its subtest), at most 6 named.
	local failed
	failed="$(grep -oE -- '--- FAIL: [^ ]+' "$work/out" | sed 's/--- FAIL: //' | sort -u |
		awk '{ n[NR] = $0 } END { for (i = 1; i <= NR; i++) if (index(n[i+1], n[i] "/") != 1) print n[i] }' |
		awk '{ if (NR <= 6) printf "%s ", $0 } END { if (NR > 6) printf "(+%d more)", NR - 6 }')"
	local result
	if [ $status = 0 ]; then
		result="SURVIVED"
	elif grep -qE '\[(build|setup) failed\]' "$work/out"; then
		result="NO-BUILD" # the mutation is not a valid program: fix the mutation
	elif [ -z "$failed" ]; then
		result="CAUGHT"
		failed="(the test binary failed: $(grep -m1 -E 'panic|FAIL' "$work/out"))"
	else
		result="CAUGHT"
	fi
	echo "$result"
	names+=("$name") results+=("$result") caught_by+=("$failed") places+=("$file:$line")
	if [ "$result" != CAUGHT ]; then
		sed 's/^/    /' "$work/out" | tail -20
	fi
}

skipQemu=(-skip TestArm64KernelsUnderQemu) # the NEON kernels: a mutation here cannot reach them

# Gradients: internal/vjp's rules (GoMLX v0.26's are wrong or missing for these ops).
mutate vjp-dot-weight-grad internal/vjp/vjp.go \
	'Dot(Transpose(x, 0, 1), v[0])}' 'MulScalar(Dot(Transpose(x, 0, 1), v[0]), 0.5)}' \
	"./internal/vjp ./train" -run 'TestRulesMatchFiniteDifferences|TestStepMatchesPyTorch'
mutate vjp-conv-input-grad internal/vjp/vjp.go \
	'kr := Reverse(k, p.axes.KernelSpatial...)' 'kr := k' \
	"./internal/vjp ./backend ./nets" -run 'TestRulesMatchFiniteDifferences|TestConvFloat32AndItsGradients|TestGradientsMatchFiniteDifferences/cpu/dcgan28-transposed-bn$'
mutate vjp-conv-kernel-grad internal/vjp/vjp.go \
	'pads[i] = [2]int{g.lo, g.hi - (g.padded() - used)}' 'pads[i] = [2]int{g.lo + 1, g.hi - (g.padded() - used) - 1}' \
	"./internal/vjp ./backend ./nets" -run 'TestRulesMatchFiniteDifferences|TestConvFloat32AndItsGradients|TestGradientsMatchFiniteDifferences/cpu/dcgan28-transposed-bn$'
mutate vjp-rsqrt internal/vjp/vjp.go \
	'MulScalar(Mul(y, Square(y)), -0.5)' 'MulScalar(Mul(y, Square(y)), -0.25)' \
	"./internal/vjp"
mutate vjp-pad-fill internal/vjp/vjp.go \
	'gFill := Sub(ReduceAllSum(v[0]), ReduceAllSum(gx))' 'gFill := ReduceAllSum(v[0])' \
	"./internal/vjp"
mutate diffaugment-grad data/diffaugment.go \
	'x = Add(Mul(Sub(x, mc), per(in[1])), mc)' 'x = Add(Mul(Sub(x, StopGradient(mc)), per(in[1])), StopGradient(mc))' \
	"./data"
mutate diffaugment-stopgrad data/diffaugment.go \
	'x = Mul(x, ConvertDType(in[0], dt))' 'x = StopGradient(Mul(x, ConvertDType(in[0], dt)))' \
	"./data"

# Losses and penalties.
mutate loss-ns-g-sign losses/ns.go \
	'func (NonSaturating) G(l Logits) *Node { return ReduceAllMean(Softplus(Neg(l.Fake))) }' \
	'func (NonSaturating) G(l Logits) *Node { return ReduceAllMean(Softplus(l.Fake)) }' \
	"./losses ./train" -run 'TestLossesMatchPyTorch|TestStepMatchesPyTorch'
mutate loss-hinge-sign losses/hinge.go \
	'ReduceAllMean(relu(OneMinus(l.Real)))' 'ReduceAllMean(relu(AddScalar(l.Real, 1)))' \
	"./losses ./train" -run 'TestLossesMatchPyTorch|TestTricksTrain/r1-hinge-sgd/cpu'
mutate loss-lsgan-target losses/lsgan.go \
	'return Add(half(l.Real, t.Real, 1), half(l.Fake, t.Fake, 0))' 'return Add(half(l.Real, t.Real, 0), half(l.Fake, t.Fake, 0))' \
	"./losses ./train" -run 'TestLossesMatchPyTorch|TestTricksTrain/dragan-lsgan/cpu'
mutate penalty-r1-weight losses/r1.go \
	'Square(GradNorm(inputGrad(d, real)))), gamma/2)' 'Square(GradNorm(inputGrad(d, real)))), gamma)' \
	"./losses" -run 'TestPenaltiesMatchPyTorch'
mutate penalty-default-weight losses/r1.go \
	'func (r1) DefaultWeight() float64 { return 10 }' 'func (r1) DefaultWeight() float64 { return 1 }' \
	"./losses ./config" -run 'TestPenaltyWeightIsThePublishedOneUnlessSet|TestPenaltiesMatchPyTorch'
mutate penalty-wgangp-mix losses/wgangp.go \
	'Mul(OneMinus(e), StopGradient(fake))' 'Mul(e, StopGradient(fake))' \
	"./losses" -run 'TestPenaltiesMatchPyTorch'
mutate penalty-dragan-scale losses/dragan.go \
	'delta := Mul(MulScalar(std, 0.5), u)' 'delta := Mul(MulScalar(std, 0.25), u)' \
	"./losses" -run 'TestPenaltiesMatchPyTorch'
mutate penalty-r1-raw-batch losses/r1.go \
	'return R1(in.D, in.Real, 1)' 'return R1(in.D, in.RawReal, 1)' \
	"./losses" -run 'TestPenaltiesMatchPyTorch'
mutate label-smoothing losses/labels.go \
	'real[i], fake[i] = float32(1-l.Smoothing), 0' 'real[i], fake[i] = float32(1+l.Smoothing), 0' \
	"./losses" -run 'TestLabelsDraw|TestLossesMatchPyTorch'

# Optimizer and EMA.
mutate adam-bias-correction optim/optim.go \
	'stepSize := Div(rate(g, a.rates.LR, a.LR, dt), ConvertDType(c1, dt))' 'stepSize := Div(rate(g, a.rates.LR, a.LR, dt), ConvertDType(Sqrt(c1), dt))' \
	"./optim ./train" -run 'TestStepMatchesPyTorch|TestOptimizersOneStepByHand'
mutate ema-rate train/ema.go \
	'Div(AddScalar(tt, 1), AddScalar(tt, 10))' 'Div(AddScalar(tt, 1), AddScalar(tt, 11))' \
	"./train" -run 'TestEMAByHand|TestTricksTrain/noisy-labels-ema/cpu'
mutate ema-mix train/ema.go \
	'e.SetValueGraph(Add(Mul(bt, old), Mul(OneMinus(bt), cur)))' 'e.SetValueGraph(Add(Mul(OneMinus(bt), old), Mul(bt, cur)))' \
	"./train" -run 'TestEMAByHand|TestTricksTrain/noisy-labels-ema/cpu'
mutate keep-checkpoints run/writer.go \
	'if err != nil || len(steps) <= keep {' 'if err != nil || len(steps) <= keep+1 {' \
	"./train ./run" -run 'TestKeepCheckpointsPrunesTheOldest|Prune|Keep'

# Kernels: the Go reference kernels, the GEMM's edges, and the assembly itself.
mutate igemm-go-rows-accumulation backend/cpu/igemm/indirect.go \
	'acc[r][j] = fma32(av, at(b[s], i*ldb+boff+j), acc[r][j])' 'acc[r][j] = fma32(av, at(b[s], i*ldb+boff+j), 0)' \
	"./backend/cpu/igemm ./backend/cpu/gemm ./backend/cpu" "${skipQemu[@]}" -run 'Test[^F]'
mutate igemm-store-accumulate backend/cpu/igemm/indirect.go \
	'				row[j] += acc[r][j]' '				row[j] = acc[r][j]' \
	"./backend/cpu/igemm ./backend/cpu/gemm" "${skipQemu[@]}"
mutate igemm-avx512-fma backend/cpu/igemm/indirect_avx512_amd64.s \
	'	VFMADD231PS Z1, BZ, C1; \' '	VFMADD231PS Z0, BZ, C1; \' \
	"./backend/cpu/igemm ./backend/cpu/gemm ./backend/cpu" "${skipQemu[@]}" -run 'Test[^F]'
mutate gemm-edge-accumulate backend/cpu/gemm/simd.go \
	'						dst[j] += v' '						dst[j] = v' \
	"./backend/cpu/gemm"
mutate gemm-go-tail-rows backend/cpu/gemm/gemm.go \
	'				ci[j] += av * bv' '				ci[j] -= av * bv' \
	"./backend/cpu/gemm"
mutate vec-avx2-add backend/cpu/vec/vec_amd64.s \
	'VV(·addVV, VADDPS)' 'VV(·addVV, VSUBPS)' \
	"./backend/cpu/vec"
mutate cpu-sqrt-kernel backend/cpu/elementwise.go \
	'			vec.Sqrt(y32, any(xs).([]float32))' '			vec.Mul(y32, any(xs).([]float32), any(xs).([]float32))' \
	"./backend ./train" -run 'TestOpsMatchSimplego|TestStepMatchesPyTorch'
mutate bn-epsilon nets/batchnorm.go \
	'bnEpsilon  = 1e-5' 'bnEpsilon  = 1e-3' \
	"./nets" -run 'TestTricksMatchPyTorch|TestNetsShapesAtEverySize|TestVirtualBatchNorm'

# Measurement, files and reports.
mutate inception-resize metrics/inception/inception.go \
	'p := (float64(o)+0.5)*scale - 0.5' 'p := float64(o) * scale' \
	"./metrics/inception"
mutate inception-bn-epsilon metrics/inception/inception.go \
	'const bnEpsilon = 0.001' 'const bnEpsilon = 1e-5' \
	"./metrics/inception"
mutate gradcheck-input-index internal/gradcheck/gradcheck.go \
	'probe(i, "", t,' 'probe(0, "", t,' \
	"./internal/gradcheck ./data"
mutate fsutil-in-place internal/fsutil/fsutil.go \
	'f, err := os.CreateTemp(dir, "."+filepath.Base(path)+tempMark+"*")' 'f, err := os.Create(path)' \
	"./internal/fsutil"
mutate ablate-standard-error ablate/results.go \
	's.SE = math.Sqrt(ss/float64(len(v)-1)) / math.Sqrt(float64(len(v)))' 's.SE = math.Sqrt(ss/float64(len(v))) / math.Sqrt(float64(len(v)))' \
	"./ablate"
mutate report-bold-best report/report.go \
	'cell.Best = s.Mean == best[m] && len(res.Groups) > 1' 'cell.Best = s.Mean != best[m] && len(res.Groups) > 1' \
	"./report" -run 'TestTableShowsMeanAndSEAndBoldsTheBest'
mutate cli-sample-n cmd/gankit/sample.go \
	'if f.n < 1 {' 'if f.n < 0 {' \
	"./cmd/gankit" -run 'TestCLIRefusalsNameTheFlagAndTheValue'

# Issue 17's survivors and families: tricks through the assembled step and network,
# every penalty with augmentation and instance noise, the step's inputs checked by
# name.
pen=(-run 'TestPenaltiesMatchPyTorch|TestPenaltiesThroughAugmentationAndNoise')
mutate penalty-r2-augmented-fakes losses/r2.go \
	'return R2(in.DFake, in.RawFake, 1)' 'return R2(in.D, in.Fake, 1)' \
	"./losses ./train" "${pen[@]}"
mutate penalty-r1-raw-reals losses/r1.go \
	'return R1(in.D, in.Real, 1)' 'return R1(in.DReal, in.RawReal, 1)' \
	"./losses ./train" "${pen[@]}"
mutate penalty-wgangp-raw losses/wgangp.go \
	'return WGANGP(in.D, in.Real, in.Fake, in.Draws["e"], 1)' 'return WGANGP(in.D, in.RawReal, in.RawFake, in.Draws["e"], 1)' \
	"./losses ./train" "${pen[@]}"
mutate penalty-dragan-raw losses/dragan.go \
	'return DRAGAN(in.D, in.Real, in.Draws["u"], in.Draws["alpha"], 1)' 'return DRAGAN(in.D, in.RawReal, in.Draws["u"], in.Draws["alpha"], 1)' \
	"./losses ./train" "${pen[@]}"
mutate step-penalty-dfake-pipeline train/step.go \
	'DFake: func(x *Node) *Node { return d(viaFake(x)) }' 'DFake: func(x *Node) *Node { return d(viaReal(x)) }' \
	"./train" -run 'TestPenaltiesThroughAugmentationAndNoise'
mutate step-penalty-fake-batch train/step.go \
	'D: d, Real: xReal, Fake: xFake,' 'D: d, Real: xReal, Fake: viaFake(in.need(inReal)),' \
	"./train" -run 'TestPenaltiesThroughAugmentationAndNoise'
mutate step-input-unchecked train/step.go \
	'if err := in.check(); err != nil {' 'if err := in.check(); err != nil && false {' \
	"./train" -run 'TestMisspelledStepInputFailsTheBuild'
mutate mbstd-group-count nets/dcgan.go \
	'x = MinibatchStddev(x, cfg.MBStdGroupFor(n))' 'x = MinibatchStddev(x, n/cfg.MBStdGroupFor(n))' \
	"./nets" -run 'TestDiscriminatorMinibatchStddevMatchesPGGANGrouping'
mutate step-targets-swapped train/step.go \
	'losses.Targets{Real: in.opt(inTargetReal), Fake: in.opt(inTargetFake)}' 'losses.Targets{Real: in.opt(inTargetFake), Fake: in.opt(inTargetReal)}' \
	"./train" -run 'TestLabelAndNoiseTricksThroughTheStep'
mutate noise-sigma-step train/feeds.go \
	'f.scalar(inNoiseSigma, s.noise.Sigma(f.i))' 'f.scalar(inNoiseSigma, s.noise.Sigma(f.k+1))' \
	"./train" -run 'TestLabelAndNoiseTricksThroughTheStep'
mutate noise-fake-draws train/step.go \
	'viaReal, viaFake := pipeline(augReal, inNoiseReal), pipeline(augFake, inNoiseFake)' 'viaReal, viaFake := pipeline(augReal, inNoiseReal), pipeline(augFake, inNoiseReal)' \
	"./train" -run 'TestLabelAndNoiseTricksThroughTheStep'
mutate labels-two-sided losses/labels.go \
	'real[i], fake[i] = float32(1-l.Smoothing), 0' 'real[i], fake[i] = float32(1-l.Smoothing), float32(l.Smoothing)' \
	"./train" -run 'TestLabelAndNoiseTricksThroughTheStep'
mutate labels-flip-copy losses/labels.go \
	'real[i], fake[i] = fake[i], real[i]' 'real[i] = fake[i]' \
	"./train" -run 'TestLabelAndNoiseTricksThroughTheStep'

# gankit bench's method: the one median, the paired speedup, the FLOP count, the timed iterations.
mutate bench-median-even bench/median.go \
	'return (s[len(s)/2-1] + s[len(s)/2]) / 2' 'return s[len(s)/2]' \
	"./bench" -run 'TestMedianIsPythonsStatisticsMedian'
mutate bench-speedup-paired bench/bench.go \
	'r.TorchRatio = median(t.ratio)' 'r.TorchRatio = r.TorchMs / r.MsPerIt' \
	"./bench" -run 'TestSummariseTakesMediansRangesAndPairedRatios'
mutate flops-d-width nets/flops.go \
	'dw := c.DiscriminatorWidth()' 'dw := c.Width' \
	"./nets" -run 'TestIterationFLOPs'
mutate bench-warmup-untimed train/bench.go \
	'if i >= warmup {' 'if i >= 0 {' \
	"./train" -run 'TestTimeStepsReturnsOneTimePerTimedIteration'

echo
echo "mutation                     where                                          result    caught by"
survived=0
for i in "${!names[@]}"; do
	printf '%-28s %-46s %-9s %s\n' "${names[$i]}" "${places[$i]}" "${results[$i]}" "${caught_by[$i]}"
	[ "${results[$i]}" = CAUGHT ] || survived=$((survived + 1))
done
echo
echo "${#names[@]} mutations, $((${#names[@]} - survived)) caught, $survived not caught"
[ "$survived" = 0 ]
