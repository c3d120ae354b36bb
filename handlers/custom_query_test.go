package handlers

import (
	"net/url"
	"testing"
)

// firstValues must read a query string exactly as url.ParseQuery does,
// keeping the first value of each key.
func TestCustomQueryFirstValues(t *testing.T) {
	for _, raw := range []string{
		"", "n=1", "a=1&a=2", "a&b=", "=x", "a=%zz&a=2", "a=1;b=2&c=3", "&&a=1&", "a%20b=c+d%21",
		"%zz=1&k=v", "a=1&a=%zz", "x=%E2%82%AC&y=&x=2", "a==b",
	} {
		want := map[string]string{}
		values, _ := url.ParseQuery(raw)
		for k, v := range values {
			want[k] = v[0]
		}
		got := firstValues(raw)
		if len(got) != len(want) {
			t.Errorf("%q: got %v, want %v", raw, got, want)
			continue
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%q: got %v, want %v", raw, got, want)
			}
		}
	}
}
