package handlers_test

import (
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestNewConversationsOfOneBatchNotifyEveryMember: one processing batch that
// starts several conversations notifies each member of each of them (read
// and written set-based, once per batch), as each member's settings say.
func TestNewConversationsOfOneBatchNotifyEveryMember(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "batch-owner@example.com")
		bot := env.ConnectBot(t, owner, "batch_notes_bot")
		ws := workspaceOf(t, owner)
		editor, _ := join(t, env, owner, ws, models.RoleEditor, "batch-editor@example.com")
		quiet, _ := join(t, env, owner, ws, models.RoleViewer, "batch-quiet@example.com")
		quiet.Put(t, "/api/me/notification-settings", map[string]any{
			"new_conversation": map[string]any{"inApp": false, "telegram": false}}).Expect(t, http.StatusOK)

		want := map[string]string{}
		for i := range 5 {
			id := int64(9300 + i)
			u := env.Telegram.AddUser(telegramtest.UserSpec{ID: id, FirstName: fmt.Sprintf("P%d", i)})
			text := fmt.Sprintf("first words %d", i)
			want[fmt.Sprintf("/bots/%s/users/%d", bot.ID, id)] = text
			if res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, text)); err != nil || !res.Delivered {
				t.Fatalf("push: %+v %v", res, err)
			}
		}
		env.Process(t) // all five in one batch

		for name, c := range map[string]*apptest.Client{"owner": owner, "editor": editor} {
			got := map[string]string{}
			for _, n := range notifications(t, c, models.NotifyNewConversation) {
				got[n["url"].(string)] = n["body"].(string)
			}
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
				t.Errorf("%s's new conversations: %v, want %v", name, got, want)
			}
		}
		if ns := notifications(t, quiet, models.NotifyNewConversation); len(ns) != 0 {
			t.Errorf("a member who turned them off got %d", len(ns))
		}
		// Processing again (the sweeper, another instance) adds nothing.
		env.Process(t)
		if ns := notifications(t, owner, models.NotifyNewConversation); len(ns) != 5 {
			t.Errorf("after processing again: %d", len(ns))
		}
	}, apptest.Webhooks())
}

func sorted(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
