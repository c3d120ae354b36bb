package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
)

// codeAt is the account's TOTP code at now+offset.
func codeAt(t *testing.T, secret string, offset time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now().Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enableTOTP sets up and confirms the factor through the API; it returns
// the secret and the recovery codes. The confirmation uses the current
// step, so the next sign-in uses a code of the next one (codeAt +30s).
func enableTOTP(t *testing.T, c *apptest.Client) (string, []string) {
	t.Helper()
	setup := c.Post(t, "/api/me/totp", nil).Expect(t, http.StatusOK).Data(t)
	secret := setup["secret"].(string)
	if !strings.HasPrefix(setup["otpauthUrl"].(string), "otpauth://totp/Botdeck:") || !strings.HasPrefix(setup["qrPng"].(string), "data:image/png;base64,") {
		t.Fatalf("set-up lacks the URL or QR code: %v", setup)
	}
	c.Post(t, "/api/me/totp/confirm", map[string]string{"code": "000000x"}).Expect(t, http.StatusUnprocessableEntity)
	res := c.Post(t, "/api/me/totp/confirm", map[string]string{"code": codeAt(t, secret, 0)}).Expect(t, http.StatusOK).Data(t)
	var codes []string
	for _, v := range res["recoveryCodes"].([]any) {
		codes = append(codes, v.(string))
	}
	if len(codes) != 10 {
		t.Fatalf("want 10 recovery codes, got %v", codes)
	}
	return secret, codes
}

func login(t *testing.T, env *apptest.Env, email, code string) *apptest.Response {
	t.Helper()
	body := map[string]string{"email": email, "password": apptest.Password}
	if code != "" {
		body["totp"] = code
	}
	return env.Client().Post(t, "/api/auth/login", body)
}

func TestTOTPSignInReplayAndRecoveryCodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "second@example.com")
		secret, recovery := enableTOTP(t, owner)
		owner.Post(t, "/api/me/totp", nil).Expect(t, http.StatusConflict)

		// The password alone is not enough any more.
		res := login(t, env, "second@example.com", "").Expect(t, http.StatusUnauthorized)
		if res.ErrorCode(t) != "totp_required" {
			t.Fatalf("code = %s", res.ErrorCode(t))
		}
		// A wrong password with a code is still just wrong credentials.
		env.Client().Post(t, "/api/auth/login", map[string]string{"email": "second@example.com", "password": "not it at all", "totp": "123456"}).Expect(t, http.StatusUnauthorized)

		// The code the set-up was confirmed with cannot be replayed.
		replayed := login(t, env, "second@example.com", codeAt(t, secret, 0))
		if replayed.StatusCode == http.StatusOK {
			// Only possible when the step changed since the confirmation;
			// then this was a fresh code, and the replay is this one.
			login(t, env, "second@example.com", codeAt(t, secret, 0)).Expect(t, http.StatusUnauthorized)
		} else if replayed.ErrorCode(t) != "totp_invalid" {
			t.Fatalf("replay: %s", replayed.Body)
		}
		next := codeAt(t, secret, 30*time.Second)
		c := env.Client()
		c.Post(t, "/api/auth/login", map[string]string{"email": "second@example.com", "password": apptest.Password, "totp": next}).Expect(t, http.StatusOK)
		c.Get(t, "/api/me").Expect(t, http.StatusOK)
		// The same code again: refused.
		login(t, env, "second@example.com", next).Expect(t, http.StatusUnauthorized)

		// A recovery code works once, in any spelling.
		login(t, env, "second@example.com", strings.ToUpper(recovery[0])).Expect(t, http.StatusOK)
		login(t, env, "second@example.com", recovery[0]).Expect(t, http.StatusUnauthorized)
		login(t, env, "second@example.com", strings.ReplaceAll(recovery[1], "-", "")).Expect(t, http.StatusOK)

		// Turning it off needs the password and a code.
		owner.Delete(t, "/api/me/totp", "Content-Type", "application/json").Expect(t, http.StatusBadRequest)
		owner.Do(t, http.MethodDelete, "/api/me/totp", map[string]string{"password": "wrong password", "code": recovery[2]}).Expect(t, http.StatusUnprocessableEntity)
		owner.Do(t, http.MethodDelete, "/api/me/totp", map[string]string{"password": apptest.Password, "code": recovery[0]}).Expect(t, http.StatusUnprocessableEntity)
		owner.Do(t, http.MethodDelete, "/api/me/totp", map[string]string{"password": apptest.Password, "code": recovery[2]}).Expect(t, http.StatusOK)
		login(t, env, "second@example.com", "").Expect(t, http.StatusOK)
	})
}

// Guessing codes with the right password is throttled per account, from
// any address: after 5 wrong codes even the right one waits.
func TestTOTPGuessesAreThrottled(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		secret, _ := enableTOTP(t, env.SignUp(t, "guess@example.com"))
		for i := range 5 {
			res := env.Client().Post(t, "/api/auth/login", map[string]string{"email": "guess@example.com", "password": apptest.Password, "totp": "00000" + string(rune('0'+i))},
				"X-Forwarded-For", "198.51.100."+string(rune('1'+i)))
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("guess %d: %d %s", i, res.StatusCode, res.Body)
			}
		}
		login(t, env, "guess@example.com", codeAt(t, secret, 30*time.Second)).Expect(t, http.StatusTooManyRequests)
	}, apptest.Config(func(c *config.Config) { c.TrustProxyHeaders = true }))
}

// The page asks for the code after the password, without sending the
// password again.
func TestTOTPSignInPage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "page@example.com")
		page := owner.Post(t, "/account/totp", url.Values{}).Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, `alt="QR code`) || !strings.Contains(page, `action="/account/totp/confirm"`) {
			t.Fatal("the set-up page lacks the QR code or the confirmation form")
		}
		// The secret is on the page, to type in by hand.
		secret := owner.Post(t, "/api/me/totp", nil).Expect(t, http.StatusOK).Data(t)["secret"].(string)
		wrong := owner.Post(t, "/account/totp/confirm", url.Values{"code": {"999999"}}).Expect(t, http.StatusUnprocessableEntity).Text()
		if !strings.Contains(wrong, secret) {
			t.Fatal("a wrong first code must show the same set-up again")
		}
		codes := owner.Post(t, "/account/totp/confirm", url.Values{"code": {codeAt(t, secret, 0)}}).Expect(t, http.StatusOK).Text()
		if !strings.Contains(codes, "Recovery codes") {
			t.Fatal("confirmation must show the recovery codes")
		}
		if !strings.Contains(owner.Get(t, "/account").Text(), "10 unused recovery codes") {
			t.Fatal("the account page must say the factor is on")
		}

		c := env.Client()
		step := c.Post(t, "/login", url.Values{"email": {"page@example.com"}, "password": {apptest.Password}, "next": {"/bots"}}).Expect(t, http.StatusUnauthorized).Text()
		if !strings.Contains(step, `action="/login/code"`) || strings.Contains(step, apptest.Password) {
			t.Fatal("the second step must ask for the code and never carry the password")
		}
		c.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
		c.Post(t, "/login/code", url.Values{"totp": {"123456"}, "next": {"/bots"}}).Expect(t, http.StatusUnauthorized)
		res := c.Post(t, "/login/code", url.Values{"totp": {codeAt(t, secret, 30*time.Second)}, "next": {"/bots"}}).Expect(t, http.StatusSeeOther)
		if res.Header.Get("Location") != "/bots" {
			t.Fatalf("redirect to %q", res.Header.Get("Location"))
		}
		c.Get(t, "/api/me").Expect(t, http.StatusOK)

		// Without a password first there is nothing to finish.
		stranger := env.Client()
		stranger.Post(t, "/login/code", url.Values{"totp": {"123456"}}).Expect(t, http.StatusSeeOther)
		stranger.Get(t, "/api/me").Expect(t, http.StatusUnauthorized)
	})
}
