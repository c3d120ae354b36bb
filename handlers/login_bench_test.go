package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/dbtest"
)

// BenchmarkLogin measures POST /api/auth/login through the whole middleware
// chain, in-process, on each dialect, next to the argon2id comparison alone
// (the same parameters as internal/core) measured in the same run: what the
// throttle (an attempt claimed before the check) adds to a sign-in, and
// what a refused (429) guess costs. Run:
//
//	scripts/with-test-postgres.sh go test -run '^$' -bench Login -benchtime 40x ./handlers/
func BenchmarkLogin(b *testing.B) {
	params := &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	hash, err := argon2id.CreateHash(apptest.Password, params)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("baseline/argon2id-compare", func(b *testing.B) {
		for b.Loop() {
			argon2id.ComparePasswordAndHash("wrong password", hash)
		}
	})
	for _, d := range dbtest.Dialects() {
		env := apptest.Start(b, d)
		env.SignUp(b, "bench-login@example.com")
		h := env.App.Handler()
		post := func(email, password, ip string, want int) {
			req := httptest.NewRequest(http.MethodPost, "/api/auth/login",
				strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
			req.Header.Set("Content-Type", "application/json")
			req.RemoteAddr = ip + ":4000"
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != want {
				b.Fatalf("%s: %d %s", email, rec.Code, rec.Body)
			}
		}
		n := 0
		ip := func() string { n++; return fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255) }
		b.Run(string(d)+"/wrong-password", func(b *testing.B) {
			for b.Loop() {
				post("bench-login@example.com", "wrong password", ip(), http.StatusUnauthorized)
			}
		})
		b.Run(string(d)+"/right-password", func(b *testing.B) {
			for b.Loop() {
				post("bench-login@example.com", apptest.Password, ip(), http.StatusOK)
			}
		})
		for range 5 {
			post("bench-login@example.com", "wrong password", "192.0.2.9", http.StatusUnauthorized)
		}
		b.Run(string(d)+"/refused-429", func(b *testing.B) {
			for b.Loop() {
				post("bench-login@example.com", "wrong password", "192.0.2.9", http.StatusTooManyRequests)
			}
		})
	}
}
