package botapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/botapi"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
	"github.com/botdeck/botdeck/models"
)

type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	status      int
}

// call posts params as JSON to the proxy, as a bot framework would.
func call(t *testing.T, env *apptest.Env, token, method string, params any) answer {
	t.Helper()
	body, _ := json.Marshal(params)
	resp, err := http.Post(env.URL("/botapi/bot"+token+"/"+method), "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, resp)
}

func decode(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	var a answer
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("not a Bot API answer (%d): %s", resp.StatusCode, raw)
	}
	a.status = resp.StatusCode
	return a
}

func updateIDs(t *testing.T, a answer) []int64 {
	t.Helper()
	if !a.OK {
		t.Fatalf("getUpdates failed: %d %s", a.ErrorCode, a.Description)
	}
	var ups []struct {
		UpdateID int64 `json:"update_id"`
	}
	json.Unmarshal(a.Result, &ups)
	out := make([]int64, len(ups))
	for i, u := range ups {
		out[i] = u.UpdateID
	}
	return out
}

func pushMessages(t *testing.T, env *apptest.Env, bot apptest.Bot, texts ...string) {
	t.Helper()
	for _, text := range texts {
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		if _, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, text)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestProxyGetUpdatesOffsetSemantics(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "poll@example.com"), "polling_bot")
		token := bot.Fake.Token
		if got := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{})); len(got) != 0 {
			t.Fatalf("nothing yet: %v", got)
		}
		pushMessages(t, env, bot, "a", "b", "c")
		if got := updateIDs(t, call(t, env, token, "getUpdates", nil)); len(got) != 0 {
			t.Fatalf("nothing is served before Botdeck processed it: %v", got)
		}
		env.Process(t)
		all := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{}))
		if len(all) != 3 || all[0] >= all[1] || all[1] >= all[2] {
			t.Fatalf("three in order: %v", all)
		}
		// Not confirmed: served again; limit bounds; offset confirms.
		if again := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{"limit": 2})); len(again) != 2 || again[0] != all[0] {
			t.Fatalf("unconfirmed updates come again, limited: %v", again)
		}
		if rest := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{"offset": all[1]})); len(rest) != 2 || rest[0] != all[1] {
			t.Fatalf("offset confirms the earlier ones: %v", rest)
		}
		if none := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{"offset": all[2] + 1})); len(none) != 0 {
			t.Fatalf("all confirmed: %v", none)
		}
		// An offset is a confirmation for good: an older one brings nothing back.
		if none := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{"offset": all[0]})); len(none) != 0 {
			t.Fatalf("confirmed updates never return: %v", none)
		}
		// Form-encoded and query-string parameters work too.
		pushMessages(t, env, bot, "d", "e")
		env.Process(t)
		resp, err := http.PostForm(env.URL("/botapi/bot"+token+"/getUpdates"), url.Values{"limit": {"1"}})
		if err != nil {
			t.Fatal(err)
		}
		if got := updateIDs(t, decode(t, resp)); len(got) != 1 {
			t.Fatalf("form limit: %v", got)
		}
		// A negative offset keeps only the last updates.
		if got := updateIDs(t, call(t, env, token, "getUpdates", map[string]any{"offset": -1})); len(got) != 1 || got[0] <= all[2]+1 {
			t.Fatalf("offset -1: %v", got)
		}
		if bad := call(t, env, token, "getUpdates", map[string]any{"offset": "x"}); bad.OK || bad.ErrorCode != 400 {
			t.Fatalf("bad offset: %+v", bad)
		}
	}, apptest.Webhooks())
}

func TestProxyAllowedUpdates(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "allowed@example.com"), "allowed_bot")
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Bo"})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "hi"))
		env.Telegram.Push(bot.Fake.Token, telegramtest.EditedMessageUpdate(u, 1, "hi!"))
		group := env.Telegram.AddChat(telegramtest.ChatSpec{Type: "supergroup", Title: "G"})
		env.Telegram.Push(bot.Fake.Token, telegramtest.JoinUpdate(group, u, nil, false))
		env.Process(t)
		only := call(t, env, bot.Fake.Token, "getUpdates", map[string]any{"allowed_updates": []string{"edited_message"}})
		var ups []map[string]any
		json.Unmarshal(only.Result, &ups)
		if len(ups) != 1 || ups[0]["edited_message"] == nil {
			t.Fatalf("only edited messages: %s", only.Result)
		}
		// By default chat_member is left out, as Telegram does.
		def := call(t, env, bot.Fake.Token, "getUpdates", map[string]any{})
		if strings.Contains(string(def.Result), "chat_member") || len(updateIDs(t, def)) != 2 {
			t.Fatalf("default types: %s", def.Result)
		}
		all := call(t, env, bot.Fake.Token, "getUpdates", map[string]any{"allowed_updates": []string{"message", "edited_message", "chat_member"}})
		if len(updateIDs(t, all)) != 3 {
			t.Fatalf("asked for chat_member: %s", all.Result)
		}
	}, apptest.Webhooks())
}

func TestProxyLongPollWaitsAndWakes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "long@example.com"), "long_bot")
		got := make(chan []int64, 1)
		go func() { got <- updateIDs(t, call(t, env, bot.Fake.Token, "getUpdates", map[string]any{"timeout": 30})) }()
		select {
		case ids := <-got:
			t.Fatalf("a long poll with nothing to give must wait, got %v", ids)
		case <-time.After(300 * time.Millisecond):
		}
		pushMessages(t, env, bot, "wake up")
		env.Process(t)
		select {
		case ids := <-got:
			if len(ids) != 1 {
				t.Fatalf("woken with %v", ids)
			}
		case <-time.After(25 * time.Second):
			t.Fatal("the long poll was not answered with the new update")
		}
		// A short timeout with nothing new ends empty.
		ids := updateIDs(t, call(t, env, bot.Fake.Token, "getUpdates", map[string]any{}))
		last := ids[0]
		if none := updateIDs(t, call(t, env, bot.Fake.Token, "getUpdates", map[string]any{"offset": last + 1, "timeout": 1})); len(none) != 0 {
			t.Fatalf("timeout without updates: %v", none)
		}
	}, apptest.Webhooks())
}

func TestProxyForwardsToTelegram(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "fwd@example.com"), "forward_bot")
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Cy", WithPhoto: true})
		token := bot.Fake.Token

		me := call(t, env, token, "getMe", nil)
		if !me.OK || !strings.Contains(string(me.Result), "forward_bot") {
			t.Fatalf("getMe: %+v", me)
		}
		if a := call(t, env, token, "sendMessage", map[string]any{"chat_id": u.ID, "text": "json"}); !a.OK {
			t.Fatalf("sendMessage: %+v", a)
		}
		resp, _ := http.PostForm(env.URL("/botapi/bot"+token+"/sendMessage"), url.Values{"chat_id": {fmt.Sprint(u.ID)}, "text": {"form"}})
		if a := decode(t, resp); !a.OK {
			t.Fatalf("form sendMessage: %+v", a)
		}
		var mp bytes.Buffer
		mw := multipart.NewWriter(&mp)
		mw.WriteField("chat_id", fmt.Sprint(u.ID))
		mw.WriteField("text", "multipart")
		mw.Close()
		resp, _ = http.Post(env.URL("/botapi/bot"+token+"/sendMessage"), mw.FormDataContentType(), &mp)
		if a := decode(t, resp); !a.OK {
			t.Fatalf("multipart sendMessage: %+v", a)
		}
		var texts []string
		for _, m := range env.Telegram.SentMessagesTo(token, u.ID) {
			texts = append(texts, m.Text)
		}
		if fmt.Sprint(texts) != "[json form multipart]" {
			t.Fatalf("Telegram got %v", texts)
		}
		// Telegram's errors come back as they are.
		if a := call(t, env, token, "sendMessage", map[string]any{"chat_id": u.ID}); a.OK || a.ErrorCode != 400 || a.status != 400 {
			t.Fatalf("Telegram's error: %+v", a)
		}
		// A file download through the proxy.
		photos := call(t, env, token, "getUserProfilePhotos", map[string]any{"user_id": u.ID})
		var pp telego.UserProfilePhotos
		json.Unmarshal(photos.Result, &pp)
		if len(pp.Photos) == 0 {
			t.Fatalf("photos: %s", photos.Result)
		}
		f := call(t, env, token, "getFile", map[string]any{"file_id": pp.Photos[0][0].FileID})
		var file telego.File
		json.Unmarshal(f.Result, &file)
		resp, err := http.Get(env.URL("/botapi/file/bot" + token + "/" + file.FilePath))
		if err != nil {
			t.Fatal(err)
		}
		img, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(img, []byte("\x89PNG")) {
			t.Fatalf("file download: %d %q", resp.StatusCode, img[:min(len(img), 8)])
		}
		// Unknown tokens and paths: Telegram's 404 shape; logOut is refused.
		other := env.Telegram.AddBot(telegramtest.BotSpec{Username: "not_managed_bot"})
		for _, a := range []answer{call(t, env, other.Token, "getMe", nil), call(t, env, "123:nope", "getMe", nil)} {
			if a.OK || a.ErrorCode != 404 || a.status != 404 || a.Description != "Not Found" {
				t.Fatalf("unknown token: %+v", a)
			}
		}
		if a := call(t, env, token, "logOut", nil); a.OK || a.ErrorCode != 400 || env.Telegram.CallCount(token, "logOut") != 0 {
			t.Fatalf("logOut must not reach Telegram: %+v", a)
		}
		resp, _ = http.Get(env.URL("/botapi/file/bot" + other.Token + "/" + file.FilePath))
		if a := decode(t, resp); a.ErrorCode != 404 {
			t.Fatalf("file of an unmanaged bot: %+v", a)
		}
	}, apptest.Webhooks())
}

// receiver is the owner's bot server in webhook mode.
func receiver(t *testing.T) (*httptest.Server, func() []string, func() []string) {
	var mu sync.Mutex
	var bodies, secrets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		secrets = append(secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	get := func(s *[]string) func() []string {
		return func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), *s...) }
	}
	return srv, get(&bodies), get(&secrets)
}

func TestProxySetWebhookDrivesTheRelay(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "hook@example.com"), "hooked_bot")
		token := bot.Fake.Token
		srv, bodies, secrets := receiver(t)

		if a := call(t, env, token, "setWebhook", map[string]any{"url": srv.URL, "secret_token": "bad secret!"}); a.OK || a.ErrorCode != 400 {
			t.Fatalf("bad secret: %+v", a)
		}
		if a := call(t, env, token, "setWebhook", map[string]any{"url": srv.URL, "secret_token": "my_secret-1"}); !a.OK {
			t.Fatalf("setWebhook: %+v", a)
		}
		info, _, _ := env.Telegram.WebhookInfo(token)
		if !strings.HasPrefix(info.URL, env.Server.URL) {
			t.Fatalf("Telegram's webhook must stay Botdeck's: %q", info.URL)
		}
		if a := call(t, env, token, "getUpdates", nil); a.OK || a.ErrorCode != 409 {
			t.Fatalf("getUpdates while the webhook is set: %+v", a)
		}
		var wi telego.WebhookInfo
		json.Unmarshal(call(t, env, token, "getWebhookInfo", nil).Result, &wi)
		if wi.URL != srv.URL {
			t.Fatalf("getWebhookInfo: %+v", wi)
		}
		pushMessages(t, env, bot, "relay me")
		apptest.Eventually(t, 20*time.Second, "relayed", func() bool { return len(bodies()) == 1 })
		if s := secrets(); s[0] != "my_secret-1" || !strings.Contains(bodies()[0], "relay me") {
			t.Fatalf("delivered %v with %v", bodies(), s)
		}
		if a := call(t, env, token, "deleteWebhook", map[string]any{}); !a.OK {
			t.Fatalf("deleteWebhook: %+v", a)
		}
		pushMessages(t, env, bot, "poll me")
		apptest.Eventually(t, 20*time.Second, "served to getUpdates", func() bool {
			a := call(t, env, token, "getUpdates", map[string]any{})
			return a.OK && strings.Contains(string(a.Result), "poll me")
		})
		if len(bodies()) != 1 {
			t.Fatalf("nothing relayed after deleteWebhook: %v", bodies())
		}
		rel, _ := models.RelayOf(context.Background(), env.App.DB, bot.ID)
		if rel.Active() {
			t.Fatalf("relay still on: %+v", rel)
		}
	}, apptest.Webhooks(), apptest.Workers(), apptest.Config(func(c *config.Config) { c.RelayAllowPrivate = true }))
}

// TestTelegoBehindTheProxy runs a real bot library as the owner's bot:
// telego pointed at the proxy, long polling, answering /start; then the same
// bot in webhook mode through the proxy's setWebhook.
func TestTelegoBehindTheProxy(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "telego@example.com"), "telego_bot")
		tb, err := telego.NewBot(bot.Fake.Token, telego.WithAPIServer(env.URL("/botapi")), telego.WithDiscardLogger())
		if err != nil {
			t.Fatal(err)
		}
		answer := func(ctx context.Context, updates <-chan telego.Update) {
			for u := range updates {
				if u.Message != nil && strings.HasPrefix(u.Message.Text, "/start") {
					tb.SendMessage(ctx, &telego.SendMessageParams{ChatID: telego.ChatID{ID: u.Message.Chat.ID}, Text: "Welcome from my own server"})
				}
			}
		}
		welcomed := func(userID int64) bool {
			for _, m := range env.Telegram.SentMessagesTo(bot.Fake.Token, userID) {
				if m.Text == "Welcome from my own server" {
					return true
				}
			}
			return false
		}

		ctx, stop := context.WithCancel(context.Background())
		updates, err := tb.UpdatesViaLongPolling(ctx, &telego.GetUpdatesParams{Timeout: 5})
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { answer(ctx, updates); close(done) }()
		ann := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Ann"})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(ann, "/start"))
		apptest.Eventually(t, 30*time.Second, "the polling bot answered /start", func() bool { return welcomed(ann.ID) })
		stop()
		<-done

		// The same bot switched to webhook mode through the proxy.
		mux := http.NewServeMux()
		srv := httptest.NewServer(mux)
		defer srv.Close()
		ctx2, stop2 := context.WithCancel(context.Background())
		defer stop2()
		hooked, err := tb.UpdatesViaWebhook(ctx2, telego.WebhookHTTPServeMux(mux, "POST /hook", "s3cret"),
			telego.WithWebhookSet(ctx2, &telego.SetWebhookParams{URL: srv.URL + "/hook", SecretToken: "s3cret"}))
		if err != nil {
			t.Fatal(err)
		}
		go answer(ctx2, hooked)
		bo := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Bo"})
		env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(bo, "/start"))
		apptest.Eventually(t, 30*time.Second, "the webhook bot answered /start", func() bool { return welcomed(bo.ID) })
	}, apptest.Webhooks(), apptest.Workers(), apptest.Config(func(c *config.Config) { c.RelayAllowPrivate = true }))
}

// TestLongPollOnAnotherInstance: a long poll held by an instance that does
// not process the update (no in-process wake-up) still gets it, from its
// periodic look at the database.
func TestLongPollOnAnotherInstance(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		bot := env.ConnectBot(t, env.SignUp(t, "other-instance@example.com"), "elsewhere_bot")
		other := botapi.NewProxy(env.App.DB, env.App.Bots, env.App.Relays, env.App.BotAPI, quietLog(),
			botapi.Config{PollEvery: 100 * time.Millisecond})
		srv := httptest.NewServer(other)
		defer srv.Close()
		got := make(chan []int64, 1)
		go func() {
			resp, err := http.Post(srv.URL+"/botapi/bot"+bot.Fake.Token+"/getUpdates", "application/json", strings.NewReader(`{"timeout":20}`))
			if err != nil {
				got <- nil
				return
			}
			got <- updateIDs(t, decode(t, resp))
		}()
		time.Sleep(200 * time.Millisecond) // the poll is waiting (not a timing assertion: it may start later)
		pushMessages(t, env, bot, "processed on the first instance")
		env.Process(t)
		select {
		case ids := <-got:
			if len(ids) != 1 {
				t.Fatalf("the other instance's long poll got %v", ids)
			}
		case <-time.After(25 * time.Second):
			t.Fatal("the other instance's long poll never saw the update")
		}
	}, apptest.Webhooks())
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestProxiedSendsAppearInConversations: what the bot's own server sends
// through the proxy to a person is in that person's conversation, marked
// as coming from the proxy; group messages are not conversations.
func TestProxiedSendsAppearInConversations(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "proxied@example.com")
		bot := env.ConnectBot(t, owner, "proxied_bot")
		u := env.Telegram.AddUser(telegramtest.UserSpec{FirstName: "Dee"})
		if res, err := env.Telegram.Push(bot.Fake.Token, telegramtest.MessageUpdate(u, "hi there")); err != nil || !res.Delivered {
			t.Fatalf("push: %+v %v", res, err)
		}
		env.Process(t)
		if a := call(t, env, bot.Fake.Token, "sendMessage", map[string]any{"chat_id": u.ID, "text": "Sent by my own server"}); !a.OK {
			t.Fatalf("sendMessage: %+v", a)
		}
		var found bool
		for _, m := range owner.Get(t, fmt.Sprintf("/api/bots/%s/users/%d/messages", bot.ID, u.ID)).Expect(t, http.StatusOK).List(t) {
			m := m.(map[string]any)
			if m["text"] == "Sent by my own server" {
				found = m["direction"] == "out" && m["via"] == "proxy"
			}
		}
		if !found {
			t.Fatal("the proxied message is in the conversation, outgoing, via the proxy")
		}
	}, apptest.Webhooks())
}
