package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/mailer/mailtest"
	"github.com/botdeck/botdeck/models"
)

var resetLink = regexp.MustCompile(`https?://\S+/password-reset/([a-z2-7]{52})`)

// Without mail the request still answers 200, the same for any email, and
// the page tells people to ask the operator.
func TestPasswordResetWithoutMail(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "known@example.com")
		c := env.Client()
		known := c.Post(t, "/api/auth/password-reset", map[string]string{"email": "known@example.com"}).Expect(t, http.StatusOK).Text()
		unknown := c.Post(t, "/api/auth/password-reset", map[string]string{"email": "unknown@example.com"}).Expect(t, http.StatusOK).Text()
		if known != unknown || !strings.Contains(known, `"mailed":false`) {
			t.Fatalf("answers must not tell accounts apart: %s vs %s", known, unknown)
		}
		page := c.Get(t, "/forgot-password").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "botdeck user reset-password") || strings.Contains(page, `action="/forgot-password"`) {
			t.Fatal("without mail the page must say to ask the operator, and offer no form")
		}
		if !strings.Contains(c.Get(t, "/login").Text(), `href="/forgot-password"`) {
			t.Fatal("the sign-in page must link to Forgot password?")
		}
		c.Post(t, "/api/auth/password-reset", map[string]string{"email": "nope"}).Expect(t, http.StatusUnprocessableEntity)
	})
}

func TestPasswordResetByMail(t *testing.T) {
	smtp := mailtest.Start(t)
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := "reset-" + string(env.Dialect) + "@example.com"
		laptop := env.SignUp(t, owner)
		key := laptop.NewAPIKey(t, "kept")
		phone := env.Client()
		phone.Post(t, "/api/auth/login", map[string]string{"email": owner, "password": apptest.Password}).Expect(t, http.StatusOK)

		anon := env.Client()
		before := len(smtp.Messages())
		a := anon.Post(t, "/api/auth/password-reset", map[string]string{"email": "ghost@example.com"}).Expect(t, http.StatusOK).Text()
		b := anon.Post(t, "/api/auth/password-reset", map[string]string{"email": strings.ToUpper(owner)}).Expect(t, http.StatusOK).Text()
		if a != b || !strings.Contains(a, `"mailed":true`) {
			t.Fatalf("answers must not tell accounts apart: %s vs %s", a, b)
		}
		mail := smtp.Next(t, 30*time.Second)
		if got := len(smtp.Messages()) - before; got != 1 || mail.To[0] != owner || !mail.TLS {
			t.Fatalf("want one mail over TLS to %s, got %d: %+v", owner, got, mail)
		}
		m := resetLink.FindStringSubmatch(mail.Body)
		if m == nil || !strings.HasPrefix(m[0], env.Server.URL+"/password-reset/") {
			t.Fatalf("no link to this Botdeck in the mail:\n%s", mail.Body)
		}
		token := m[1]
		// The token is stored only hashed.
		var n int
		if err := env.App.DB.NewRaw("SELECT count(*) FROM password_resets WHERE token_hash = ?", token).Scan(context.Background(), &n); err != nil || n != 0 {
			t.Fatalf("token stored in clear (%d, %v)", n, err)
		}

		form := anon.Get(t, "/password-reset/"+token).Expect(t, http.StatusOK).Text()
		if !strings.Contains(form, `name="token"`) {
			t.Fatal("the link must open the new-password form")
		}
		anon.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": token, "password": "short"}).Expect(t, http.StatusUnprocessableEntity)
		anon.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": token, "password": "a brand new password"}).Expect(t, http.StatusOK)

		// Every session ended; the API key (not a session) still works.
		laptop.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		phone.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		env.Client().WithAPIKey(key).Get(t, "/api/me").Expect(t, http.StatusOK)
		env.Client().Post(t, "/api/auth/login", map[string]string{"email": owner, "password": apptest.Password}).Expect(t, http.StatusUnauthorized)
		env.Client().Post(t, "/api/auth/login", map[string]string{"email": owner, "password": "a brand new password"}).Expect(t, http.StatusOK)

		// Single use.
		res := anon.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": token, "password": "yet another password"}).Expect(t, http.StatusUnprocessableEntity)
		if res.ErrorCode(t) != "reset_link_invalid" {
			t.Fatalf("code = %s", res.ErrorCode(t))
		}
		anon.Get(t, "/password-reset/"+token).Expect(t, http.StatusGone)
		anon.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": "garbage", "password": "yet another password"}).Expect(t, http.StatusUnprocessableEntity)
	}, apptest.SMTP(smtp))
}

func TestPasswordResetLinkExpiresAndForm(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "late@example.com")
		ctx := context.Background()
		link, err := env.App.Accounts.PasswordResetLink(ctx, "late@example.com", env.Server.URL)
		if err != nil {
			t.Fatal(err)
		}
		token := resetLink.FindStringSubmatch(link)[1]
		// An hour later.
		if _, err := env.App.DB.NewUpdate().Model((*models.PasswordReset)(nil)).Set("expires_at = ?", models.Now().Add(-time.Second)).Where("user_id IS NOT NULL").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		c := env.Client()
		c.Get(t, "/password-reset/"+token).Expect(t, http.StatusGone)
		c.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": token, "password": "a brand new password"}).Expect(t, http.StatusUnprocessableEntity)

		// The HTML form: a fresh link, a new password, then the sign-in page.
		link, _ = env.App.Accounts.PasswordResetLink(ctx, "late@example.com", env.Server.URL)
		token = resetLink.FindStringSubmatch(link)[1]
		res := c.Post(t, "/password-reset", url.Values{"token": {token}, "password": {"a brand new password"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/login" {
			t.Fatalf("redirect to %q", res.Header.Get("Location"))
		}
		c.Post(t, "/api/auth/login", map[string]string{"email": "late@example.com", "password": "a brand new password"}).Expect(t, http.StatusOK)
	})
}

// Asking for links is throttled per email (and per address): 3 an hour.
func TestPasswordResetRequestsAreThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.Client()
		for range 3 {
			c.Post(t, "/api/auth/password-reset", map[string]string{"email": "flood@example.com"}).Expect(t, http.StatusOK)
		}
		c.Post(t, "/api/auth/password-reset", map[string]string{"email": "flood@example.com"}).Expect(t, http.StatusTooManyRequests)
	})
}

// Someone who forgot the password has often locked themselves out trying:
// after the reset the new password works at once.
func TestPasswordResetLiftsTheSignInLockout(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		env.SignUp(t, "locked_out@example.com")
		c := env.Client()
		for range 6 {
			c.Post(t, "/api/auth/login", map[string]string{"email": "locked_out@example.com", "password": "is it this one"})
		}
		c.Post(t, "/api/auth/login", map[string]string{"email": "locked_out@example.com", "password": apptest.Password}).Expect(t, http.StatusTooManyRequests)
		link, err := env.App.Accounts.PasswordResetLink(context.Background(), "locked_out@example.com", env.Server.URL)
		if err != nil {
			t.Fatal(err)
		}
		c.Post(t, "/api/auth/password-reset/confirm", map[string]string{"token": resetLink.FindStringSubmatch(link)[1], "password": "the new one at last"}).Expect(t, http.StatusOK)
		c.Post(t, "/api/auth/login", map[string]string{"email": "locked_out@example.com", "password": "the new one at last"}).Expect(t, http.StatusOK)
	})
}
