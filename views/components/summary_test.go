package components

import "testing"

func TestSummarySaysEachErrorOnce(t *testing.T) {
	const msg = "Some fields need attention."
	if got := Summary(msg, map[string]string{"email": "is required"}, "email", "password"); got != "" {
		t.Errorf("an error shown beside its field repeats in the banner: %q", got)
	}
	if got := Summary(msg, map[string]string{"email": "is required", "next": "is too long"}, "email"); got != msg {
		t.Errorf("an error on a field the form does not show lost its banner: %q", got)
	}
	if got := Summary("Email or password is wrong.", nil, "email"); got != "Email or password is wrong." {
		t.Errorf("a form-wide error lost its banner: %q", got)
	}
}
