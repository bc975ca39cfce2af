package ingress

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// A typePlan is what the converter needs to know of one Go type, worked
// out once per type: whether it has its own JSON form, and for a struct
// its JSON fields, each with the plan of its own type. The converter
// walks plans from the object's type down, so a node costs no look-up in
// a cache shared by every goroutine (three sync.Map look-ups per node were
// a seventh of the converter's time).
type typePlan struct {
	t   reflect.Type
	own bool // *t implements json.Unmarshaler: its decoder judges the value

	// For a struct: its JSON fields (flattened as encoding/json does),
	// their types (for the messages of unknown fields), and whether
	// encoding/json stores every field where its index says (see
	// directStruct).
	fields map[string]*fieldPlan
	types  map[string]reflect.Type
	direct bool

	elem atomic.Pointer[typePlan] // the plan of t.Elem(), made on first use
}

// fieldPlan is one JSON field of a struct.
type fieldPlan struct {
	index []int // the reflect index of the field, for storing it directly
	t     reflect.Type
	plan  atomic.Pointer[typePlan] // the plan of t, made on first use
}

// planOf returns the plan of t. Plans of the types a plan leads to are
// made when first needed, so recursive types are fine.
func planOf(t reflect.Type) *typePlan {
	if cached, ok := planCache.Load(t); ok {
		return cached.(*typePlan)
	}
	p := &typePlan{t: t, own: reflect.PointerTo(t).Implements(unmarshalerType)}
	if t.Kind() == reflect.Struct {
		p.types = make(map[string]reflect.Type)
		index := make(map[string][]int)
		p.direct = addJSONFields(t, nil, p.types, index)
		p.fields = make(map[string]*fieldPlan, len(p.types))
		for name, ft := range p.types {
			p.fields[name] = &fieldPlan{index: index[name], t: ft}
		}
	}
	cached, _ := planCache.LoadOrStore(t, p)
	return cached.(*typePlan)
}

var planCache sync.Map // reflect.Type → *typePlan

// elemPlan returns the plan of the type a pointer, slice, array or map
// type holds.
func (p *typePlan) elemPlan() *typePlan {
	if e := p.elem.Load(); e != nil {
		return e
	}
	e := planOf(p.t.Elem())
	p.elem.Store(e)
	return e
}

// typePlan returns the plan of the field's type.
func (f *fieldPlan) typePlan() *typePlan {
	if e := f.plan.Load(); e != nil {
		return e
	}
	e := planOf(f.t)
	f.plan.Store(e)
	return e
}
