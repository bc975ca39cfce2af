package ingress

import (
	"encoding"
	"reflect"
	"sync/atomic"
	"time"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Direct decoding. The converter writes JSON text that encoding/json then
// decodes into the API type; that second step was two thirds of the cost
// of decoding an object once the YAML was parsed. For the values whose
// JSON decoding is plain (structs without embedded pointers, string-keyed
// maps, slices, strings, booleans, integers, int-or-strings, timestamps)
// the converter also stores each value in the object as it writes its
// JSON, the way encoding/json would store it: fresh maps and slices
// (empty, not nil, when the YAML has none), pointers allocated for every
// value that is not null, null leaving the zero value. Anything else
// (micro-timestamps, quantities, bytes, floats, free-form values, types
// with their own JSON form, integers out of range) turns direct decoding
// off for the object, which is then decoded from its JSON text by
// encoding/json, as are objects with problems: encoding/json stays the
// reference, and its errors are the ones reported.
//
// Strings are copied, as encoding/json copies them: a parser may hand out
// strings that share the memory of the whole input, which an object kept
// for the life of a Mux must not hold on to. They are copied into the
// chunks of the input's decodeArena, as are the values pointer fields
// point to.

// jsonOnly turns direct decoding off, for the tests that check it against
// encoding/json.
var jsonOnly atomic.Bool

// viaJSON records that the value at v needs encoding/json.
func (c *converter) viaJSON(v reflect.Value) {
	if v.IsValid() {
		c.direct = false
	}
}

// pointee allocates the pointer v points to, as encoding/json does for a
// value that is not null, and returns the value it points to.
func (c *converter) pointee(v reflect.Value) reflect.Value {
	if !v.IsValid() || !c.direct {
		return reflect.Value{}
	}
	if v.IsNil() {
		v.Set(c.arena.newValue(v.Type().Elem()))
	}
	return v.Elem()
}

// setString stores a copy of s. encoding/json gives back the very string
// only when it is valid UTF-8 (it replaces invalid bytes).
func (c *converter) setString(v reflect.Value, s string) {
	if !v.IsValid() || !c.direct {
		return
	}
	if !utf8.ValidString(s) {
		c.direct = false
		return
	}
	v.SetString(c.arena.clone(s))
}

// setIntOrString stores x, as intstr.IntOrString's own decoder would.
func (c *converter) setIntOrString(v reflect.Value, x intstr.IntOrString) {
	if !v.IsValid() || !c.direct {
		return
	}
	if x.Type == intstr.String && !utf8.ValidString(x.StrVal) {
		c.direct = false
		return
	}
	x.StrVal = c.arena.clone(x.StrVal)
	v.Set(reflect.ValueOf(x))
}

// setTime stores the timestamp s in a metav1.Time as its own decoder
// does: parsed as RFC 3339, in local time. Anything else (a MicroTime, a
// string its decoder rejects) is left to encoding/json.
func (c *converter) setTime(v reflect.Value, t reflect.Type, s string) {
	if !v.IsValid() || !c.direct {
		return
	}
	parsed, err := time.Parse(time.RFC3339, s)
	if t != timeType || err != nil {
		c.direct = false
		return
	}
	v.Set(reflect.ValueOf(metav1.Time{Time: parsed.Local()}))
}

// setUint stores u; encoding/json rejects a value the type cannot hold.
func (c *converter) setUint(v reflect.Value, u uint64) {
	if !v.IsValid() || !c.direct {
		return
	}
	if v.OverflowUint(u) {
		c.direct = false
		return
	}
	v.SetUint(u)
}

// directStruct returns v, the struct of plan p, for storing its fields;
// the zero Value when nothing is stored, as when encoding/json may store
// some field of the type elsewhere than its index says.
func (c *converter) directStruct(p *typePlan, v reflect.Value) reflect.Value {
	if !v.IsValid() || !c.direct {
		return reflect.Value{}
	}
	if !p.direct {
		c.direct = false
		return reflect.Value{}
	}
	return v
}

// field returns the field f of the struct v.
func (c *converter) field(v reflect.Value, f *fieldPlan) reflect.Value {
	if !v.IsValid() || !c.direct {
		return reflect.Value{}
	}
	fv := v.FieldByIndex(f.index)
	if !fv.CanSet() {
		c.direct = false
		return reflect.Value{}
	}
	return fv
}

// directMap makes the map v of type t, with room for n members, as
// encoding/json does for an object, when its keys are plain strings.
func (c *converter) directMap(t reflect.Type, v reflect.Value, n int) reflect.Value {
	if !v.IsValid() || !c.direct {
		return reflect.Value{}
	}
	if k := t.Key(); k.Kind() != reflect.String || reflect.PointerTo(k).Implements(textUnmarshalerType) {
		c.direct = false
		return reflect.Value{}
	}
	if v.IsNil() {
		v.Set(reflect.MakeMapWithSize(t, n))
	}
	return v
}

// mapElem returns elem, the zero element a map's member is stored in
// before it is copied into the map, while values are stored.
func (c *converter) mapElem(elem reflect.Value) reflect.Value {
	if !c.direct {
		return reflect.Value{}
	}
	return elem
}

// setMapIndex stores elem under a copy of k in the map v, through key (a
// settable value of the key type), and makes elem zero again for the next
// member: the map holds a copy of it.
func (c *converter) setMapIndex(v, key reflect.Value, k string, elem reflect.Value) {
	if !v.IsValid() || !c.direct {
		return
	}
	if !utf8.ValidString(k) {
		c.direct = false
		return
	}
	key.SetString(c.arena.clone(k))
	v.SetMapIndex(key, elem)
	elem.SetZero()
}

// directSlice makes the slice v of type t with n items, as encoding/json
// does for a list (empty, not nil, for none).
func (c *converter) directSlice(t reflect.Type, v reflect.Value, n int) reflect.Value {
	if !v.IsValid() || !c.direct {
		return reflect.Value{}
	}
	if t.Kind() != reflect.Slice {
		c.direct = false
		return reflect.Value{}
	}
	if n == 0 {
		v.Set(reflect.MakeSlice(t, 0, 0))
		return v
	}
	// Grown in place: reflect.MakeSlice would allocate a slice header
	// besides the array.
	v.Grow(n)
	v.SetLen(n)
	return v
}

var textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
