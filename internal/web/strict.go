package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/apperr"
)

// Strict input (DEVELOPERS.md "Strict input"): what a request carries that
// its struct does not declare is refused rather than dropped, so a client
// that sends a field this Botdeck does not know (`scheduledAt` to a version
// without schedules) learns it instead of getting something else done.
//
//   - JSON bodies, on every route: an unknown member at any depth is a 422
//     unknown_field naming its path ("buttons[0][1].colour"). Members typed
//     as free-form JSON (any, maps, json.RawMessage, types with their own
//     UnmarshalJSON) take any members.
//   - Query strings and form bodies of /api requests: a parameter the struct
//     has no form tag for is a 422 unknown_field. Pages are lenient here: a
//     browser sends whatever the form holds (a submit button's name, an old
//     bookmark's parameters), and a person cannot fix a request they did not
//     write, so unknown page parameters are ignored.
//   - Everywhere, names and values: a NUL character or invalid UTF-8 is a
//     422 invalid_text naming the field (PostgreSQL refuses both in text,
//     and a NUL cuts log lines).

// Messages of the strict-input errors, shared with tests.
const (
	msgUnknownField = "is not a known field"
	msgUnknownParam = "is not a known parameter"
	msgNUL          = "must not contain a NUL character"
	msgBadUTF8      = "must be valid UTF-8 text"
)

func unknownFieldError(fields apperr.FieldErrors) *apperr.Error {
	names := sortedKeys(fields)
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "unknown_field",
		Message: "Unknown field: " + names[0] + ".", Fields: fields}
}

func invalidTextError(fields apperr.FieldErrors) *apperr.Error {
	names := sortedKeys(fields)
	return &apperr.Error{Kind: apperr.KindInvalid, Code: "invalid_text",
		Message: "The field " + names[0] + " " + fields[names[0]] + ".", Fields: fields}
}

func sortedKeys(m apperr.FieldErrors) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// textProblem says what is wrong with s as text, or "".
func textProblem(s string) string {
	switch {
	case !utf8.ValidString(s):
		return msgBadUTF8
	case strings.IndexByte(s, 0) >= 0:
		return msgNUL
	}
	return ""
}

// checkValues checks decoded query or form values: text always, names
// against dst's form tags when strict.
func checkValues(values url.Values, dst any, strict bool, unknownMsg string) error {
	var known map[string]bool
	if strict {
		known = formNames(reflect.TypeOf(dst))
	}
	unknown, bad := apperr.FieldErrors{}, apperr.FieldErrors{}
	for name, vs := range values {
		label := name
		if p := textProblem(name); p != "" {
			label = strconv.QuoteToASCII(name)
			bad[label] = p
			continue
		}
		for _, v := range vs {
			if p := textProblem(v); p != "" {
				bad[label] = p
			}
		}
		if strict && !known[baseName(name)] {
			unknown[label] = unknownMsg
		}
	}
	if len(unknown) > 0 {
		return unknownFieldError(unknown)
	}
	if len(bad) > 0 {
		return invalidTextError(bad)
	}
	return nil
}

// baseName is the top-level name of a form key: "tags[0]" → "tags",
// "trigger.kind" → "trigger".
func baseName(key string) string {
	if i := strings.IndexAny(key, "[."); i > 0 {
		return key[:i]
	}
	return key
}

var formNamesCache sync.Map // reflect.Type → map[string]bool

// formNames is the set of top-level form names dst's struct declares
// (explicit mode: only tagged fields; embedded and ",inline" structs add
// theirs).
func formNames(t reflect.Type) map[string]bool {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return map[string]bool{}
	}
	if m, ok := formNamesCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, hasTag := f.Tag.Lookup("form")
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case name == "-":
		case name == "" && ft.Kind() == reflect.Struct && (f.Anonymous || strings.Contains(opts, "inline")):
			for n := range formNames(ft) {
				m[n] = true
			}
		case hasTag && name != "":
			m[name] = true
		}
	}
	formNamesCache.Store(t, m)
	return m
}

// checkJSON walks a syntactically valid JSON body against dst's type and
// reports unknown members (first) or bad text in names and strings.
func checkJSON(data []byte, dst any) error {
	w := &jsonWalker{dec: json.NewDecoder(bytes.NewReader(data)), data: data,
		unknown: apperr.FieldErrors{}, bad: apperr.FieldErrors{}}
	w.validUTF8 = utf8.Valid(data)
	if err := w.value(reflect.TypeOf(dst), ""); err != nil {
		return nil // not reached for a body that decoded; the decoder's error stands
	}
	if len(w.unknown) > 0 {
		return unknownFieldError(w.unknown)
	}
	if len(w.bad) > 0 {
		return invalidTextError(w.bad)
	}
	return nil
}

type jsonWalker struct {
	dec       *json.Decoder
	data      []byte
	validUTF8 bool
	unknown   apperr.FieldErrors
	bad       apperr.FieldErrors
}

// value reads one value at path; t is the Go type it decodes into, nil
// when any shape is accepted there.
func (w *jsonWalker) value(t reflect.Type, path string) error {
	t = shapeOf(t)
	start := w.dec.InputOffset()
	tok, err := w.dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; w.dec.More(); i++ {
				if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
		} else {
			if err := w.object(t, path); err != nil {
				return err
			}
		}
		_, err = w.dec.Token() // the closing delimiter
		return err
	case string:
		w.text(path, v, start)
	}
	return nil
}

func (w *jsonWalker) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	for w.dec.More() {
		start := w.dec.InputOffset()
		tok, err := w.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		child := key
		if path != "" {
			child = path + "." + key
		}
		if p := w.problem(key, start); p != "" {
			child = strconv.QuoteToASCII(child)
			w.bad[child] = p
		}
		var ct reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				w.unknown[child] = msgUnknownField
			}
			ct = ft
		case t != nil && t.Kind() == reflect.Map:
			ct = t.Elem()
		}
		if err := w.value(ct, child); err != nil {
			return err
		}
	}
	return nil
}

// text records a string value's problem. Invalid UTF-8 is looked for in
// the raw bytes (the decoder has already replaced it).
func (w *jsonWalker) text(path, s string, start int64) {
	if p := w.problem(s, start); p != "" {
		if path == "" {
			path = "body"
		}
		w.bad[path] = p
	}
}

func (w *jsonWalker) problem(s string, start int64) string {
	if !w.validUTF8 && !utf8.Valid(w.data[start:w.dec.InputOffset()]) {
		return msgBadUTF8
	}
	if strings.IndexByte(s, 0) >= 0 {
		return msgNUL
	}
	return ""
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// shapeOf is the type whose members are checked: pointers are followed;
// nil (anything goes) for interfaces and types that decode themselves.
func shapeOf(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface {
		return nil
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		return nil
	}
	return t
}

var jsonFieldsCache sync.Map // reflect.Type → map[string]reflect.Type

// jsonFields maps the JSON member names of struct t to their types, as
// encoding/json sees them (embedded structs promote their fields; "-" is
// not a member).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := jsonFieldsCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			for n, typ := range jsonFields(ft) {
				if _, own := m[n]; !own {
					m[n] = typ
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	jsonFieldsCache.Store(t, m)
	return m
}
