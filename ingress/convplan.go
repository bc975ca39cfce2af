package ingress

import (
	"math/bits"
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

	// For a struct: its JSON fields (flattened as encoding/json does) in
	// slots, an open-addressing table by keyHash, half empty (faster than
	// a map); their types by name, for the messages of unknown fields; and
	// whether encoding/json stores every field where its index says (see
	// directStruct).
	types  map[string]reflect.Type
	direct bool
	slots  []*fieldPlan

	elem atomic.Pointer[typePlan] // the plan of t.Elem(), made on first use
}

// fieldPlan is one JSON field of a struct.
type fieldPlan struct {
	name  string
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
		p.slots = make([]*fieldPlan, 2<<bits.Len(uint(len(p.types))))
		for name, ft := range p.types {
			f := &fieldPlan{name: name, index: index[name], t: ft}
			i := keyHash(name) % uint(len(p.slots))
			for p.slots[i] != nil {
				i = (i + 1) % uint(len(p.slots))
			}
			p.slots[i] = f
		}
	}
	cached, _ := planCache.LoadOrStore(t, p)
	return cached.(*typePlan)
}

var planCache sync.Map // reflect.Type → *typePlan

// field returns the field named key; nil when the struct has none.
func (p *typePlan) field(key string) *fieldPlan {
	if len(p.slots) == 0 {
		return nil
	}
	for i := keyHash(key) % uint(len(p.slots)); ; i = (i + 1) % uint(len(p.slots)) {
		f := p.slots[i]
		if f == nil || f.name == key {
			return f
		}
	}
}

// keyHash is a hash of a key's length and end bytes: cheap, and enough
// to tell apart the keys of manifests (the fields of API types, the keys
// the fast parser interns).
func keyHash(key string) uint {
	if key == "" {
		return 0
	}
	return uint(len(key))*31 + uint(key[0])*7 + uint(key[len(key)-1])
}

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
