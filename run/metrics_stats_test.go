package run

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestMetricsLineCarriesStatsByName: statistics beyond Metrics' fields are written as
// fields of the line under their names, after the fixed ones, and read back into
// Stats; an old line (no extra fields) reads as before.
func TestMetricsLineCarriesStatsByName(t *testing.T) {
	var m Metrics
	m.Step = 3
	for name, v := range map[string]float64{"loss_d": 1.5, "penalty_r2": 0.25, "lr_d": 2e-4} {
		m.Set(name, v)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"sec_per_step":0,"lr_d":0.0002,"penalty_r2":0.25}`; !strings.HasSuffix(string(b), want) || !strings.Contains(string(b), `"loss_d":1.5`) {
		t.Fatalf("line %s, want loss_d in its field and the end %s", b, want)
	}
	var back Metrics
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, ok := back.Get("penalty_r2"); !ok || v != 0.25 || back.LossD != 1.5 || back.Step != 3 || len(back.Stats) != 2 {
		t.Errorf("read back %+v", back)
	}
	old, err := parseMetricsLine([]byte(`{"step":4,"loss_d":9,"loss_g":9}`))
	if err != nil || old.Stats != nil || old.LossG != 9 {
		t.Errorf("old line: %+v, %v", old, err)
	}
}
