package ingress

import "iter"

// refSet holds the keys of the Ingresses that may read one object (see
// Tracker.refIngs). Most objects have one reader, such as a Service
// behind one Ingress: the set is then one string, and a map only from
// the second reader on, which spares a Tracker a map per object.
type refSet struct {
	one  string          // the only key, when many is nil
	many map[string]bool // every key, once there were two
}

func (s *refSet) add(key string) {
	switch {
	case s.many != nil:
		s.many[key] = true
	case s.one == "" || s.one == key:
		s.one = key
	default:
		s.many = map[string]bool{s.one: true, key: true}
		s.one = ""
	}
}

func (s *refSet) remove(key string) {
	if s.many != nil {
		delete(s.many, key)
	} else if s.one == key {
		s.one = ""
	}
}

func (s *refSet) empty() bool { return s.one == "" && len(s.many) == 0 }

// all yields every key; s may be nil.
func (s *refSet) all() iter.Seq[string] {
	return func(yield func(string) bool) {
		switch {
		case s == nil:
		case s.many != nil:
			for key := range s.many {
				if !yield(key) {
					return
				}
			}
		case s.one != "":
			yield(s.one)
		}
	}
}
