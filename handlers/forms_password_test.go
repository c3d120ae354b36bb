package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
)

// A form that fails keeps a typed password when the password was not the
// problem (an email taken or malformed, a new password beside a wrong
// current one), and clears one that was: wrong, or against the rules.
func TestFormsKeepTypedPasswordWhereSafe(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		has := func(t *testing.T, res *apptest.Response, want string, yes bool) {
			t.Helper()
			if strings.Contains(res.Text(), want) != yes {
				t.Fatalf("contains %q: want %v\n%s", want, yes, res.Text())
			}
		}
		env.SignUp(t, "taken@example.com")
		anon := env.Client()

		// Sign-up: the email is taken, the password is fine: kept.
		res := anon.Post(t, "/signup", url.Values{"email": {"taken@example.com"}, "password": {"kept-secret-1"}}).Expect(t, http.StatusConflict)
		has(t, res, `value="kept-secret-1"`, true)
		has(t, res, "is already registered", true)
		// A malformed email beside a good password: kept too.
		res = anon.Post(t, "/signup", url.Values{"email": {"broken@"}, "password": {"kept-secret-2"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, `value="kept-secret-2"`, true)
		// A password against the rules is cleared.
		res = anon.Post(t, "/signup", url.Values{"email": {"new@example.com"}, "password": {"Zq7"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, `value="Zq7"`, false)

		// Sign-in: a wrong password is cleared (the email stays).
		res = anon.Post(t, "/login", url.Values{"email": {"taken@example.com"}, "password": {"wrong-guess-9"}}).Expect(t, http.StatusUnauthorized)
		has(t, res, "wrong-guess-9", false)
		has(t, res, `value="taken@example.com"`, true)
		// A malformed email: the password was never checked, so it stays.
		res = anon.Post(t, "/login", url.Values{"email": {"taken@"}, "password": {"kept-secret-3"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, `value="kept-secret-3"`, true)

		// Password change: a wrong current password is cleared, the new one kept.
		c := env.SignUp(t, "change@example.com")
		res = c.Post(t, "/account/password", url.Values{"current": {"not-the-password"}, "new": {"kept-new-secret"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, "not-the-password", false)
		has(t, res, `value="kept-new-secret"`, true)
		// A new password against the rules is cleared, the current one kept.
		res = c.Post(t, "/account/password", url.Values{"current": {apptest.Password}, "new": {"Zq8"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, `value="Zq8"`, false)
		has(t, res, `value="`+apptest.Password+`"`, true)

		// Reset: its one password is the only thing to fix, so it is cleared.
		res = anon.Post(t, "/password-reset", url.Values{"token": {"whatever"}, "password": {"Zq9"}}).Expect(t, http.StatusUnprocessableEntity)
		has(t, res, `value="Zq9"`, false)
	})
}
