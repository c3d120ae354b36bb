package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// webhookBot connects a bot in webhook mode and returns it with its secret.
func webhookBot(t *testing.T, env *apptest.Env, username string) (apptest.Bot, string) {
	t.Helper()
	bot := env.ConnectBot(t, env.SignUp(t, username+"@example.com"), username)
	_, secret, err := env.Telegram.WebhookInfo(bot.Fake.Token)
	if err != nil {
		t.Fatal(err)
	}
	return bot, secret
}

func postUpdate(t *testing.T, env *apptest.Env, botID, secret, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, env.URL("/tg/"+botID), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func botUser(t *testing.T, env *apptest.Env, botID string, userID int64) *models.BotUser {
	t.Helper()
	u, err := models.BotUserByID(context.Background(), env.App.DB, botID, userID)
	if err != nil {
		return nil
	}
	return u
}

func day(t *testing.T, env *apptest.Env, botID string) models.BotDay {
	t.Helper()
	var d models.BotDay
	if err := env.App.DB.NewSelect().Model(&d).Where("bot_id = ?", botID).Where("day = ?", models.Day(models.Now())).Scan(context.Background()); err != nil {
		return models.BotDay{}
	}
	return d
}

func TestWebhookStoresAndProcessesUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, _ := webhookBot(t, env, "ingest_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann", LastName: "Lee", Username: "ann", LanguageCode: "de", IsPremium: true})
		res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(ann, "/start"))
		if err != nil || !res.Delivered || res.StatusCode != http.StatusOK {
			t.Fatalf("delivery: %+v %v", res, err)
		}
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(ann, "hello"))
		env.Telegram.Push(bot.Fake.Token, telegramtest.EditedMessageUpdate(ann, 1, "hello!"))
		env.Process(t)

		u := botUser(t, env, bot.ID, ann.ID)
		if u == nil || u.Username != "ann" || u.Name != "Ann Lee" || u.LanguageCode != "de" || !u.IsPremium || u.BotBlocked {
			t.Fatalf("bot user: %+v", u)
		}
		d := day(t, env, bot.ID)
		if d.Updates != 3 || d.NewUsers != 1 || d.ActiveUsers != 1 {
			t.Fatalf("daily counters: %+v", d)
		}
		b := apptestBot(t, env, bot.ID)
		if b.TotalUsers != 1 || b.LastUpdateAt == nil {
			t.Fatalf("bot counters: users=%d last=%v", b.TotalUsers, b.LastUpdateAt)
		}

		// Blocking and unblocking the bot in Telegram.
		env.Telegram.Push(bot.Fake.Token, telegramtest.BotBlockedUpdate(ann, bot.Fake.User()))
		env.Process(t)
		if u := botUser(t, env, bot.ID, ann.ID); !u.BotBlocked {
			t.Fatal("kicked in a private chat marks the user botBlocked")
		}
		env.Telegram.Push(bot.Fake.Token, telegramtest.BotUnblockedUpdate(ann, bot.Fake.User()))
		env.Process(t)
		if u := botUser(t, env, bot.ID, ann.ID); u.BotBlocked {
			t.Fatal("member again clears botBlocked")
		}
	}, apptest.Webhooks())
}

func TestWebhookRejectsForgedAndMissingSecrets(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, secret := webhookBot(t, env, "secret_bot")
		body := `{"update_id":1,"message":{"message_id":1,"from":{"id":7,"is_bot":false,"first_name":"X"},"chat":{"id":7,"type":"private"},"date":1763700000,"text":"hi"}}`
		for name, got := range map[string]int{
			"missing":          postUpdate(t, env, bot.ID, "", body),
			"forged":           postUpdate(t, env, bot.ID, forge(secret), body),
			"truncated":        postUpdate(t, env, bot.ID, secret[:len(secret)-1], body),
			"other bot's id":   postUpdate(t, env, "bot_aaaaaaaaaaaaaaaaaaaaaaaa", secret, body),
			"not an id at all": postUpdate(t, env, "..%2f..", secret, body),
		} {
			if got != http.StatusUnauthorized && !(name == "not an id at all" && got == http.StatusNotFound) {
				t.Errorf("%s secret: status %d, want 401", name, got)
			}
		}
		env.Process(t)
		if n, _ := env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).Count(context.Background()); n != 0 {
			t.Fatalf("a rejected delivery stored %d updates", n)
		}
		if got := postUpdate(t, env, bot.ID, secret, `{"no":"update"}`); got != http.StatusBadRequest {
			t.Fatalf("garbage with the right secret: %d", got)
		}
		if got := postUpdate(t, env, bot.ID, secret, `{"update_id":5,"x":"`+strings.Repeat("a", 2<<20)+`"}`); got != http.StatusRequestEntityTooLarge {
			t.Fatalf("oversized update: %d", got)
		}
	}, apptest.Webhooks())
}

func TestReplayedUpdateIsProcessedOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, secret := webhookBot(t, env, "replay_bot")
		body := `{"update_id":900,"message":{"message_id":1,"from":{"id":77,"is_bot":false,"first_name":"Rae"},"chat":{"id":77,"type":"private"},"date":1763700000,"text":"hi"}}`
		for range 3 {
			if got := postUpdate(t, env, bot.ID, secret, body); got != http.StatusOK {
				t.Fatalf("replay answered %d: Telegram must get 2xx or it retries forever", got)
			}
		}
		env.Process(t)
		env.Process(t)
		var d models.BotDay
		env.App.DB.NewSelect().Model(&d).Where("bot_id = ?", bot.ID).Scan(context.Background())
		if d.Updates != 1 || d.NewUsers != 1 || apptestBot(t, env, bot.ID).TotalUsers != 1 {
			t.Fatalf("a replayed update must count once: %+v", d)
		}
	}, apptest.Webhooks())
}

// TestUpdateShapes feeds payloads shaped exactly as the Bot API sends them,
// with optional fields absent and unknown fields present.
func TestUpdateShapes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, secret := webhookBot(t, env, "shapes_bot")
		bid := bot.Fake.ID
		botUserJSON := fmt.Sprintf(`{"id":%d,"is_bot":true,"first_name":"Shapes","username":"shapes_bot"}`, bid)
		updates := []string{
			// Minimal private message: no username, no last_name, no language_code.
			`{"update_id":1,"message":{"message_id":1,"from":{"id":101,"is_bot":false,"first_name":"Min"},"chat":{"id":101,"first_name":"Min","type":"private"},"date":1763700000,"text":"/start","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
			// Unknown fields at every level (a newer Bot API).
			`{"update_id":2,"brand_new":1,"message":{"message_id":2,"from":{"id":102,"is_bot":false,"first_name":"New","added_to_attachment_menu":true,"future":{"a":1}},"chat":{"id":102,"type":"private","future_chat_field":"x"},"date":1763700000,"text":"hi","future_message_field":[1,2]}}`,
			// A message without text (a sticker) and without from.
			`{"update_id":3,"message":{"message_id":3,"chat":{"id":-100500,"title":"Anon","type":"supergroup"},"date":1763700000,"sender_chat":{"id":-100500,"title":"Anon","type":"supergroup"}}}`,
			// Channel post and its edit.
			`{"update_id":4,"channel_post":{"message_id":10,"sender_chat":{"id":-1001,"title":"News","type":"channel"},"chat":{"id":-1001,"title":"News","type":"channel"},"date":1763700000,"text":"post"}}`,
			`{"update_id":5,"edited_channel_post":{"message_id":10,"chat":{"id":-1001,"title":"News","type":"channel"},"date":1763700000,"edit_date":1763700100,"text":"post!"}}`,
			// A group message: counted, but not a bot user.
			`{"update_id":6,"message":{"message_id":4,"from":{"id":103,"is_bot":false,"first_name":"Grp"},"chat":{"id":-200,"title":"G","type":"group"},"date":1763700000,"text":"hey"}}`,
			// The bot promoted to administrator in a supergroup, then demoted.
			`{"update_id":7,"my_chat_member":{"chat":{"id":-100777,"title":"Fans","type":"supergroup"},"from":{"id":104,"is_bot":false,"first_name":"Owner"},"date":1763700000,"old_chat_member":{"user":` + botUserJSON + `,"status":"member"},"new_chat_member":{"user":` + botUserJSON + `,"status":"administrator","can_be_edited":false,"is_anonymous":false,"can_manage_chat":true,"can_delete_messages":true,"can_manage_video_chats":true,"can_restrict_members":true,"can_promote_members":false,"can_change_info":true,"can_invite_users":true,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false}}}`,
			// A callback query on an inaccessible message (date 0).
			`{"update_id":8,"callback_query":{"id":"55","from":{"id":101,"is_bot":false,"first_name":"Min"},"message":{"message_id":1,"chat":{"id":101,"type":"private"},"date":0},"chat_instance":"ci","data":"x"}}`,
			// A type this version does not know.
			`{"update_id":9,"message_reaction_count":{"chat":{"id":-1001,"title":"News","type":"channel"},"message_id":10,"date":1763700000,"reactions":[]}}`,
			`{"update_id":10,"totally_new_update":{"x":true}}`,
		}
		for _, u := range updates {
			if got := postUpdate(t, env, bot.ID, secret, u); got != http.StatusOK {
				t.Fatalf("status %d for %s", got, u)
			}
		}
		env.Process(t)
		if u := botUser(t, env, bot.ID, 101); u == nil || u.Username != "" || u.LastName != "" {
			t.Fatalf("minimal user: %+v", u)
		}
		if botUser(t, env, bot.ID, 102) == nil {
			t.Fatal("unknown fields must not stop a user being recorded")
		}
		if botUser(t, env, bot.ID, 103) != nil {
			t.Fatal("group traffic does not make bot users")
		}
		chat, err := models.BotChatByID(context.Background(), env.App.DB, bot.ID, -100777)
		if err != nil || !chat.IsAdmin() || !chat.CanInviteUsers || chat.Title != "Fans" {
			t.Fatalf("admin chat cache: %+v %v", chat, err)
		}
		demote := `{"update_id":11,"my_chat_member":{"chat":{"id":-100777,"title":"Fans","type":"supergroup"},"from":{"id":104,"is_bot":false,"first_name":"Owner"},"date":1763700500,"old_chat_member":{"user":` + botUserJSON + `,"status":"administrator","can_be_edited":false,"is_anonymous":false,"can_manage_chat":true,"can_delete_messages":true,"can_manage_video_chats":true,"can_restrict_members":true,"can_promote_members":false,"can_change_info":true,"can_invite_users":true,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false},"new_chat_member":{"user":` + botUserJSON + `,"status":"member"}}}`
		postUpdate(t, env, bot.ID, secret, demote)
		env.Process(t)
		if chat, _ := models.BotChatByID(context.Background(), env.App.DB, bot.ID, -100777); chat.IsAdmin() {
			t.Fatal("demotion drops the chat from the admin chats")
		}
		var kinds []models.UpdateKindCount
		env.App.DB.NewSelect().Model(&kinds).Where("bot_id = ?", bot.ID).Order("kind").Scan(context.Background())
		got := map[string]int64{}
		for _, k := range kinds {
			got[k.Kind] = k.Total
		}
		if got["totally_new_update"] != 1 || got["message_reaction_count"] != 1 || got["channel_post"] != 1 || got["my_chat_member"] != 2 || got["message"] != 4 {
			t.Fatalf("update kinds counted: %v", got)
		}
		var logs int
		n, _ := env.App.DB.NewSelect().Model((*models.BotLog)(nil)).Where("bot_id = ?", bot.ID).Where("level = 'error'").Count(context.Background())
		logs = int(n)
		if logs != 0 {
			t.Fatalf("well-formed updates of any kind are never errors; %d logged", logs)
		}
	}, apptest.Webhooks())
}

func TestStoppedBotIgnoresUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "stopper@example.com")
		bot := env.ConnectBot(t, owner, "stopped_bot")
		owner.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		res, _ := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(env.Telegram.AddUser(telegramtest.UserSpec{}), "hi"))
		if !res.Delivered {
			t.Fatalf("a stopped bot still acknowledges deliveries: %+v", res)
		}
		env.Process(t)
		if n, _ := env.App.DB.NewSelect().Model((*models.StoredUpdate)(nil)).Count(context.Background()); n != 0 {
			t.Fatal("a stopped bot's updates are ignored")
		}
	}, apptest.Webhooks())
}

// TestNothingLostWhileTheDatabaseIsDown: the receiver answers 5xx while it
// cannot store, Telegram retries, and the retried update is stored.
func TestNothingLostWhileTheDatabaseIsDown(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot, _ := webhookBot(t, env, "outage_bot")
		ctx := context.Background()
		if _, err := env.App.DB.ExecContext(ctx, "ALTER TABLE updates RENAME TO updates_away"); err != nil {
			t.Fatal(err)
		}
		user := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Patient"})
		res, _ := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(user, "are you there?"))
		if res.Delivered || res.StatusCode < 500 {
			t.Fatalf("while the store fails the receiver must answer 5xx: %+v", res)
		}
		if _, err := env.App.DB.ExecContext(ctx, "ALTER TABLE updates_away RENAME TO updates"); err != nil {
			t.Fatal(err)
		}
		results, err := env.Telegram.Redeliver(bot.Fake.Token)
		if err != nil || len(results) != 1 || !results[0].Delivered {
			t.Fatalf("Telegram's retry must be accepted: %+v %v", results, err)
		}
		env.Process(t)
		if botUser(t, env, bot.ID, user.ID) == nil {
			t.Fatal("the retried update was not processed")
		}
	}, apptest.Webhooks())
}

// forge returns secret with its first character changed (always to a
// different one).
func forge(secret string) string {
	if secret[0] == 'x' {
		return "y" + secret[1:]
	}
	return "x" + secret[1:]
}

func apptestBot(t *testing.T, env *apptest.Env, id string) *models.Bot {
	t.Helper()
	b, err := models.BotByID(context.Background(), env.App.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
