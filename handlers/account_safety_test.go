package handlers_test

import (
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
)

// Parallel wrong passwords for one email stop at the limit (5): the attempt
// is counted before the password is checked, in one statement, so 20
// requests in flight at once cannot all be checked against a count of 0.
func TestParallelWrongLoginsStopAtLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "race-target@example.com")
		const n = 20
		statuses := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				c := env.Client()
				<-start
				statuses <- c.Post(t, "/api/auth/login", map[string]string{"email": "race-target@example.com", "password": "guess guess"}).StatusCode
			})
		}
		close(start)
		wg.Wait()
		close(statuses)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != n-5 {
			t.Fatalf("want 5 checked guesses (401) and %d refused (429), got %v", n-5, counts)
		}
	})
}

// Behind a proxy (the test server's peer, 127.0.0.1, is in the default
// trusted ranges) a client that writes its own X-Forwarded-For entries
// cannot pick the address it is throttled under: the proxy's entry, the
// right-most, is the one that counts.
func TestSpoofedForwardedForDoesNotEscapeThrottle(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "xff-target@example.com")
		c := env.Client()
		var last *apptest.Response
		for i := range 6 {
			spoofed := "10.9.9." + string(rune('1'+i)) + ", 203.0.113." + string(rune('1'+i))
			last = c.Post(t, "/api/auth/login", map[string]string{"email": "xff-target@example.com", "password": "guess guess"},
				"X-Forwarded-For", spoofed+", 198.51.100.4")
		}
		last.Expect(t, http.StatusTooManyRequests)
		// Another real client (another right-most address) is not locked out.
		c.Post(t, "/api/auth/login", map[string]string{"email": "xff-target@example.com", "password": apptest.Password},
			"X-Forwarded-For", "198.51.100.5").Expect(t, http.StatusOK)
	}, apptest.Config(func(c *config.Config) { c.TrustProxyHeaders = true }))
}

// Sign-up still says 409 email_taken, but one address can ask about at most
// five registered emails per window: then 429, even for a free email.
func TestSignupProbingIsThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "known@example.com")
		c := env.Client()
		for range 5 {
			c.Post(t, "/api/auth/signup", map[string]string{"email": "known@example.com", "password": "long enough"}).Expect(t, http.StatusConflict)
		}
		res := c.Post(t, "/api/auth/signup", map[string]string{"email": "known@example.com", "password": "long enough"}).Expect(t, http.StatusTooManyRequests)
		if res.Header.Get("Retry-After") == "" {
			t.Fatal("429 needs Retry-After")
		}
		c.Post(t, "/api/auth/signup", map[string]string{"email": "free@example.com", "password": "long enough"}).Expect(t, http.StatusTooManyRequests)
	})
}

// Successful sign-ups give their attempt back: an office signing up many
// people from one address is not throttled.
func TestSuccessfulSignupsAreNotThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		for i := range 8 {
			env.Client().Post(t, "/api/auth/signup", map[string]string{"email": "person" + string(rune('a'+i)) + "@example.com", "password": "long enough"}).Expect(t, http.StatusCreated)
		}
	})
}

// API keys are not sessions: signing out everywhere or changing the password
// leaves them working unless revokeApiKeys is asked for; the list shows each
// key's last use so a forgotten key can be found.
func TestLogoutAllAndPasswordChangeCanRevokeAPIKeys(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "keys@example.com")
		key := c.NewAPIKey(t, "ci")
		integrator := env.Client().WithAPIKey(key)
		integrator.Get(t, "/api/me").Expect(t, http.StatusOK)
		keys := c.Get(t, "/api/api-keys").Expect(t, http.StatusOK).List(t)
		if len(keys) != 1 || keys[0].(map[string]any)["lastUsedAt"] == nil {
			t.Fatalf("the key's last use must be listed: %v", keys)
		}

		res := c.Post(t, "/api/auth/logout-all", nil).Expect(t, http.StatusOK).Data(t)
		if res["apiKeysRevoked"].(float64) != 0 {
			t.Fatalf("no keys asked to be revoked: %v", res)
		}
		integrator.Get(t, "/api/me").Expect(t, http.StatusOK)

		c = env.Client()
		c.Post(t, "/api/auth/login", map[string]string{"email": "keys@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		res = c.Post(t, "/api/auth/logout-all", map[string]any{"revokeApiKeys": true}).Expect(t, http.StatusOK).Data(t)
		if res["apiKeysRevoked"].(float64) != 1 {
			t.Fatalf("apiKeysRevoked = %v", res)
		}
		integrator.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)

		// The password change form offers the same.
		c = env.Client()
		c.Post(t, "/api/auth/login", map[string]string{"email": "keys@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		key = c.NewAPIKey(t, "ci again")
		integrator = env.Client().WithAPIKey(key)
		c.Post(t, "/account/password", url.Values{"current": {apptest.Password}, "new": {"another long one"}, "revokeApiKeys": {"true"}}).Expect(t, http.StatusSeeOther)
		integrator.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		c.Get(t, "/api/me").Expect(t, http.StatusOK)
	})
}

// Two instances on one database share the count: 20 parallel guesses split
// between them still stop at 5.
func TestParallelWrongLoginsStopAtLimitAcrossInstances(t *testing.T) {
	apptest.Each(t, func(t *testing.T, a *apptest.Env) {
		b := apptest.Start(t, a.Dialect, apptest.Config(func(c *config.Config) { c.DatabaseURL = a.App.Config.DatabaseURL }))
		a.SignUp(t, "twin-target@example.com")
		const n = 20
		statuses := make(chan int, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			env := a
			if i%2 == 1 {
				env = b
			}
			wg.Go(func() {
				c := env.Client()
				<-start
				statuses <- c.Post(t, "/api/auth/login", map[string]string{"email": "twin-target@example.com", "password": "guess guess"}).StatusCode
			})
		}
		close(start)
		wg.Wait()
		close(statuses)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != n-5 {
			t.Fatalf("want 5 checked guesses (401) and %d refused (429) across two instances, got %v", n-5, counts)
		}
	})
}
