package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/models"
)

func TestAdminChats(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "chats@example.com")
		bot := env.ConnectBot(t, c, "chat_bot")
		other := env.ConnectBot(t, c, "other_chat_bot")
		ctx := context.Background()
		now := models.Now()
		for _, ch := range []models.BotChat{
			{BotID: bot.ID, ChatID: -1001, Type: "supergroup", Title: "Zeta <fans>", Status: "administrator", CanInviteUsers: true},
			{BotID: bot.ID, ChatID: -1002, Type: "channel", Title: "alpha news", Username: "alphanews", Status: "creator", CanInviteUsers: true},
			{BotID: bot.ID, ChatID: -1003, Type: "group", Title: "Mid group", Status: "administrator"},
			{BotID: bot.ID, ChatID: -1004, Type: "group", Title: "Just a member", Status: "member"},
			{BotID: bot.ID, ChatID: -1005, Type: "supergroup", Title: "Left it", Status: "left"},
			{BotID: bot.ID, ChatID: -1006, Type: "channel", Title: "Kicked out", Status: "kicked"},
			{BotID: other.ID, ChatID: -1007, Type: "supergroup", Title: "Another bot's", Status: "administrator"},
		} {
			ch.UpdatedAt = now
			if err := models.UpsertBotChat(ctx, env.App.DB, &ch); err != nil {
				t.Fatal(err)
			}
		}
		// A demotion arrives later: the chat leaves the list.
		if err := models.UpsertBotChat(ctx, env.App.DB, &models.BotChat{BotID: bot.ID, ChatID: -1003, Type: "group", Title: "Mid group",
			Status: "member", UpdatedAt: now.Add(1)}); err != nil {
			t.Fatal(err)
		}

		list := c.Get(t, "/api/bots/"+bot.ID+"/chats").Expect(t, http.StatusOK).List(t)
		if got := fmt.Sprint(list); got != "[map[canInviteUsers:true chatId:-1002 title:alpha news trackedBy:<nil> type:channel username:alphanews] "+
			"map[canInviteUsers:true chatId:-1001 title:Zeta <fans> trackedBy:<nil> type:supergroup username:]]" {
			t.Fatalf("admin chats only (administrator or creator), by title: %s", got)
		}
		if len(c.Get(t, "/api/bots/"+other.ID+"/chats").List(t)) != 1 {
			t.Error("each bot has its own chats")
		}

		// The htmx fragment is a picker: radio inputs named chatId with labels.
		frag := c.Get(t, "/bots/"+bot.ID+"/chats", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		for _, want := range []string{`id="chat-picker"`, `type="radio" name="chatId" id="chat--1002" value="-1002"`, `<label for="chat--1002"`,
			"Zeta &lt;fans&gt;", "Channel · @alphanews", "<legend"} {
			if !strings.Contains(frag, want) {
				t.Errorf("picker lacks %q", want)
			}
		}
		if strings.Contains(frag, "<html") || strings.Contains(frag, "Just a member") || strings.Contains(frag, "Mid group") {
			t.Error("the fragment has only the admin chats, no layout")
		}
		page := c.Get(t, "/bots/"+bot.ID+"/chats").Expect(t, http.StatusOK).Text()
		if !strings.Contains(page, "<html") || !strings.Contains(page, "<h1") || !strings.Contains(page, "alpha news") {
			t.Error("without htmx the list is a page")
		}

		// No admin chats: explain how to get some.
		empty := c.Get(t, "/bots/"+env.ConnectBot(t, c, "lonely_chat_bot").ID+"/chats", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(empty, "administrator") || !strings.Contains(empty, "Invite users via link") || strings.Contains(empty, "radio") {
			t.Error("an empty picker explains how to make the bot an administrator")
		}
	})
}

// The picker lists chats whatever rights the bot has there; it flags the
// ones where it cannot create invite links, which campaigns need.
func TestAdminChatsFlagMissingInviteRight(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "rights@example.com")
		bot := env.ConnectBot(t, c, "rights_bot")
		if err := models.UpsertBotChat(context.Background(), env.App.DB, &models.BotChat{BotID: bot.ID, ChatID: -5, Type: "group",
			Title: "No invites", Status: "administrator", UpdatedAt: models.Now()}); err != nil {
			t.Fatal(err)
		}
		frag := c.Get(t, "/bots/"+bot.ID+"/chats", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if !strings.Contains(frag, "lacks the “Invite users via link” right") {
			t.Error("a chat without the invite right is flagged")
		}
	})
}

// TestAdminChatsShowTakenAndUnusableChats: when every admin chat is tracked
// or lacks the invite right, the picker lists them disabled with the
// reason (and the campaign's name) instead of saying the bot administers
// nothing; the API says the same with canInviteUsers and trackedBy.
func TestAdminChatsShowTakenAndUnusableChats(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "taken@example.com")
		bot := env.ConnectBot(t, c, "taken_bot")
		ctx := context.Background()
		now := models.Now()
		for _, ch := range []models.BotChat{
			{BotID: bot.ID, ChatID: -2001, Type: "supergroup", Title: "Tracked", Status: "administrator", CanInviteUsers: true, UpdatedAt: now},
			{BotID: bot.ID, ChatID: -2002, Type: "group", Title: "No rights", Status: "administrator", UpdatedAt: now},
		} {
			if err := models.UpsertBotChat(ctx, env.App.DB, &ch); err != nil {
				t.Fatal(err)
			}
		}
		camp := &models.Campaign{ID: models.NewID("cmp"), BotID: bot.ID, ChatID: -2001, ChatTitle: "Tracked", Name: "Spring promo",
			InviteLink: "https://t.me/+taken", Status: models.CampaignActive, CreatedAt: now, UpdatedAt: now}
		if err := models.InsertCampaign(ctx, env.App.DB, camp); err != nil {
			t.Fatal(err)
		}
		list := c.Get(t, "/api/bots/"+bot.ID+"/chats").Expect(t, http.StatusOK).List(t)
		if got := fmt.Sprint(list); got != "[map[canInviteUsers:false chatId:-2002 title:No rights trackedBy:<nil> type:group username:] "+
			"map[canInviteUsers:true chatId:-2001 title:Tracked trackedBy:map[id:"+camp.ID+" name:Spring promo] type:supergroup username:]]" {
			t.Fatalf("chats: %s", got)
		}
		frag := c.Get(t, "/bots/"+bot.ID+"/chats", "HX-Request", "true").Expect(t, http.StatusOK).Text()
		if strings.Count(frag, " disabled ") != 2 || !strings.Contains(frag, "Spring promo") || !strings.Contains(frag, "/campaigns/"+camp.ID) ||
			!strings.Contains(frag, "is taken or lacks a right") || strings.Contains(frag, "not an administrator of any group") {
			t.Fatalf("picker: %s", frag)
		}
	})
}
