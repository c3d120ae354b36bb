package components

import (
	"testing"

	"github.com/botdeck/botdeck/internal/apperr"
)

func TestSummarySaysEachErrorOnce(t *testing.T) {
	const msg = apperr.GenericInvalid
	if got := Summary(msg, map[string]string{"email": "is required"}, "email", "password"); got != "" {
		t.Errorf("an error shown beside its field repeats in the banner: %q", got)
	}
	if got := Summary(msg, map[string]string{"email": "is required", "next": "is too long"}, "email"); got != msg {
		t.Errorf("an error on a field the form does not show lost its banner: %q", got)
	}
	if got := Summary("Email or password is wrong.", nil, "email"); got != "Email or password is wrong." {
		t.Errorf("a form-wide error lost its banner: %q", got)
	}
	advice := "Telegram does not accept this token. Copy it again from @BotFather."
	if got := Summary(advice, map[string]string{"token": "is not accepted by Telegram"}, "token"); got != advice {
		t.Errorf("a message with advice lost its banner: %q", got)
	}
}
