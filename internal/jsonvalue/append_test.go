package jsonvalue

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// reference is what encoding/json writes, HTML escaping off.
func reference(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json refuses %#v: %v", v, err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func check(t testing.TB, v any) {
	t.Helper()
	got, ok := Append([]byte("prefix:"), v)
	if !ok {
		t.Fatalf("Append refused %#v", v)
	}
	if want := "prefix:" + reference(t, v); string(got) != want {
		t.Fatalf("Append(%#v)\n got %s\nwant %s", v, got, want)
	}
}

var strs = []string{"", "plain", `quote " and \ backslash`, "\b\f\n\r\t", "\x00\x01\x1f\x7f", "<script>&amp;</script>",
	"é ü 日本語 🎉", "\u2028\u2029", "bad \xff utf-8 \xc3", "\xed\xa0\x80 surrogate", "trailing \xe2\x82", "a\u00a0b",
	strings.Repeat("x", 5000)}

var floats = []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 1.5, 100, 1e20, 1e21, 1e-6, 1e-7, 123456789012345680000,
	5e-324, math.MaxFloat64, -math.MaxFloat64, 1.7976931348623157e308, 3.14159, 2e-9, -2.5e-10, 1 << 53, 9007199254740993}

func TestAppendWritesWhatEncodingJSONWrites(t *testing.T) {
	for _, s := range strs {
		check(t, s)
	}
	for _, f := range floats {
		check(t, f)
	}
	check(t, nil)
	check(t, true)
	check(t, false)
	check(t, []any{})
	check(t, map[string]any{})
	check(t, map[string]any{"b": 1.0, "a": []any{nil, "x", map[string]any{"z": false, "\u2028": "k"}}, "": "empty", "é": "e"})
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		check(t, randomValue(r, 0))
	}
}

func randomValue(r *rand.Rand, depth int) any {
	kind := r.IntN(7)
	if depth > 4 {
		kind = r.IntN(4)
	}
	switch kind {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		if r.IntN(2) == 0 {
			return floats[r.IntN(len(floats))]
		}
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(60)-30))
	case 3:
		return randomString(r)
	case 4, 5:
		m := map[string]any{}
		for range r.IntN(12) {
			m[randomString(r)] = randomValue(r, depth+1)
		}
		return m
	default:
		a := make([]any, r.IntN(6))
		for i := range a {
			a[i] = randomValue(r, depth+1)
		}
		return a
	}
}

func randomString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return strs[r.IntN(len(strs)-1)]
	}
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

// What encoding/json refuses or cannot be written here is left to it.
func TestAppendRefusesWhatItCannotWrite(t *testing.T) {
	deep := []any{}
	for range maxDepth + 5 {
		deep = []any{deep}
	}
	for _, v := range []any{math.NaN(), math.Inf(1), []any{1.0, math.Inf(-1)}, map[string]any{"a": struct{}{}}, 3, int64(1), deep} {
		got, ok := Append([]byte("keep"), v)
		if ok || string(got) != "keep" {
			t.Errorf("Append(%T) = %q, %v; want it refused with dst untouched", v, got, ok)
		}
	}
	self := map[string]any{}
	self["self"] = self
	if _, ok := Append(nil, self); ok {
		t.Error("a map that contains itself must be refused, not loop")
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range strs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		check(t, s)
		check(t, map[string]any{s: s})
	})
}

func BenchmarkAppend(b *testing.B) {
	v := map[string]any{"pong": "1", "items": []any{1.0, 2.5, "three", map[string]any{"ok": true}}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = Append(buf[:0], v)
	}
}
