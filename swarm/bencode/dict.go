package bencode

import (
	"errors"
	"fmt"
)

// Errors returned by the typed getters of [Dict].
var (
	// ErrMissingKey is returned when a required key is absent.
	ErrMissingKey = errors.New("bencode: missing key")
	// ErrWrongType is returned when a value has another kind than asked.
	ErrWrongType = errors.New("bencode: wrong type")
)

// Dict is a decoded dictionary with typed getters, for reading documents
// such as metainfo files and tracker responses field by field.
type Dict map[string]any

// AsDict returns v as a Dict, or ErrWrongType if it is not a dictionary.
func AsDict(v any) (Dict, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: want dictionary, got %s", ErrWrongType, kind(v))
	}
	return Dict(m), nil
}

// Has reports whether key is present.
func (d Dict) Has(key string) bool {
	_, ok := d[key]
	return ok
}

// Int returns the integer under key.
func (d Dict) Int(key string) (int64, error) { return get[int64](d, key, "integer") }

// String returns the byte string under key.
func (d Dict) String(key string) (string, error) { return get[string](d, key, "string") }

// List returns the list under key.
func (d Dict) List(key string) ([]any, error) { return get[[]any](d, key, "list") }

// Dict returns the dictionary under key.
func (d Dict) Dict(key string) (Dict, error) {
	m, err := get[map[string]any](d, key, "dictionary")
	return Dict(m), err
}

func get[T any](d Dict, key, want string) (T, error) {
	var zero T
	v, ok := d[key]
	if !ok {
		return zero, fmt.Errorf("%w: %q", ErrMissingKey, key)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%w: %q: want %s, got %s", ErrWrongType, key, want, kind(v))
	}
	return t, nil
}

func kind(v any) string {
	switch v.(type) {
	case int64:
		return "integer"
	case string:
		return "string"
	case []any:
		return "list"
	case map[string]any:
		return "dictionary"
	}
	return fmt.Sprintf("%T", v)
}
