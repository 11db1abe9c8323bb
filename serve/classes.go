package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gankit/gankit/sample"
)

// A conditional run's requests name classes in the field "class": a class index (a
// JSON number), a class name (a JSON string; a string of digits that names no class
// is read as an index, as `gankit sample --class` reads it), or for POST /v1/samples
// a list of them, one per sample. Left out, sample i of a request is drawn from class
// i mod K, as `gankit sample --seed s --n n` draws them; an interpolation, and the
// one image of GET /v1/samples/{seed}.png, from class 0. An unconditional run refuses
// the field.

// classField is the field's name, in every refusal.
const classField = "class"

// sampleClasses reads POST /v1/samples' "class" for n samples: nil for an
// unconditional run, one class per sample for a conditional one.
func (s *Server) sampleClasses(raw json.RawMessage, n int) ([]int32, error) {
	if err := s.acceptsClass(raw); err != nil || len(s.classes) == 0 {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return sample.BalancedClasses(n, len(s.classes)), nil
	}
	y := make([]int32, n)
	if raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, fmt.Errorf("%s: want a list of class indices or names: %v", classField, err)
		}
		if len(list) != n {
			return nil, fmt.Errorf("%s: a list of %d classes for n = %d samples: want one class per sample, or one class for all", classField, len(list), n)
		}
		for i, v := range list {
			c, err := s.oneClass(v)
			if err != nil {
				return nil, fmt.Errorf("%s[%d]: %w", classField, i, err)
			}
			y[i] = c
		}
		return y, nil
	}
	c, err := s.oneClass(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", classField, err)
	}
	for i := range y {
		y[i] = c
	}
	return y, nil
}

// singleClass reads the "class" of a request drawn in one class (an interpolation):
// nil for an unconditional run, class 0 when it is left out.
func (s *Server) singleClass(raw json.RawMessage) (*int32, error) {
	if err := s.acceptsClass(raw); err != nil || len(s.classes) == 0 {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	var c int32
	if isNull(raw) {
		return &c, nil
	}
	if raw[0] == '[' {
		return nil, fmt.Errorf("%s: an interpolation is drawn in one class: want one class index or name, got a list", classField)
	}
	c, err := s.oneClass(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", classField, err)
	}
	return &c, nil
}

// queryClass reads GET /v1/samples/{seed}.png's ?class= (an index or a name):
// nil for an unconditional run, class 0 when it is left out.
func (s *Server) queryClass(v string, given bool) (*int32, error) {
	if len(s.classes) == 0 {
		if given {
			return nil, fmt.Errorf("%s: the run is unconditional (model.classes is empty): its generator takes no class; leave %s out", classField, classField)
		}
		return nil, nil
	}
	var c int32
	if !given {
		return &c, nil
	}
	c, err := sample.ParseClass(v, s.classes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", classField, err)
	}
	return &c, nil
}

// acceptsClass refuses a class for an unconditional run.
func (s *Server) acceptsClass(raw json.RawMessage) error {
	if len(s.classes) == 0 && !isNull(bytes.TrimSpace(raw)) {
		return fmt.Errorf("%s: the run is unconditional (model.classes is empty): its generator takes no class; leave %s out", classField, classField)
	}
	return nil
}

// oneClass reads one class: a whole JSON number is an index, a JSON string a name
// or an index (sample.ParseClass); anything else is refused with its JSON type.
func (s *Server) oneClass(raw json.RawMessage) (int32, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, errors.New("want a class index or name, got nothing")
	}
	switch b := raw[0]; {
	case b == '"':
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return 0, err
		}
		return sample.ParseClass(name, s.classes)
	case b == '-' || (b >= '0' && b <= '9'):
		i, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("want a class index (a whole number 0-%d) or a class name, got %s", len(s.classes)-1, clip(string(raw)))
		}
		return sample.CheckClass(i, s.classes)
	}
	return 0, fmt.Errorf("want a class index (a whole number 0-%d) or a class name, got a JSON %s", len(s.classes)-1, jsonType(raw))
}

// isNull says whether a field was left out or given as null.
func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// jsonType names the JSON type of a value by its first byte.
func jsonType(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "value " + clip(string(raw))
}

// clip keeps a message's echo of a value short.
func clip(s string) string {
	const most = 24
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}

// classNames are the names of the classes y, for an answer; nil for none.
func (s *Server) classNames(y []int32) []string {
	if y == nil {
		return nil
	}
	names := make([]string, len(y))
	for i, c := range y {
		names[i] = s.classes[c]
	}
	return names
}
