package ingest

import "testing"

func TestStripNUL(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":"x"}`:                      `{"a":"x"}`,
		`{"a":"A\u0000nn","b":"\u0000"}`: `{"a":"Ann","b":""}`,
		`{"a":"\\u0000 is text"}`:        `{"a":"\\u0000 is text"}`,
		`{"a":"\\\u0000\"q\u0000"}`:      `{"a":"\\\"q"}`,
		`{"a\u0000":1,"b":"é\u00e9"}`:    `{"a":1,"b":"é\u00e9"}`,
	} {
		if got := string(stripNUL([]byte(in))); got != want {
			t.Errorf("stripNUL(%s) = %s, want %s", in, got, want)
		}
	}
}
