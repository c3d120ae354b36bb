package core

import (
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"
)

func TestWebhookProblem(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	const ours = "https://botdeck.example/tg/b_1"
	recent, old := now.Add(-time.Minute).Unix(), now.Add(-time.Hour).Unix()
	cases := []struct {
		name string
		info telego.WebhookInfo
		want string // substring; "" means no problem
	}{
		{"healthy", telego.WebhookInfo{URL: ours}, ""},
		{"an old error, since recovered", telego.WebhookInfo{URL: ours, LastErrorDate: old, LastErrorMessage: "Connection refused", PendingUpdateCount: 3}, ""},
		{"a recent error, nothing waiting", telego.WebhookInfo{URL: ours, LastErrorDate: recent, LastErrorMessage: "Read timeout expired"}, ""},
		{"failing now", telego.WebhookInfo{URL: ours, LastErrorDate: recent, LastErrorMessage: "Wrong response from the webhook: 502 Bad Gateway", PendingUpdateCount: 12},
			"Telegram cannot deliver updates to Botdeck (Wrong response from the webhook: 502 Bad Gateway); 12 waiting. Check that botdeck.example"},
		{"removed outside Botdeck", telego.WebhookInfo{}, "Telegram has no webhook for this bot"},
		{"taken by another tool", telego.WebhookInfo{URL: "https://other.example/123:SECRET"}, "points to other.example instead of Botdeck"},
	}
	for _, c := range cases {
		got := WebhookProblem(&c.info, ours, now)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
		if strings.Contains(got, "SECRET") {
			t.Errorf("%s: another tool's URL must not be shown whole: %q", c.name, got)
		}
	}
}
