package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// validate checks a JSON document against a schema file of docs/schemas.
// It knows the part of JSON Schema those files use: type, enum, required,
// properties, additionalProperties: false, items, minimum and local $ref.
func validate(t *testing.T, schemaFile string, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("../../docs/schemas", schemaFile))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatalf("%s: %v", schemaFile, err)
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, e := range check(schema, schema, v, "$") {
		t.Errorf("%s: %s", schemaFile, e)
	}
}

func check(root, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/$defs/")
		def, ok := root["$defs"].(map[string]any)[name].(map[string]any)
		if !ok {
			return []string{at + ": unknown $ref " + ref}
		}
		return check(root, def, v, at)
	}
	var errs []string
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		return append(errs, fmt.Sprintf("%s: %v is not of type %s", at, v, typ))
	}
	if min, ok := s["minimum"].(float64); ok {
		if n, ok := v.(json.Number); ok {
			if f, _ := n.Float64(); f < min {
				errs = append(errs, fmt.Sprintf("%s: %v is below %v", at, v, min))
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing %q", at, r))
			}
		}
		for k, val := range v {
			sub, ok := props[k].(map[string]any)
			if !ok {
				if s["additionalProperties"] == false {
					errs = append(errs, fmt.Sprintf("%s: unexpected field %q", at, k))
				}
				continue
			}
			errs = append(errs, check(root, sub, val, at+"."+k)...)
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, val := range v {
				errs = append(errs, check(root, items, val, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		_, err := n.Int64()
		return ok && err == nil
	}
	return false
}

func asStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// TestValidatorRejects makes sure the validator can fail: a report with a
// missing field, a wrong type and an unknown status.
func TestValidatorRejects(t *testing.T) {
	raw, _ := os.ReadFile("../../docs/schemas/perflab-grade-v1.schema.json")
	var schema map[string]any
	json.Unmarshal(raw, &schema)
	doc := map[string]any{"schema": "perflab-grade/v1", "score": "10", "labs": []any{map[string]any{"status": "great"}}}
	if errs := check(schema, schema, roundTrip(t, doc), "$"); len(errs) < 3 {
		t.Errorf("validator found only %v", errs)
	}
}

func roundTrip(t *testing.T, v any) any {
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out any
	dec.Decode(&out)
	return out
}
