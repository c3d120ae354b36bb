package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

// say pushes a private message from u to the bot and processes it.
func say(t *testing.T, env *apptest.Env, bot apptest.Bot, u telego.User, text string) {
	t.Helper()
	res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, text))
	if err != nil || !res.Delivered {
		t.Fatalf("push: %+v %v", res, err)
	}
	env.Process(t)
}

func userPath(bot apptest.Bot, u telego.User) string {
	return "/api/bots/" + bot.ID + "/users/" + strconv.FormatInt(u.ID, 10)
}

func TestInboxRecordsIncomingMessagesAndTracksReadAndDone(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "inbox@example.com")
		bot := env.ConnectBot(t, c, "inbox_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7001, FirstName: "Ann", Username: "ann_s"})
		bob := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7002, FirstName: "Bob"})
		s := c.Stream(t, "/api/events?bot="+bot.ID+"&kind=message")

		say(t, env, bot, ann, "/start promo42")
		say(t, env, bot, ann, "Where is my order?")
		say(t, env, bot, bob, "hello")

		// The stream was told, with the conversation as subject.
		f := s.NextEvent(t).JSON(t)
		var md struct {
			UserID    int64  `json:"userId"`
			MessageID int64  `json:"messageId"`
			Direction string `json:"direction"`
		}
		json.Unmarshal(f.Data, &md)
		if f.Kind != "message" || f.Subject != "7001" || md.UserID != 7001 || md.Direction != "in" || md.MessageID == 0 {
			t.Fatalf("message event: %+v %+v", f, md)
		}

		inbox := "/api/bots/" + bot.ID + "/conversations"
		res := c.Get(t, inbox).Expect(t, http.StatusOK)
		rows := res.List(t)
		if len(rows) != 2 || res.JSON(t)["unreadConversations"].(float64) != 2 {
			t.Fatalf("inbox: %s", res.Text())
		}
		first := rows[0].(map[string]any)
		if first["userId"].(float64) != 7002 || first["lastMessage"].(map[string]any)["text"] != "hello" || first["unread"].(float64) != 1 {
			t.Fatalf("newest first: %+v", first)
		}
		second := rows[1].(map[string]any)
		if second["name"] != "Ann" || second["unread"].(float64) != 2 || second["status"] != "open" {
			t.Fatalf("ann: %+v", second)
		}
		// Search by username; messages newest first.
		if rows := c.Get(t, inbox+"?q=@ann_s").Expect(t, http.StatusOK).List(t); len(rows) != 1 {
			t.Fatalf("search: %v", rows)
		}
		msgs := c.Get(t, userPath(bot, ann)+"/messages").Expect(t, http.StatusOK).List(t)
		if len(msgs) != 2 || msgs[0].(map[string]any)["text"] != "Where is my order?" || msgs[0].(map[string]any)["via"] != "user" {
			t.Fatalf("messages: %v", msgs)
		}
		// Paging back with before.
		page := c.Get(t, userPath(bot, ann)+"/messages?limit=1").Expect(t, http.StatusOK).JSON(t)
		if page["hasMore"] != true {
			t.Fatalf("page 1: %v", page)
		}
		before := strconv.FormatFloat(page["nextBefore"].(float64), 'f', 0, 64)
		older := c.Get(t, userPath(bot, ann)+"/messages?limit=1&before="+before).Expect(t, http.StatusOK).JSON(t)
		if older["hasMore"] != false || older["data"].([]any)[0].(map[string]any)["text"] != "/start promo42" {
			t.Fatalf("page 2: %v", older)
		}

		// Read, done, and a new message reopens.
		conv := "/api/bots/" + bot.ID + "/conversations/7001"
		if d := c.Post(t, conv+"/read", nil).Expect(t, http.StatusOK).Data(t); d["unread"].(float64) != 0 {
			t.Fatalf("read: %v", d)
		}
		if d := c.Post(t, conv+"/done", nil).Expect(t, http.StatusOK).Data(t); d["status"] != "done" {
			t.Fatalf("done: %v", d)
		}
		if rows := c.Get(t, inbox).Expect(t, http.StatusOK).List(t); len(rows) != 1 {
			t.Fatalf("open inbox after done: %v", rows)
		}
		if rows := c.Get(t, inbox+"?status=done").Expect(t, http.StatusOK).List(t); len(rows) != 1 {
			t.Fatalf("done inbox: %v", rows)
		}
		say(t, env, bot, ann, "still there?")
		if rows := c.Get(t, inbox).Expect(t, http.StatusOK).List(t); len(rows) != 2 {
			t.Fatalf("reopened: %v", rows)
		}

		// The user page: source from the deep link, counts.
		d := c.Get(t, userPath(bot, ann)).Expect(t, http.StatusOK).Data(t)
		if d["source"] != "start:promo42" || d["messagesIn"].(float64) != 3 || d["messagesOut"].(float64) != 0 {
			t.Fatalf("user detail: %v", d)
		}
	}, apptest.Webhooks())
}

func TestSendFromTheInbox(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "answer@example.com")
		bot := env.ConnectBot(t, c, "answer_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7101, FirstName: "Ann"})
		say(t, env, bot, ann, "help")
		path := userPath(bot, ann) + "/messages"

		m := c.Post(t, path, map[string]any{"text": "<b>On it</b>", "parseMode": "HTML"}).Expect(t, http.StatusCreated).Data(t)
		if m["direction"] != "out" || m["via"] != "dashboard" || m["by"] != c.User(t).ID || m["error"] != nil || m["telegramMessageId"] == nil {
			t.Fatalf("sent: %v", m)
		}
		sent := env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)
		if len(sent) != 1 || sent[0].Text != "<b>On it</b>" || sent[0].ParseMode != "HTML" {
			t.Fatalf("the fake received %+v", sent)
		}
		conv := c.Get(t, "/api/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if conv["unread"].(float64) != 0 || conv["lastMessage"].(map[string]any)["direction"] != "out" {
			t.Fatalf("answering marks read: %v", conv)
		}

		// A photo by URL, with a caption.
		p := c.Post(t, path, map[string]any{"text": "look", "photo": "https://example.com/cat.png"}).Expect(t, http.StatusCreated).Data(t)
		if p["kind"] != "photo" || p["text"] != "look" || p["telegramMessageId"] == nil {
			t.Fatalf("photo: %v", p)
		}
		sent = env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)
		if len(sent) != 2 || len(sent[1].Message.Photo) == 0 || sent[1].Text != "look" {
			t.Fatalf("the fake received %+v", sent)
		}
		// Ann sends that picture back: her photo is served through the
		// proxy, never by a Telegram URL.
		back := telegramtest.MessageUpdate(ann, "")
		back.Message.Text, back.Message.Photo, back.Message.Caption = "", sent[1].Message.Photo, "yours?"
		if res, err := env.Telegram.Push(bot.Fake.Token, back); err != nil || !res.Delivered {
			t.Fatalf("push photo: %v", err)
		}
		env.Process(t)
		in := c.Get(t, path+"?limit=1").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if in["kind"] != "photo" || in["text"] != "yours?" || in["photoUrl"] == nil {
			t.Fatalf("incoming photo: %v", in)
		}
		img := c.Get(t, in["photoUrl"].(string)).Expect(t, http.StatusOK)
		if !strings.HasPrefix(img.Header.Get("Content-Type"), "image/") || strings.Contains(img.Text(), bot.Fake.Token) {
			t.Fatalf("photo proxy: %s", img.Header)
		}
		p = in

		// Bad input.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"text": ""}, "text"},
			{map[string]any{"text": "<b>open", "parseMode": "HTML"}, "text"},
			{map[string]any{"text": strings.Repeat("x", 4097)}, "text"},
			{map[string]any{"text": "x", "parseMode": "BBCode"}, "parseMode"},
			{map[string]any{"text": "x", "photo": "http://example.com/a.png"}, "photo"},
			{map[string]any{"text": strings.Repeat("x", 1025), "photo": "https://example.com/a.png"}, "text"},
		} {
			res := c.Post(t, path, tc.body).Expect(t, http.StatusUnprocessableEntity)
			if _, ok := res.Fields(t)[tc.field]; !ok {
				t.Fatalf("%v: fields %v", tc.body, res.Fields(t))
			}
		}
		if c.Post(t, path, map[string]any{"text": "x"}, "Content-Type", "text/plain").StatusCode < 400 {
			t.Fatal("a non-JSON body is refused")
		}
		for _, q := range []string{"?limit=0", "?limit=101", "?before=-1", "?before=x"} {
			if code := c.Get(t, path+q).StatusCode; code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Fatalf("%s: %d", q, code)
			}
		}
		c.Get(t, "/api/bots/"+bot.ID+"/conversations?status=closed").Expect(t, http.StatusUnprocessableEntity)
		c.Get(t, "/api/bots/"+bot.ID+"/conversations?page=0").Expect(t, http.StatusUnprocessableEntity)

		// A user who never wrote, another account's bot: 404.
		c.Post(t, "/api/bots/"+bot.ID+"/users/999/messages", map[string]any{"text": "x"}).Expect(t, http.StatusNotFound)
		c.Get(t, "/api/bots/"+bot.ID+"/users/999").Expect(t, http.StatusNotFound)
		c.Post(t, "/api/bots/"+bot.ID+"/conversations/999/done", nil).Expect(t, http.StatusNotFound)
		eve := env.SignUp(t, "eve@example.com")
		eve.Get(t, "/api/bots/"+bot.ID+"/conversations").Expect(t, http.StatusNotFound)
		eve.Get(t, path).Expect(t, http.StatusNotFound)
		eve.Get(t, userPath(bot, ann)).Expect(t, http.StatusNotFound)
		eve.Post(t, path, map[string]any{"text": "spam"}).Expect(t, http.StatusNotFound)
		eve.Post(t, "/api/bots/"+bot.ID+"/conversations/7101/read", nil).Expect(t, http.StatusNotFound)
		eve.Get(t, p["photoUrl"].(string)).Expect(t, http.StatusNotFound)

		// The user blocks the bot in Telegram: the send fails, is recorded
		// with the reason, and the next one is refused before Telegram.
		env.Telegram.SetBlocked(bot.Fake.Token, ann.ID, true)
		if code := c.Post(t, path, map[string]any{"text": "hello?"}).Expect(t, http.StatusConflict).ErrorCode(t); code != "user_blocked_bot" {
			t.Fatalf("code %s", code)
		}
		last := c.Get(t, path+"?limit=1").Expect(t, http.StatusOK).List(t)[0].(map[string]any)
		if last["text"] != "hello?" || last["error"] == nil || !strings.Contains(last["error"].(string), "blocked") {
			t.Fatalf("the failed send is on the conversation: %v", last)
		}
		before := len(env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID))
		c.Post(t, path, map[string]any{"text": "again"}).Expect(t, http.StatusConflict)
		if len(env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID)) != before {
			t.Fatal("a user known to block the bot is not sent to")
		}
	}, apptest.Webhooks(), apptest.Workers())
}

func TestInboxPages(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "pages@example.com")
		bot := env.ConnectBot(t, c, "pages_bot")
		ann := env.Telegram.AddUser(telegramtest.UserSpec{ID: 7201, FirstName: "Ann"})
		say(t, env, bot, ann, "hi <there>")

		inbox := c.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Ann", "hi &lt;there&gt;", `sse-connect="/api/events?bot=` + bot.ID, "1 unread message", `aria-current="page"`} {
			if !strings.Contains(inbox, want) {
				t.Fatalf("inbox page lacks %q", want)
			}
		}
		// The navigation shows the unread total.
		if !strings.Contains(c.Get(t, "/bots").Expect(t, http.StatusOK).Text(), "unread messages</span>") {
			t.Fatal("the navigation shows unread messages")
		}
		page := "/bots/" + bot.ID + "/users/7201/messages"
		thread := c.Get(t, page).Expect(t, http.StatusOK).Text()
		for _, want := range []string{"hi &lt;there&gt;", "Today", `name="text"`, "Mark done", "subject=7201"} {
			if !strings.Contains(thread, want) {
				t.Fatalf("conversation page lacks %q", want)
			}
		}
		// A form post without JavaScript: sent, then back to the conversation.
		res := c.Do(t, http.MethodPost, page, url.Values{"text": {"Thanks!"}})
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
			t.Fatalf("form send: %d %s", res.StatusCode, res.Text())
		}
		if sent := env.Telegram.SentMessagesTo(bot.Fake.Token, ann.ID); len(sent) != 1 || sent[0].Text != "Thanks!" {
			t.Fatalf("sent %+v", sent)
		}
		// An empty message re-renders the composer with the error (htmx).
		res = c.Do(t, http.MethodPost, page, url.Values{"text": {""}}, "HX-Request", "true")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Text(), "composer-text-error") {
			t.Fatalf("empty send: %d %s", res.StatusCode, res.Text())
		}
		// The user blocks the bot: the composer is off, with the reason.
		env.Telegram.SetBlocked(bot.Fake.Token, ann.ID, true)
		res2, err := env.Telegram.Push(bot.Fake.Token, telegramtest.BotBlockedUpdate(ann, bot.Fake.User()))
		if err != nil || !res2.Delivered {
			t.Fatalf("push block: %v", err)
		}
		env.Process(t)
		thread = c.Get(t, page).Expect(t, http.StatusOK).Text()
		if !strings.Contains(thread, "blocked @pages_bot in Telegram") || strings.Contains(thread, `name="text"`) {
			t.Fatal("the composer is off when the user blocked the bot")
		}
		// The user page: profile, counts, the timeline, "message", block;
		// the users table links to it.
		profile := c.Get(t, "/bots/"+bot.ID+"/users/7201").Expect(t, http.StatusOK).Text()
		for _, want := range []string{"Ann", "Messages in", "hi &lt;there&gt;", "Thanks!", `href="/bots/` + bot.ID + `/users/7201/messages"`, "Blocked the bot"} {
			if !strings.Contains(profile, want) {
				t.Fatalf("user page lacks %q", want)
			}
		}
		if !strings.Contains(c.Get(t, "/bots/"+bot.ID+"/users").Expect(t, http.StatusOK).Text(), `href="/bots/`+bot.ID+`/users/7201"`) {
			t.Fatal("the users table links to the user page")
		}
		res = c.Do(t, http.MethodPost, "/bots/"+bot.ID+"/users/7201/block", url.Values{"back": {"/bots/" + bot.ID + "/users/7201"}})
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/bots/"+bot.ID+"/users/7201" {
			t.Fatalf("blocking from the user page returns there, not %q", loc)
		}
		// Another account: 404 pages.
		eve := env.SignUp(t, "eve2@example.com")
		eve.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusNotFound)
		eve.Get(t, page).Expect(t, http.StatusNotFound)
		eve.Get(t, "/bots/"+bot.ID+"/users/7201").Expect(t, http.StatusNotFound)
	}, apptest.Webhooks(), apptest.Workers())
}

// TestAMessageOnOneInstanceReachesAStreamOnAnother runs two Botdecks on
// one database: a message processed by instance A reaches an open stream
// of the conversation on instance B, which also lists it.
func TestAMessageOnOneInstanceReachesAStreamOnAnother(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			a := apptest.Start(t, d, apptest.Webhooks())
			b := apptest.Start(t, d, apptest.Config(func(c *config.Config) {
				c.DatabaseURL, c.SecretKeyFile = a.App.Config.DatabaseURL, a.App.Config.SecretKeyFile
			}))
			onA := a.SignUp(t, "two@example.com")
			bot := a.ConnectBot(t, onA, "two_bot")
			onB := b.Client().WithAPIKey(onA.NewAPIKey(t, "inbox"))
			ann := a.Telegram.AddUser(telegramtest.UserSpec{ID: 7301, FirstName: "Ann"})

			s := onB.Stream(t, "/api/events?bot="+bot.ID+"&kind=message&subject=7301")
			say(t, a, bot, ann, "from far away")
			f := s.NextEvent(t).JSON(t)
			if f.Kind != "message" || f.BotID != bot.ID || f.Subject != "7301" {
				t.Fatalf("instance B streamed %+v", f)
			}
			msgs := onB.Get(t, "/api/bots/"+bot.ID+"/users/7301/messages").Expect(t, http.StatusOK).List(t)
			if len(msgs) != 1 || msgs[0].(map[string]any)["text"] != "from far away" {
				t.Fatalf("instance B lists %v", msgs)
			}
		})
	}
}

// TestBroadcastMessagesAppearInConversations: each message a broadcast
// delivered, or that Telegram refused, is in its person's conversation.
func TestBroadcastMessagesAppearInConversations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		c := env.SignUp(t, "bcconv@example.com")
		bot := env.ConnectBot(t, c, "bcconv_bot")
		seedAudience(t, env, bot.ID, 3, time.Now())
		env.Telegram.SetBlocked(bot.Fake.Token, 1002, true)
		id := c.Post(t, "/api/bots/"+bot.ID+"/broadcasts", map[string]any{"text": "<b>Sale</b>", "parseMode": "HTML"}).
			Expect(t, http.StatusCreated).Data(t)["id"].(string)
		apptest.Eventually(t, 60*time.Second, "the broadcast to finish", func() bool {
			return c.Get(t, "/api/broadcasts/"+id).Data(t)["status"] == "done"
		})
		got := c.Get(t, "/api/bots/"+bot.ID+"/users/1001/messages").Expect(t, http.StatusOK).List(t)
		if len(got) != 1 || got[0].(map[string]any)["via"] != "broadcast" || got[0].(map[string]any)["text"] != "<b>Sale</b>" ||
			got[0].(map[string]any)["telegramMessageId"] == nil {
			t.Fatalf("delivered: %v", got)
		}
		got = c.Get(t, "/api/bots/"+bot.ID+"/users/1002/messages").Expect(t, http.StatusOK).List(t)
		if len(got) != 1 || got[0].(map[string]any)["error"] == nil {
			t.Fatalf("refused: %v", got)
		}
	}, apptest.Workers())
}

// TestBotCodeMessagesAppearInConversations: what the bot's code sends to a
// person is in their conversation, with origin code.
func TestBotCodeMessagesAppearInConversations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner, bot := codeBot(t, env, "codeconv@example.com", "codeconv_bot", contractCode)
		seedBotUsers(t, env, bot.ID, models.BotUser{UserID: 4343, FirstName: "Kim", StartedAt: models.Now()})
		call(t, env, "POST", "/custom/"+bot.ID+"/send?chat=4343", `{"text": "hello from code"}`).Expect(t, http.StatusOK)
		got := owner.Get(t, "/api/bots/"+bot.ID+"/users/4343/messages").Expect(t, http.StatusOK).List(t)
		if len(got) != 1 || got[0].(map[string]any)["via"] != "code" || got[0].(map[string]any)["text"] != "hello from code" ||
			got[0].(map[string]any)["telegramMessageId"] == nil {
			t.Fatalf("messages: %v", got)
		}
	})
}
