package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// TestGroupUpgradedToSupergroupMovesChatAndCampaigns: when a group becomes
// a supergroup, Telegram sends a service message in each (shaped here as
// recorded from the Bot API); the admin chats list only the supergroup,
// the campaign follows it and goes on counting joins under the new id.
func TestGroupUpgradedToSupergroupMovesChatAndCampaigns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := &campaignWorld{env: env, owner: env.SignUp(t, "migrate@example.com")}
		w.bot = env.ConnectBot(t, w.owner, "migrating_bot")
		w.admin = env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Group", LastName: "Owner"})
		w.chat = env.Telegram.AddChat(telegramtest.ChatSpec{Type: telego.ChatTypeGroup, Title: "Go meetup", Owner: &w.admin})
		w.promote(t, true)
		c := w.create(t, "Meetup", false)
		oldID := w.chat.ID
		newID := int64(-1002000000000) + oldID%1000000 // a supergroup id, as Telegram assigns them

		_, secret, err := env.Telegram.WebhookInfo(w.bot.Fake.Token)
		if err != nil {
			t.Fatal(err)
		}
		date := time.Now().Unix()
		pair := []string{
			fmt.Sprintf(`{"update_id":900001,"message":{"message_id":41,"from":{"id":%d,"is_bot":false,"first_name":"Group","last_name":"Owner"},`+
				`"chat":{"id":%d,"title":"Go meetup","type":"group","all_members_are_administrators":false},"date":%d,"migrate_to_chat_id":%d}}`,
				w.admin.ID, oldID, date, newID),
			fmt.Sprintf(`{"update_id":900002,"message":{"message_id":1,"from":{"id":1087968824,"is_bot":true,"first_name":"Group","username":"GroupAnonymousBot"},`+
				`"sender_chat":{"id":%d,"title":"Go Meetup Zürich","type":"supergroup"},`+
				`"chat":{"id":%d,"title":"Go Meetup Zürich","type":"supergroup"},"date":%d,"migrate_from_chat_id":%d}}`,
				newID, newID, date, oldID),
		}
		for _, u := range pair {
			if code := postUpdate(t, env, w.bot.ID, secret, u); code != http.StatusOK {
				t.Fatalf("update: %d", code)
			}
		}
		env.Process(t)

		if _, err := models.BotChatByID(context.Background(), env.App.DB, w.bot.ID, oldID); err == nil {
			t.Error("the group's id is still among the bot's chats")
		}
		if ch, err := models.BotChatByID(context.Background(), env.App.DB, w.bot.ID, newID); err != nil || ch.Type != "supergroup" || !ch.IsAdmin() {
			t.Fatalf("the supergroup after the upgrade: %+v %v", ch, err)
		}
		chats := w.owner.Get(t, "/api/bots/"+w.bot.ID+"/chats").Expect(t, http.StatusOK).List(t)
		if len(chats) != 1 || chats[0].(map[string]any)["chatId"] != float64(newID) || chats[0].(map[string]any)["trackedBy"] == nil {
			t.Fatalf("admin chats after the upgrade: the supergroup only, tracked by the campaign: %v", chats)
		}
		got := w.owner.Get(t, "/api/campaigns/"+c["id"].(string)).Expect(t, http.StatusOK).Data(t)
		if got["chatId"] != float64(newID) || got["chatTitle"] != "Go Meetup Zürich" {
			t.Fatalf("campaign chat after the upgrade: %v %v", got["chatId"], got["chatTitle"])
		}
		if found := w.owner.Get(t, "/api/campaigns?q=ZURICH").Expect(t, http.StatusOK).List(t); len(found) != 1 {
			t.Fatalf("the campaign is found by the supergroup's title: %v", found)
		}

		// A join through the campaign's link, now reported under the new id, counts.
		super := telego.Chat{ID: newID, Type: telego.ChatTypeSupergroup, Title: "Go meetup"}
		fan := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Fan"})
		w.push(t, telegramtest.JoinUpdate(super, fan, w.link(t, c), false))
		env.Process(t)
		got = w.owner.Get(t, "/api/campaigns/"+c["id"].(string)).Expect(t, http.StatusOK).Data(t)
		if got["joins"] != float64(1) {
			t.Fatalf("joins after the upgrade: %v", got["joins"])
		}
	}, apptest.Webhooks())
}
