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

# Issue 17's families: every limit accepted at its boundary and refused just past it,
# every random draw's range reached at both ends, every reported spread against a
# hand computation with its divisor.
mutate serve-count-limit serve/limits.go \
	'if *got < lo || *got > hi {' 'if *got < lo || *got >= hi {' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate serve-count-floor serve/limits.go \
	'if *got < lo || *got > hi {' 'if *got <= lo || *got > hi {' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate serve-resample-ceiling serve/limits.go \
	'if tr.Value < MinResample || tr.Value > l.MaxTrunc {' 'if tr.Value < MinResample || tr.Value >= l.MaxTrunc {' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate serve-resample-floor serve/limits.go \
	'if tr.Value < MinResample || tr.Value > l.MaxTrunc {' 'if tr.Value <= MinResample || tr.Value > l.MaxTrunc {' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate serve-clip-ceiling serve/limits.go \
	'		if tr.Value > l.MaxTrunc {' '		if tr.Value >= l.MaxTrunc {' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate serve-max-steps-floor serve/limits.go \
	'if l.MaxSteps < 2 {' 'if l.MaxSteps <= 2 {' \
	"./serve" -run 'TestServerLimitsAcceptTheirSmallestValues'
mutate serve-limit-negative serve/limits.go \
	'		if *f.v < 0 {' '		if *f.v < 2 {' \
	"./serve" -run 'TestServerLimitsAcceptTheirSmallestValues'
mutate serve-max-trunc-floor serve/limits.go \
	'if l.MaxTrunc < MinResample {' 'if l.MaxTrunc <= MinResample {' \
	"./serve" -run 'TestServerLimitsAcceptTheirSmallestValues'
mutate serve-queue-limit serve/admit.go \
	'if a.waiting.Add(1) > a.queue {' 'if a.waiting.Add(1) >= a.queue {' \
	"./serve" -run 'TestAdmissionTakesExactlyConcurrencySlotsAndQueueWaiters'
mutate serve-concurrency-slots serve/admit.go \
	'return &admission{slots: make(chan struct{}, slots), queue: int64(queue)}' 'return &admission{slots: make(chan struct{}, slots-1), queue: int64(queue)}' \
	"./serve" -run 'TestAdmissionTakesExactlyConcurrencySlotsAndQueueWaiters'
mutate serve-batch-rows serve/batcher.go \
	'for j.next < len(j.z) && len(slots) < b.max {' 'for j.next < len(j.z) && len(slots) < b.max-1 {' \
	"./serve" -run 'TestBatcherCallHoldsExactlyMaxBatchRows'
mutate serve-max-body serve/api.go \
	'body := http.MaxBytesReader(w, r.Body, s.lim.MaxBody)' 'body := http.MaxBytesReader(w, r.Body, s.lim.MaxBody-1)' \
	"./serve" -run 'TestEveryRequestLimitAcceptsItsBoundaryAndRefusesOnePast'
mutate noisy-labels-real-range losses/labels.go \
	'real[i] = float32(0.7 + 0.5*r.Float64())' 'real[i] = float32(0.7 + 0.4*r.Float64())' \
	"./losses" -run 'TestNoisyLabelsSpanBothEndsOfGanhacksRanges'
mutate noisy-labels-fake-range losses/labels.go \
	'fake[i] = float32(0.3 * r.Float64())' 'fake[i] = float32(0.25 * r.Float64())' \
	"./losses" -run 'TestNoisyLabelsSpanBothEndsOfGanhacksRanges'
mutate label-flip-limit losses/labels.go \
	'case l.Flip < 0 || l.Flip > 0.5:' 'case l.Flip < 0 || l.Flip >= 0.5:' \
	"./losses" -run 'TestLabelSettingsAcceptTheirBoundsAndRefuseJustPast'
mutate label-smoothing-limit losses/labels.go \
	'case l.Smoothing < 0 || l.Smoothing >= 1:' 'case l.Smoothing < 0 || l.Smoothing > 1:' \
	"./losses" -run 'TestLabelSettingsAcceptTheirBoundsAndRefuseJustPast'
mutate label-flip-swap losses/labels.go \
	'real[i], fake[i] = fake[i], real[i]' 'real[i], fake[i] = fake[i], fake[i]' \
	"./losses" -run 'TestLabelFlipAtItsLargestProbabilityFlipsHalf'
mutate diffaugment-brightness-range data/diffaugment.go \
	'p.Brightness[i] = r.Float32() - 0.5' 'p.Brightness[i] = 0.9*r.Float32() - 0.5' \
	"./data" -run 'TestDiffAugmentDrawsReachBothEndsOfEachRange'
mutate diffaugment-saturation-range data/diffaugment.go \
	'p.Saturation[i] = 2 * r.Float32()' 'p.Saturation[i] = 1.9 * r.Float32()' \
	"./data" -run 'TestDiffAugmentDrawsReachBothEndsOfEachRange'
mutate diffaugment-contrast-range data/diffaugment.go \
	'p.Contrast[i] = r.Float32() + 0.5' 'p.Contrast[i] = r.Float32() + 0.45' \
	"./data" -run 'TestDiffAugmentDrawsReachBothEndsOfEachRange'
mutate diffaugment-shift-range data/diffaugment.go \
	'p.ShiftX[i] = r.IntN(2*shift+1) - shift' 'p.ShiftX[i] = r.IntN(2*shift) - shift' \
	"./data" -run 'TestDiffAugmentDrawsReachBothEndsOfEachRange'
mutate diffaugment-shift-size data/diffaugment.go \
	'func translationShift(size int) int { return int(float64(size)*0.125 + 0.5) }' 'func translationShift(size int) int { return int(float64(size) * 0.125) }' \
	"./data" -run 'TestDiffAugmentTranslationAndCutoutSizes'
mutate diffaugment-cutout-side data/diffaugment.go \
	'func cutoutSide(size int) int       { return int(float64(size)*0.5 + 0.5) }' 'func cutoutSide(size int) int       { return int(float64(size) * 0.5) }' \
	"./data" -run 'TestDiffAugmentTranslationAndCutoutSizes'
mutate diffaugment-cutout-offset data/diffaugment.go \
	'p.CutX[i] = r.IntN(s.Size + 1 - side%2)' 'p.CutX[i] = r.IntN(s.Size - side%2)' \
	"./data" -run 'TestDiffAugmentDrawsReachBothEndsOfEachRange'
mutate stacked-picks data/stacked.go \
	's.picks[i][c] = r.IntN(base.Len())' 's.picks[i][c] = r.IntN(base.Len() - 1)' \
	"./data" -run 'TestStackedPicksEveryBaseImage'
mutate shuffle-epoch-seed data/dataset.go \
	's.perm = rand.New(rand.NewPCG(s.Seed, uint64(e))).Perm(total)' 's.perm = rand.New(rand.NewPCG(s.Seed, 0)).Perm(total)' \
	"./data" -run 'TestShuffledEpochVisitsEveryExampleOnce'
mutate shuffle-batch-limit data/dataset.go \
	'if per == 0 {' 'if per <= 1 {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate gzip-limit data/idx.go \
	'if int64(len(out)) > limit {' 'if int64(len(out)) >= limit {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate decode-memory-limit data/folder.go \
	'if need := decodeBytes(cfg, shape.Size); need > mem.Bytes {' 'if need := decodeBytes(cfg, shape.Size); need >= mem.Bytes {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate folder-size-limit data/folder.go \
	'if size < 1 || size > MaxFolderSize {' 'if size < 1 || size >= MaxFolderSize {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate folder-size-floor data/folder.go \
	'if size < 1 || size > MaxFolderSize {' 'if size <= 1 || size > MaxFolderSize {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate max-image-pixels-floor data/folder.go \
	'if opt.MaxImagePixels < 0 {' 'if opt.MaxImagePixels <= 0 {' \
	"./data" -run 'TestDataLimitsAcceptTheirBoundaryAndRefuseOnePast'
mutate kid-std-divisor metrics/kid.go \
	'return mean, math.Sqrt(std / float64(len(vals))), nil' 'return mean, math.Sqrt(std / float64(len(vals)-1)), nil' \
	"./metrics" -run 'TestKIDStdIsThePopulationStdOverSubsets'
mutate is-std-divisor metrics/modes.go \
	'return mean, math.Sqrt(std / float64(len(scores)))' 'return mean, math.Sqrt(std / float64(len(scores)-1))' \
	"./metrics" -run 'TestInceptionScoreStdIsThePopulationStdOverSplits'
mutate ablate-se-one-seed ablate/results.go \
	'	if len(v) > 1 {' '	if len(v) > 0 {' \
	"./ablate" -run 'TestStatIsTheMeanAndTheStandardErrorWithDivisorNMinus1'
mutate config-steps-floor config/config.go \
	'{t.Steps >= 1, "train.steps"' '{t.Steps > 1, "train.steps"' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-beta1-ceiling config/config.go \
	'{t.Beta1 >= 0 && t.Beta1 < 1,' '{t.Beta1 >= 0 && t.Beta1 <= 1,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-beta2-floor config/config.go \
	'{t.Beta2 >= 0 && t.Beta2 < 1,' '{t.Beta2 > 0 && t.Beta2 < 1,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-n-critic-floor config/config.go \
	'{t.NCritic >= 1, "train.n_critic"' '{t.NCritic > 1, "train.n_critic"' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-ema-ceiling config/config.go \
	'{t.EMA >= 0 && t.EMA < 1,' '{t.EMA >= 0 && t.EMA <= 1,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-replay-prob-ceiling config/config.go \
	'{t.ReplayProb >= 0 && t.ReplayProb <= 1,' '{t.ReplayProb >= 0 && t.ReplayProb < 1,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-keep-checkpoints-floor config/config.go \
	'{t.KeepCheckpoints >= 1,' '{t.KeepCheckpoints > 1,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate config-sample-every-floor config/config.go \
	'{t.SampleEvery >= 0,' '{t.SampleEvery > 0,' \
	"./config" -run 'TestEveryRangeIsAcceptedAtItsBoundaryAndRefusedJustPast'
mutate truncation-resample-bound sample/truncation.go \
	'for math.Abs(float64(z[i])) > t.Value {' 'for math.Abs(float64(z[i])) > 0.9*t.Value {' \
	"./sample" -run 'TestTruncatedLatentsReachTheThresholdAndStayInside'
mutate truncation-clip-bound sample/truncation.go \
	'z[i] = min(max(v, -c), c)' 'z[i] = min(max(v, -c), 0.99*c)' \
	"./sample" -run 'TestTruncatedLatentsReachTheThresholdAndStayInside'
mutate truncation-psi-ceiling sample/truncation.go \
	'if t.Value < 0 || t.Value > 1 {' 'if t.Value < 0 || t.Value >= 1 {' \
	"./sample" -run 'TestTruncationValuesAcceptTheirBoundsAndRefuseJustPast'
mutate truncation-threshold-floor sample/truncation.go \
	'if !(t.Value > 0) {' 'if !(t.Value >= 0) {' \
	"./sample" -run 'TestTruncationValuesAcceptTheirBoundsAndRefuseJustPast'
mutate seeds-wrap sample/seeds.go \
	'if most := int64(math.MaxInt64) - int64(n-1); first > most {' 'if most := int64(math.MaxInt64) - int64(n); first > most {' \
	"./sample ./cmd/gankit" -run 'TestCheckSeeds|TestAblateSeedsDoNotWrap'
mutate penalty-draw-range train/feeds.go \
	'		v[i] = f.r.Float32()' '		v[i] = 0.9 * f.r.Float32()' \
	"./train" -run 'TestPenaltyDrawsSpanTheUnitInterval'

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
