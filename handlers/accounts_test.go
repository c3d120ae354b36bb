package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
)

func TestSignupAndMe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		res := c.Post(t, "/api/auth/signup", map[string]string{"email": " Ann@Example.COM ", "password": "long enough", "name": "Ann"}).Expect(t, http.StatusCreated)
		d := res.Data(t)
		if d["email"] != "ann@example.com" || d["name"] != "Ann" || !strings.HasPrefix(d["id"].(string), "usr_") {
			t.Fatalf("unexpected user: %v", d)
		}
		if _, leaked := d["passwordHash"]; leaked {
			t.Fatal("password hash leaked")
		}
		cookie := sessionCookie(t, res)
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
			t.Fatalf("session cookie must be HttpOnly and SameSite=Lax: %+v", cookie)
		}
		me := c.Get(t, "/api/me").Expect(t, http.StatusOK).Data(t)
		if me["id"] != d["id"] {
			t.Fatalf("me = %v", me)
		}
	})
}

func TestSignupRejectsBadInput(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		res := c.Post(t, "/api/auth/signup", map[string]string{"email": "not-an-email", "password": "short"}).Expect(t, http.StatusUnprocessableEntity)
		f := res.Fields(t)
		if f["email"] == nil || f["password"] == nil {
			t.Fatalf("want field errors for email and password, got %v", f)
		}
		c.Post(t, "/api/auth/signup", `{"email":`, "Content-Type", "application/json").Expect(t, http.StatusBadRequest)
		c.Post(t, "/api/auth/signup", `email=a@b.c`, "Content-Type", "text/plain").Expect(t, http.StatusUnsupportedMediaType)
		huge := `{"email":"a@b.c","password":"` + strings.Repeat("x", 2<<20) + `"}`
		c.Post(t, "/api/auth/signup", huge, "Content-Type", "application/json").Expect(t, http.StatusRequestEntityTooLarge)
		c.Post(t, "/api/auth/signup", `{"email": 5}`, "Content-Type", "application/json").Expect(t, http.StatusBadRequest)

		env.SignUp(t, "dup@example.com")
		res = c.Post(t, "/api/auth/signup", map[string]string{"email": "DUP@example.com", "password": "long enough"}).Expect(t, http.StatusConflict)
		if res.ErrorCode(t) != "email_taken" {
			t.Fatalf("code = %s", res.ErrorCode(t))
		}
		// Nothing was created by the failures: the only account is dup@.
		c.Post(t, "/api/auth/login", map[string]string{"email": "a@b.c", "password": strings.Repeat("x", 10)}).Expect(t, http.StatusUnauthorized)
	})
}

func TestSignupFormKeepsInputAndShowsErrors(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		res := c.Post(t, "/signup", url.Values{"email": {"broken@"}, "name": {"Zoë Typed"}, "password": {"123"}}).Expect(t, http.StatusUnprocessableEntity)
		body := res.Text()
		for _, want := range []string{`value="broken@"`, `value="Zoë Typed"`, "must be a valid email address", "must be at least 8 characters", `aria-invalid="true"`} {
			if !strings.Contains(body, want) {
				t.Errorf("re-rendered form lacks %q", want)
			}
		}
		// Each error is said once, beside its field: no banner repeating it,
		// and the error takes the place of the hint stating the same rule.
		if strings.Contains(body, "Some fields need attention") || strings.Contains(body, `role="alert"`) || strings.Contains(body, "At least 8 characters.") {
			t.Errorf("an error is repeated: %s", body)
		}
		if n := strings.Count(body, "must be at least 8 characters"); n != 1 {
			t.Errorf("the password error appears %d times", n)
		}
		if strings.Contains(body, `value="123"`) {
			t.Error("the password must not be echoed back")
		}
	})
}

func TestSignupClosed(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		res := env.Client().Post(t, "/api/auth/signup", map[string]string{"email": "a@b.co", "password": "long enough"}).Expect(t, http.StatusForbidden)
		if res.ErrorCode(t) != "signup_closed" {
			t.Fatalf("code = %s", res.ErrorCode(t))
		}
	}, apptest.Config(func(c *config.Config) { c.Signup = "closed" }))
}

func TestLoginRotatesSessionAndRejectsWrongPassword(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		first := sessionCookie(t, env.Client().Post(t, "/api/auth/signup", map[string]string{"email": "bo@example.com", "password": apptest.Password}).Expect(t, http.StatusCreated))

		c := env.Client()
		res := c.Post(t, "/api/auth/login", map[string]string{"email": "bo@example.com", "password": "wrong password"}).Expect(t, http.StatusUnauthorized)
		if res.ErrorCode(t) != "invalid_credentials" {
			t.Fatalf("code = %s", res.ErrorCode(t))
		}
		c.Post(t, "/api/auth/login", map[string]string{"email": "nobody@example.com", "password": "whatever1"}).Expect(t, http.StatusUnauthorized)
		res = c.Post(t, "/api/auth/login", map[string]string{"email": "BO@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		second := sessionCookie(t, res)
		if second.Value == first.Value {
			t.Fatal("sign-in must issue a new session id")
		}
		c.Get(t, "/api/me").Expect(t, http.StatusOK)

		// The HTML form shows the error and keeps the email.
		page := env.Client().Post(t, "/login", url.Values{"email": {"bo@example.com"}, "password": {"nope nope"}}).Expect(t, http.StatusUnauthorized).Text()
		if !strings.Contains(page, "Email or password is wrong") || !strings.Contains(page, `value="bo@example.com"`) {
			t.Fatal("login page must show the error and keep the email")
		}
	})
}

func TestLoginIsThrottledAfterRepeatedFailures(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "eve-target@example.com")
		c := env.Client()
		var last *apptest.Response
		for range 10 {
			last = c.Post(t, "/api/auth/login", map[string]string{"email": "eve-target@example.com", "password": "guess guess"})
		}
		last.Expect(t, http.StatusTooManyRequests)
		if last.Header.Get("Retry-After") == "" || last.ErrorCode(t) != "rate_limited" {
			t.Fatalf("429 needs Retry-After and rate_limited: %v %s", last.Header, last.Body)
		}
		// Even the right password is refused while throttled.
		c.Post(t, "/api/auth/login", map[string]string{"email": "eve-target@example.com", "password": apptest.Password}).Expect(t, http.StatusTooManyRequests)
	})
}

func TestLogoutAndLogoutEverywhere(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		laptop := env.SignUp(t, "multi@example.com")
		phone := env.Client()
		phone.Post(t, "/api/auth/login", map[string]string{"email": "multi@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		tablet := env.Client()
		tablet.Post(t, "/api/auth/login", map[string]string{"email": "multi@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)

		phone.Post(t, "/api/auth/logout", nil).Expect(t, http.StatusOK)
		phone.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		laptop.Get(t, "/api/me").Expect(t, http.StatusOK)

		res := laptop.Post(t, "/api/auth/logout-all", nil).Expect(t, http.StatusOK)
		if n := res.Data(t)["sessionsEnded"].(float64); n != 2 {
			t.Fatalf("sessionsEnded = %v, want 2 (laptop and tablet)", n)
		}
		laptop.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		tablet.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		// Signing out everywhere needs someone signed in.
		laptop.Post(t, "/api/auth/logout-all", nil).Expect(t, http.StatusUnauthorized)
	})
}

func TestProfileAndPasswordChange(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "pat@example.com")
		other := env.Client()
		other.Post(t, "/api/auth/login", map[string]string{"email": "pat@example.com", "password": apptest.Password}).Expect(t, http.StatusOK)
		env.SignUp(t, "taken@example.com")

		d := c.Patch(t, "/api/me", map[string]string{"name": "Pat Q"}).Expect(t, http.StatusOK).Data(t)
		if d["name"] != "Pat Q" || d["email"] != "pat@example.com" {
			t.Fatalf("patch name: %v", d)
		}
		c.Patch(t, "/api/me", map[string]string{"email": "taken@example.com"}).Expect(t, http.StatusConflict)
		c.Patch(t, "/api/me", map[string]string{"email": "nope"}).Expect(t, http.StatusUnprocessableEntity)

		res := c.Post(t, "/api/me/password", map[string]string{"current": "wrong one", "new": "brand new password"}).Expect(t, http.StatusUnprocessableEntity)
		if res.Fields(t)["current"] == nil {
			t.Fatalf("want a field error on current: %s", res.Body)
		}
		c.Post(t, "/api/me/password", map[string]string{"current": apptest.Password, "new": "short"}).Expect(t, http.StatusUnprocessableEntity)
		c.Post(t, "/api/me/password", map[string]string{"current": apptest.Password, "new": "brand new password"}).Expect(t, http.StatusOK)
		c.Get(t, "/api/me").Expect(t, http.StatusOK)
		other.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		env.Client().Post(t, "/api/auth/login", map[string]string{"email": "pat@example.com", "password": "brand new password"}).Expect(t, http.StatusOK)
	})
}

func TestAPIKeys(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "keys@example.com")
		c.Post(t, "/api/api-keys", map[string]string{"name": ""}).Expect(t, http.StatusUnprocessableEntity)
		created := c.Post(t, "/api/api-keys", map[string]string{"name": "CRM sync"}).Expect(t, http.StatusCreated).Data(t)
		key := created["key"].(string)
		if !strings.HasPrefix(key, created["prefix"].(string)) {
			t.Fatalf("prefix %v is not the start of the key", created["prefix"])
		}

		list := c.Get(t, "/api/api-keys").Expect(t, http.StatusOK).List(t)
		if len(list) != 1 || strings.Contains(c.Get(t, "/api/api-keys").Text(), key) {
			t.Fatalf("list must hold one key without its secret: %v", list)
		}

		bearer := env.Client().WithAPIKey(key)
		if bearer.Get(t, "/api/me").Expect(t, http.StatusOK).Data(t)["email"] != "keys@example.com" {
			t.Fatal("bearer key authenticates as the wrong user")
		}
		env.Client().Get(t, "/api/me", "X-API-Key", key).Expect(t, http.StatusOK)
		env.Client().Get(t, "/api/me", "X-API-Key", key+"x").Expect(t, http.StatusUnauthorized)
		env.Client().Get(t, "/api/me", "Authorization", "Basic abc").Expect(t, http.StatusUnauthorized)
		// A bad key is refused even next to a valid session cookie.
		c.Get(t, "/api/me", "X-API-Key", "bdk_wrong").Expect(t, http.StatusUnauthorized)

		id := created["id"].(string)
		c.Delete(t, "/api/api-keys/"+id).Expect(t, http.StatusOK)
		bearer.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		c.Delete(t, "/api/api-keys/"+id).Expect(t, http.StatusNotFound)
	})
}

func TestAnotherAccountCannotTouchMyData(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		alice := env.SignUp(t, "alice@example.com")
		aliceKey := alice.NewAPIKey(t, "alice's")
		aliceKeyID := alice.Get(t, "/api/api-keys").List(t)[0].(map[string]any)["id"].(string)

		mallory := env.SignUp(t, "mallory@example.com")
		malloryKey := env.Client().WithAPIKey(mallory.NewAPIKey(t, "m"))
		mallory.Post(t, "/account/api-keys/"+aliceKeyID+"/revoke", url.Values{}).Expect(t, http.StatusNotFound)
		for _, c := range []*apptest.Client{mallory, malloryKey} {
			c.Delete(t, "/api/api-keys/"+aliceKeyID).Expect(t, http.StatusNotFound)
			if len(c.Get(t, "/api/api-keys").List(t)) != 1 {
				t.Fatal("mallory sees keys that are not hers")
			}
			if c.Get(t, "/api/me").Data(t)["email"] != "mallory@example.com" {
				t.Fatal("mallory reads someone else's profile")
			}
		}
		env.Client().WithAPIKey(aliceKey).Get(t, "/api/me").Expect(t, http.StatusOK)
	})
}

func TestCrossSiteFormPostIsRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "csrf@example.com")
		res := c.Post(t, "/logout-all", url.Values{}, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").Expect(t, http.StatusForbidden)
		if !strings.Contains(res.Text(), "another site") {
			t.Fatal("the refusal should say why")
		}
		c.Post(t, "/api/auth/logout-all", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").Expect(t, http.StatusForbidden)
		c.Get(t, "/api/me").Expect(t, http.StatusOK) // still signed in: nothing changed
		c.Post(t, "/logout", url.Values{}, "Sec-Fetch-Site", "same-origin").Expect(t, http.StatusSeeOther)
	})
}

func TestPagesRequireSignIn(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		res := c.Get(t, "/account").Expect(t, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/login?next=%2Faccount" {
			t.Fatalf("Location = %q", loc)
		}
		if loc := c.Get(t, "/").Expect(t, http.StatusSeeOther).Header.Get("Location"); loc != "/signup" {
			t.Fatalf("a fresh install sends visitors to sign-up, got %q", loc)
		}
		env.SignUp(t, "someone@example.com")
		if loc := env.Client().Get(t, "/").Header.Get("Location"); loc != "/login" {
			t.Fatalf("with accounts, visitors go to sign-in, got %q", loc)
		}
		c.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		// The sign-in form never redirects off-site.
		signedIn := env.SignUp(t, "next@example.com")
		for _, next := range []string{"//evil.example", "https://evil.example/x", "/\\evil.example"} {
			if loc := signedIn.Get(t, "/login?next="+url.QueryEscape(next)).Header.Get("Location"); loc != "/" {
				t.Errorf("next=%q redirected to %q", next, loc)
			}
		}
	})
}

func TestSessionIdleExpiry(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "idle@example.com")
		c.Get(t, "/api/me").Expect(t, http.StatusOK)
		time.Sleep(1100 * time.Millisecond)
		c.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
	}, apptest.Config(func(c *config.Config) { c.SessionIdle = time.Second; c.SessionAbsolute = time.Hour }))
}

func TestAPIRateLimit(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "limit@example.com")
		key := env.Client().WithAPIKey(c.NewAPIKey(t, "k"))
		var last *apptest.Response
		for i := range 4 {
			last = key.Get(t, "/api/me")
			if i < 3 {
				last.Expect(t, http.StatusOK)
				if last.Header.Get("X-RateLimit-Limit") != "3" || last.Header.Get("X-RateLimit-Remaining") == "" || last.Header.Get("X-RateLimit-Reset") == "" {
					t.Fatalf("missing rate limit headers: %v", last.Header)
				}
			}
		}
		last.Expect(t, http.StatusTooManyRequests)
		if last.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// Another key has its own budget.
		env.Client().WithAPIKey(c.NewAPIKey(t, "k2")).Get(t, "/api/me").Expect(t, http.StatusOK)
	}, apptest.Config(func(c *config.Config) { c.APIRateLimit = 3 }))
}

func sessionCookie(t *testing.T, res *apptest.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == "botdeck_session" && c.Value != "" {
			return c
		}
	}
	t.Fatalf("no session cookie in %v", res.Header)
	return nil
}

// TestSignInFormSaysWhy: after signing out the form says so, and with
// ?next= it names the page signing in leads back to (never an off-site one).
func TestSignInFormSaysWhy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "why@example.com")
		res := c.Post(t, "/logout", url.Values{}).Expect(t, http.StatusSeeOther)
		loc := res.Header.Get("Location")
		if page := c.Get(t, loc).Expect(t, http.StatusOK).Text(); !strings.Contains(page, "You are signed out.") {
			t.Fatalf("after signing out (%s) the form does not say so", loc)
		}
		if strings.Contains(c.Get(t, "/login").Text(), "You are signed out.") {
			t.Error("a plain sign-in form claims a sign-out")
		}
		page := c.Get(t, "/login?next="+url.QueryEscape("/account/api-keys")).Text()
		if !strings.Contains(page, "Sign in to continue to") || !strings.Contains(page, "/account/api-keys</code>") {
			t.Errorf("next is not explained")
		}
		page = c.Get(t, "/login?next="+url.QueryEscape("//evil.example/<b>")).Text()
		if strings.Contains(page, "Sign in to continue to") || strings.Contains(page, "evil.example") {
			t.Errorf("an off-site next is named")
		}
	})
}
