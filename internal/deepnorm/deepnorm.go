// Package deepnorm helps tests compare values that went through msgpack.
package deepnorm

import "reflect"

// Copy returns a deep copy of v's exported data in which every empty slice
// or map is nil: msgpack's omitempty turns an empty slice into an absent
// field, which decodes as nil, and whether a slice was ever allocated is
// not data. Unexported fields (indexes, projections) are left zero.
func Copy[T any](v T) T {
	return normCopy(reflect.ValueOf(v)).Interface().(T)
}

func normCopy(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(normCopy(v.Elem()))
			out.Set(p)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out.Field(i).Set(normCopy(v.Field(i)))
			}
		}
	case reflect.Slice:
		if v.Len() > 0 {
			s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(normCopy(v.Index(i)))
			}
			out.Set(s)
		}
	case reflect.Map:
		if v.Len() > 0 {
			m := reflect.MakeMapWithSize(v.Type(), v.Len())
			for it := v.MapRange(); it.Next(); {
				m.SetMapIndex(it.Key(), normCopy(it.Value()))
			}
			out.Set(m)
		}
	default:
		out.Set(v)
	}
	return out
}
