package gateway

import (
	"reflect"
	"testing"
)

// TestValidateRemembers checks that a remembered result is the result,
// that every caller gets its own copy, and that a change of content is
// validated afresh.
func TestValidateRemembers(t *testing.T) {
	const text = "{metadata: {name: remembered}, spec: {rules: [{matches: [{path: {value: foo}}], backendRefs: [{name: s, port: 80}]}]}}"
	const apiVersion = "gateway.networking.k8s.io/v1"
	wantOut, wantErrs := validate(apiVersion, "HTTPRoute", fromYAML(t, text))
	if len(wantErrs) != 1 {
		t.Fatalf("validate = %v, want one error", wantErrs)
	}
	first, firstErrs := Validate(apiVersion, "HTTPRoute", fromYAML(t, text))
	second, secondErrs := Validate(apiVersion, "HTTPRoute", fromYAML(t, text))
	for i, got := range []any{first, second} {
		if !reflect.DeepEqual(got, wantOut) {
			t.Errorf("call %d: object = %v, want %v", i+1, got, wantOut)
		}
	}
	for i, got := range []any{firstErrs, secondErrs} {
		if !reflect.DeepEqual(got, wantErrs) {
			t.Errorf("call %d: errors = %v, want %v", i+1, got, wantErrs)
		}
	}

	// Changing what one caller got changes nothing for the next.
	first["spec"].(map[string]any)["rules"] = nil
	firstErrs[0].Detail = "changed"
	third, thirdErrs := Validate(apiVersion, "HTTPRoute", fromYAML(t, text))
	if !reflect.DeepEqual(third, wantOut) || !reflect.DeepEqual(thirdErrs, wantErrs) {
		t.Errorf("after a caller changed its copy: %v %v, want %v %v", third, thirdErrs, wantOut, wantErrs)
	}

	// Other content, other result.
	fixed := fromYAML(t, text)
	fixed["spec"].(map[string]any)["rules"].([]any)[0].(map[string]any)["matches"] = []any{map[string]any{"path": map[string]any{"value": "/foo"}}}
	if _, errs := Validate(apiVersion, "HTTPRoute", fixed); len(errs) != 0 {
		t.Errorf("corrected route: %v, want no errors", errs)
	}
	// The same content as another kind is another question.
	if _, errs := Validate(apiVersion, "GRPCRoute", fromYAML(t, text)); len(errs) == 0 {
		t.Errorf("the route as a GRPCRoute: no errors, want the schema's")
	}
}

func TestResultCacheGenerations(t *testing.T) {
	c := newResultCache(2, 1<<20)
	keys := make([]cacheKey, 5)
	for i := range keys {
		keys[i][0] = byte(i + 1)
	}
	c.put(keys[0], map[string]any{"n": int64(0)}, nil)
	c.put(keys[1], map[string]any{"n": int64(1)}, nil)
	c.put(keys[2], map[string]any{"n": int64(2)}, nil) // 0 and 1 become the old generation
	if out, _, _, ok := c.get(keys[0]); !ok || out["n"] != int64(0) {
		t.Errorf("get(0) after one turn = %v, %v; want it kept and moved to the current generation", out, ok)
	}
	c.put(keys[3], nil, nil) // 2 and 0 become old; 1 is dropped
	if _, _, _, ok := c.get(keys[1]); ok {
		t.Errorf("get(1) after two turns found it; want it dropped")
	}
	if out, _, _, ok := c.get(keys[3]); !ok || out != nil {
		t.Errorf("get(3) = %v, %v; want a remembered nil object", out, ok)
	}
	if len(c.current)+len(c.previous) > 2*c.limit {
		t.Errorf("%d results kept, limit %d per generation", len(c.current)+len(c.previous), c.limit)
	}

	// The byte limit turns generations too.
	c = newResultCache(100, 40)
	big := map[string]any{"s": "0123456789012345678901234567890"} // 39 bytes of JSON
	c.put(keys[0], big, nil)
	c.put(keys[1], big, nil)
	if len(c.current) != 1 || len(c.previous) != 1 || c.currentBytes > c.byteLimit {
		t.Errorf("after two 39-byte results with a 40-byte limit: %d current (%d bytes), %d old; want 1 and 1",
			len(c.current), c.currentBytes, len(c.previous))
	}
}

func TestValidateCyclicObject(t *testing.T) {
	obj := map[string]any{"metadata": map[string]any{"name": "loop"}}
	obj["spec"] = obj
	out, errs := Validate("gateway.networking.k8s.io/v1", "HTTPRoute", obj)
	if out != nil || len(errs) != 1 {
		t.Fatalf("Validate of a cyclic object = %v, %v; want one error and no object", out, errs)
	}
}

// TestCacheReserveForLoad walks more objects than a generation holds, in
// the same order each time, as every compile of a large load does: without
// room for the load nothing is ever found again; with reserve, everything
// is from the second walk on.
func TestCacheReserveForLoad(t *testing.T) {
	const objects = 50
	walk := func(c *resultCache) (hits int) {
		for i := range objects {
			var k cacheKey
			k[0], k[1] = byte(i), byte(i>>8)
			if _, _, _, ok := c.get(k); ok {
				hits++
				continue
			}
			c.put(k, map[string]any{"n": int64(i)}, nil)
		}
		return hits
	}
	for _, tt := range []struct {
		name    string
		reserve bool
		want    int
	}{{"limit below the load", false, 0}, {"reserved for the load", true, objects}} {
		t.Run(tt.name, func(t *testing.T) {
			c := newResultCache(16, 1<<20)
			if tt.reserve {
				c.reserve(objects, 1<<10)
			}
			walk(c)
			if hits := walk(c); hits != tt.want {
				t.Errorf("second walk of %d objects found %d, want %d", objects, hits, tt.want)
			}
			if c.limit < 16 || c.byteLimit < 1<<20 {
				t.Errorf("limits shrank to %d entries, %d bytes", c.limit, c.byteLimit)
			}
		})
	}
}
