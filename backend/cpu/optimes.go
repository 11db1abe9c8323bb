package cpu

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// OpTimesEnv names a file where the backend writes, when it is finalized, the time
// spent per op and per kernel/delegation, rewritten after every execution: where a
// step's time goes.
const OpTimesEnv = "GANKIT_CPU_OPTIMES"

type opTime struct {
	calls int
	total time.Duration
}

type opTimes struct {
	path string
	mu   sync.Mutex
	byOp map[string]*opTime
}

func (o *opTimes) add(st step, d time.Duration) {
	how := "delegated"
	if st.kernel != nil {
		how = "kernel"
	}
	key := st.n.op + " (" + how + ")"
	if os.Getenv(OpTimesEnv+"_SHAPES") != "" || strings.HasPrefix(st.n.op, "ConvGeneral") || st.n.op == "DotGeneral" || (st.n.op == "ReduceSum" && st.kernel == nil) {
		var dims []string
		for _, in := range st.n.inputs {
			dims = append(dims, fmt.Sprint(in.shape.Dimensions))
		}
		key += " " + strings.Join(dims, "x")
		if st.n.op == "ReduceSum" {
			key += fmt.Sprintf(" axes%v", st.n.args[1])
		}
		if strings.HasPrefix(st.n.op, "ConvGeneral") {
			key += fmt.Sprintf(" idil%v", st.n.args[5])
		}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	t := o.byOp[key]
	if t == nil {
		t = &opTime{}
		o.byOp[key] = t
	}
	t.calls++
	t.total += d
}

func (o *opTimes) write() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	keys := make([]string, 0, len(o.byOp))
	var sum time.Duration
	for k, t := range o.byOp {
		keys = append(keys, k)
		sum += t.total
	}
	sort.Slice(keys, func(i, j int) bool { return o.byOp[keys[i]].total > o.byOp[keys[j]].total })
	var b strings.Builder
	fmt.Fprintf(&b, "%-60s %8s %12s %6s\n", "op", "calls", "total", "share")
	for _, k := range keys {
		t := o.byOp[k]
		fmt.Fprintf(&b, "%-60s %8d %12s %5.1f%%\n", k, t.calls, t.total.Round(time.Microsecond), 100*float64(t.total)/float64(sum))
	}
	return os.WriteFile(o.path, []byte(b.String()), 0o644)
}
