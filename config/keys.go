package config

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Keys lists every config key as dotted paths ("train.lr_d"), in declaration order.
func Keys() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, prefix+name+".")
				continue
			}
			out = append(out, prefix+name)
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}

func yamlName(f reflect.StructField) string {
	tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
	if tag == "-" || !f.IsExported() {
		return ""
	}
	if tag == "" {
		return strings.ToLower(f.Name)
	}
	return tag
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if n := yamlName(t.Field(i)); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// checkList checks a YAML list: for a slice of structs (train.penalties) each item a
// mapping of the struct's keys, or a bare value for its first field (a name); for a
// slice of values (model.classes) each item one value.
func checkList(n *yaml.Node, key string, elem reflect.Type) error {
	if n.Kind != yaml.SequenceNode {
		return &nodeError{line: n.Line, key: key, msg: fmt.Sprintf("want a list of names or of mappings (%s)", strings.Join(fieldNames(elem), ", "))}
	}
	for i, item := range n.Content {
		at := fmt.Sprintf("%s[%d]", key, i)
		var err error
		if elem.Kind() != reflect.Struct { // a list of values (model.classes)
			if item.Kind != yaml.ScalarNode {
				return &nodeError{line: item.Line, key: at, msg: "want a single value"}
			}
			err = checkValue(item, at, elem)
		} else if item.Kind == yaml.ScalarNode {
			err = checkValue(item, at, elem.Field(0).Type)
		} else {
			err = checkKeys(item, reflect.Zero(elem).Interface(), at+".")
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkKeys walks a YAML mapping against the struct v, refusing keys it lacks and
// values its fields cannot hold (see checkValue).
func checkKeys(n *yaml.Node, v any, prefix string) error {
	t := reflect.TypeOf(v)
	if n.Kind != yaml.MappingNode {
		return &nodeError{line: n.Line, msg: fmt.Sprintf("%s must be a mapping of keys (%s)", orTop(prefix), strings.Join(fieldNames(t), ", "))}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f, ok := fieldByYAML(t, k.Value)
		if !ok {
			return &nodeError{line: k.Line, msg: fmt.Sprintf("unknown key %q; %s takes: %s", prefix+k.Value, orTop(prefix), strings.Join(fieldNames(t), ", "))}
		}
		var err error
		switch {
		case f.Type.Kind() == reflect.Struct:
			err = checkKeys(val, reflect.Zero(f.Type).Interface(), prefix+k.Value+".")
		case f.Type.Kind() == reflect.Slice:
			err = checkList(val, prefix+k.Value, f.Type.Elem())
		default:
			err = checkValue(val, prefix+k.Value, f.Type)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func orTop(prefix string) string {
	if prefix == "" {
		return "the top level"
	}
	return strings.TrimSuffix(prefix, ".")
}

func fieldByYAML(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		if yamlName(t.Field(i)) == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// Set assigns value (YAML syntax: 2e-4, true, transposed) to the dotted key, as
// `--set train.lr_d=1e-4` does. Unknown keys and values of the wrong type (a
// fraction for a whole number, NaN or infinity) are errors naming the key; callers
// prefix the flag.
func (c *Config) Set(key, value string) error {
	parts := strings.Split(key, ".")
	// Build "a:\n  b: value" and decode it over c, so YAML's own typing applies.
	var doc strings.Builder
	for i, p := range parts {
		doc.WriteString(strings.Repeat("  ", i) + p + ":")
		if i < len(parts)-1 {
			doc.WriteString("\n")
		}
	}
	doc.WriteString(" " + value + "\n")
	if f, ok := lookup(key); !isYAMLScalar(value) && !(ok && f.Type.Kind() == reflect.Slice) {
		return fmt.Errorf("%s: %q is not a single value", key, value)
	}
	updated, err := parse([]byte(doc.String()), *c)
	if err != nil {
		var ne *nodeError
		if errors.As(err, &ne) { // the line of a document Set built means nothing to the user
			return fmt.Errorf("%s=%s: %s", key, value, ne.msg)
		}
		return fmt.Errorf("%s=%s: %w", key, value, err)
	}
	if _, ok := lookup(key); !ok {
		return fmt.Errorf("%q is not a config key (see `gankit train --help` for the list)", key)
	}
	*c = updated
	return nil
}

func isYAMLScalar(v string) bool {
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(v), &n); err != nil {
		return false
	}
	return len(n.Content) == 0 || n.Content[0].Kind == yaml.ScalarNode
}

func lookup(key string) (reflect.StructField, bool) {
	t := reflect.TypeOf(Config{})
	var f reflect.StructField
	for _, p := range strings.Split(key, ".") {
		if t.Kind() != reflect.Struct {
			return f, false
		}
		var ok bool
		if f, ok = fieldByYAML(t, p); !ok {
			return f, false
		}
		t = f.Type
	}
	return f, t.Kind() != reflect.Struct
}
