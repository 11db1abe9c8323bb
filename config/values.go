package config

import (
	"fmt"
	"math"
	"reflect"

	"gopkg.in/yaml.v3"
)

// maxWhole bounds whole-number keys: 2^53, the largest integer a float64 (how YAML
// reads 1e6) holds exactly, and far beyond any count gankit can use.
const maxWhole = 1 << 53

// nodeError is a problem at one node of a config document. Parse prefixes the file
// and line; Set, whose document it builds itself, prefixes the key=value instead.
type nodeError struct {
	line int
	key  string // the dotted key whose value is wrong; "" when msg names it
	msg  string
}

func (e *nodeError) Error() string {
	if e.key == "" {
		return fmt.Sprintf("line %d: %s", e.line, e.msg)
	}
	return fmt.Sprintf("line %d: %s: %s", e.line, e.key, e.msg)
}

// checkValue checks a YAML value against the Go type of the field it sets, so that
// a wrong type is an error naming the key and what it takes, and so that nothing is
// quietly changed on the way: 8.7 is not truncated to 8, .inf and .nan are refused.
func checkValue(n *yaml.Node, key string, t reflect.Type) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	want := wantFor(t.Kind())
	fail := func(format string, args ...any) error {
		return &nodeError{line: n.Line, key: key, msg: fmt.Sprintf(format, args...)}
	}
	switch n.Kind {
	case yaml.MappingNode:
		return fail("want %s, got a mapping", want)
	case yaml.SequenceNode:
		return fail("want %s, got a list", want)
	case yaml.ScalarNode:
	default:
		return fail("want %s", want)
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return fail("want %s: %v", want, err)
	}
	if t.Kind() == reflect.String {
		return nil // any scalar reads as text; null is ""
	}
	if v == nil {
		return fail("has no value; want %s", want)
	}
	got := n.Value
	if s, ok := v.(string); ok {
		got = fmt.Sprintf("%q", s)
	}
	switch t.Kind() {
	case reflect.Bool:
		var b bool
		if err := n.Decode(&b); err != nil {
			return fail("want %s, got %s", want, got)
		}
	case reflect.Float32, reflect.Float64:
		switch f := v.(type) {
		case int, int64, uint64:
		case float64:
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fail("want a finite number, got %s", got)
			}
		default:
			return fail("want %s, got %s", want, got)
		}
	case reflect.Int, reflect.Int64:
		var f float64
		switch x := v.(type) {
		case int:
			f = float64(x)
		case int64:
			f = float64(x)
		case uint64:
			f = float64(x)
		case float64:
			f = x
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fail("want %s, got %s", want, got)
			}
			if f != math.Trunc(f) {
				return fail("want %s, got %s (a fraction is not truncated)", want, got)
			}
		default:
			return fail("want %s, got %s", want, got)
		}
		if math.Abs(f) > maxWhole {
			return fail("%s is out of range: want a whole number within ±2^53", got)
		}
	}
	return nil
}

// wantFor says in words what a field of kind k takes.
func wantFor(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "a single value"
}

// checkFinite refuses NaN and ±Inf in any float field of v (a struct), naming the
// dotted key: such values are never meant, and a learning rate of +Inf trains
// nothing but NaNs.
func checkFinite(v reflect.Value, prefix string) error {
	t := v.Type()
	for i := range t.NumField() {
		name := yamlName(t.Field(i))
		if name == "" {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Struct:
			if err := checkFinite(f, prefix+name+"."); err != nil {
				return err
			}
		case reflect.Slice:
			for j := range f.Len() {
				if f.Index(j).Kind() != reflect.Struct {
					continue
				}
				if err := checkFinite(f.Index(j), fmt.Sprintf("%s%s[%d].", prefix, name, j)); err != nil {
					return err
				}
			}
		case reflect.Float32, reflect.Float64:
			if x := f.Float(); math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s%s: want a finite number, got %g", prefix, name, x)
			}
		}
	}
	return nil
}
