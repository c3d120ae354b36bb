package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/telegram/telegramtest"
)

type fixture struct {
	srv    *telegramtest.Server
	client *telegram.Client
	bot    *telegramtest.FakeBot
	ctx    context.Context
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := telegramtest.Start(t, telegramtest.WithMaxLongPoll(5*time.Second))
	client, err := telegram.New(telegram.Options{BaseURL: srv.URL(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, client: client, bot: srv.AddBot(telegramtest.BotSpec{Username: "demo_bot", FirstName: "Demo"}), ctx: t.Context()}
}

// must unwraps a (value, error) pair; a failure panics, which fails the
// test with a stack trace pointing at the call.
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, base := range []string{"api.telegram.org", "ftp://x", "http://"} {
		if _, err := telegram.New(telegram.Options{BaseURL: base}); err == nil {
			t.Errorf("New(%q) succeeded", base)
		}
	}
	c, err := telegram.New(telegram.Options{})
	if err != nil || c.BaseURL() != telegram.DefaultBaseURL {
		t.Fatalf("default base URL: %v %v", c, err)
	}
}

func TestGetMe(t *testing.T) {
	f := newFixture(t)
	me := must(f.client.GetMe(f.ctx, f.bot.Token))
	if me.ID != f.bot.ID || me.Username != "demo_bot" || !me.IsBot || me.FirstName != "Demo" {
		t.Fatalf("getMe = %+v", me)
	}
}

func TestWebhookLifecycle(t *testing.T) {
	f := newFixture(t)
	err := f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{
		URL:            "https://example.test/tg/abc",
		SecretToken:    "s3cret_-",
		AllowedUpdates: []string{"message", "chat_member"},
		MaxConnections: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	info := must(f.client.GetWebhookInfo(f.ctx, f.bot.Token))
	if info.URL != "https://example.test/tg/abc" || info.MaxConnections != 10 || strings.Join(info.AllowedUpdates, ",") != "message,chat_member" {
		t.Fatalf("webhook info = %+v", info)
	}
	if _, secret, _ := f.srv.WebhookInfo(f.bot.Token); secret != "s3cret_-" {
		t.Fatalf("secret = %q", secret)
	}

	// An explicitly empty list must reach Telegram (telego's omitempty would drop it).
	if err := f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: "https://example.test/tg/abc", AllowedUpdates: []string{}}); err != nil {
		t.Fatal(err)
	}
	if got := f.srv.AllowedUpdates(f.bot.Token); len(got) != 0 {
		t.Fatalf("allowed updates after empty list = %v, want default", got)
	}
	// nil keeps the previous setting.
	_ = f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: "https://example.test/x", AllowedUpdates: []string{"message"}})
	_ = f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: "https://example.test/y"})
	if got := f.srv.AllowedUpdates(f.bot.Token); strings.Join(got, ",") != "message" {
		t.Fatalf("allowed updates after nil = %v, want kept", got)
	}

	err = f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: "https://example.test/", SecretToken: "bad secret!"})
	if !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("bad secret: %v", err)
	}

	if err := f.client.DeleteWebhook(f.ctx, f.bot.Token, true); err != nil {
		t.Fatal(err)
	}
	info = must(f.client.GetWebhookInfo(f.ctx, f.bot.Token))
	if info.URL != "" {
		t.Fatalf("webhook still set: %+v", info)
	}
}

func TestGetUpdatesRawOffsetsAndUnknownFields(t *testing.T) {
	f := newFixture(t)
	user := f.srv.AddUser(telegramtest.UserSpec{FirstName: "Ann", Username: "ann"})
	first := must(f.srv.Push(f.bot.Token, telegramtest.MessageUpdate(user, "/start ref42")))
	must(f.srv.Push(f.bot.Token, telegramtest.MessageUpdate(user, "hello")))
	// A field telego does not know must survive into the raw bytes.
	must(f.srv.PushJSON(f.bot.Token, []byte(`{"message":{"message_id":99,"date":1,"chat":{"id":1,"type":"private","first_name":"A"},"text":"x","future_field":{"a":1}}}`)))

	updates := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 0, nil))
	if len(updates) != 3 {
		t.Fatalf("got %d updates, want 3", len(updates))
	}
	var u telego.Update
	if err := json.Unmarshal(updates[0], &u); err != nil {
		t.Fatal(err)
	}
	if u.UpdateID != first.UpdateID || u.Message.Text != "/start ref42" || u.Message.From.ID != user.ID {
		t.Fatalf("first update = %+v", u)
	}
	if len(u.Message.Entities) != 1 || u.Message.Entities[0].Type != "bot_command" || u.Message.Entities[0].Length != 6 {
		t.Fatalf("entities = %+v", u.Message.Entities)
	}
	if !bytes.Contains(updates[2], []byte(`"future_field":{"a":1}`)) {
		t.Fatalf("unknown field lost: %s", updates[2])
	}

	// Without an offset the same updates come back; offset confirms.
	again := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 1, 0, nil))
	if len(again) != 1 || !bytes.Equal(again[0], updates[0]) {
		t.Fatalf("limit 1 without offset = %s", again)
	}
	rest := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, int64(first.UpdateID)+1, 100, 0, nil))
	if len(rest) != 2 {
		t.Fatalf("after confirming the first: %d updates, want 2", len(rest))
	}
	var last struct {
		UpdateID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(rest[1], &last)
	if got := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, last.UpdateID+1, 100, 0, nil)); len(got) != 0 {
		t.Fatalf("after confirming all: %d updates", len(got))
	}
}

func TestGetUpdatesRawLongPoll(t *testing.T) {
	f := newFixture(t)
	user := f.srv.AddUser(telegramtest.UserSpec{})
	go func() {
		time.Sleep(150 * time.Millisecond)
		_, _ = f.srv.Push(f.bot.Token, telegramtest.MessageUpdate(user, "late"))
	}()
	start := time.Now()
	// The poll outlasts the client's 5s timeout budget only if the deadline
	// accounts for it; here it must return as soon as the update arrives.
	updates := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 30, nil))
	if len(updates) != 1 || time.Since(start) > 3*time.Second {
		t.Fatalf("long poll returned %d updates after %v", len(updates), time.Since(start))
	}

	// An empty long poll waits for its timeout and is not cut by the client timeout.
	c, _ := telegram.New(telegram.Options{BaseURL: f.srv.URL(), Timeout: 200 * time.Millisecond})
	var last struct {
		UpdateID int64 `json:"update_id"`
	}
	_ = json.Unmarshal(updates[0], &last)
	start = time.Now()
	empty, err := c.GetUpdatesRaw(f.ctx, f.bot.Token, last.UpdateID+1, 100, 1, nil)
	if err != nil || len(empty) != 0 {
		t.Fatalf("empty poll: %v, %d updates", err, len(empty))
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("empty poll returned after %v, want ~1s", d)
	}
}

func TestGetUpdatesConflicts(t *testing.T) {
	f := newFixture(t)
	if err := f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: "https://example.test/hook"}); err != nil {
		t.Fatal(err)
	}
	_, err := f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 0, nil)
	var tgErr *telegram.Error
	if !errors.Is(err, telegram.ErrConflict) || !errors.As(err, &tgErr) ||
		tgErr.Description != "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first" {
		t.Fatalf("getUpdates with webhook: %v", err)
	}
	_ = f.client.DeleteWebhook(f.ctx, f.bot.Token, false)

	// A second poller terminates the first, as on Telegram.
	errc := make(chan error, 1)
	go func() {
		_, err := f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 5, nil)
		errc <- err
	}()
	waitFor(t, func() bool { return f.srv.CallCount(f.bot.Token, "getUpdates") == 1 })
	time.Sleep(50 * time.Millisecond)
	if _, err := f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, telegram.ErrConflict) || !strings.Contains(err.Error(), "terminated by other getUpdates request") {
		t.Fatalf("first poller: %v", err)
	}
}

func TestAllowedUpdatesFiltering(t *testing.T) {
	f := newFixture(t)
	chat := f.srv.AddChat(telegramtest.ChatSpec{Title: "Club"})
	user := f.srv.AddUser(telegramtest.UserSpec{})

	// Default (never set): chat_member is not delivered.
	res := must(f.srv.Push(f.bot.Token, telegramtest.JoinUpdate(chat, user, nil, false)))
	if !res.Dropped {
		t.Fatalf("chat_member with default allowed_updates: %+v", res)
	}
	// Asking for it explicitly (here through getUpdates) lets it through.
	must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 0, []string{"message", "chat_member"}))
	if res := must(f.srv.Push(f.bot.Token, telegramtest.LeaveUpdate(chat, user))); res.Dropped {
		t.Fatalf("chat_member after allowing it: %+v", res)
	}
	if res := must(f.srv.Push(f.bot.Token, telegramtest.ChannelPostUpdate(chat, "x"))); !res.Dropped {
		t.Fatalf("channel_post not in list: %+v", res)
	}
	updates := must(f.client.GetUpdatesRaw(f.ctx, f.bot.Token, 0, 100, 0, nil))
	if len(updates) != 1 || !bytes.Contains(updates[0], []byte(`"chat_member"`)) {
		t.Fatalf("updates = %s", updates)
	}
}

func TestSendMessage(t *testing.T) {
	f := newFixture(t)
	user := f.srv.AddUser(telegramtest.UserSpec{FirstName: "Bo"})
	msg := must(f.client.SendMessage(f.ctx, f.bot.Token, user.ID, "<b>Hi</b> &amp; welcome", telegram.SendOptions{
		ParseMode:          telego.ModeHTML,
		DisableLinkPreview: true,
		ReplyMarkup: &telego.InlineKeyboardMarkup{InlineKeyboard: [][]telego.InlineKeyboardButton{
			{{Text: "Go", CallbackData: "go"}},
		}},
	}))
	if msg.Text != "Hi & welcome" || msg.Chat.ID != user.ID || msg.From.ID != f.bot.ID || msg.MessageID == 0 {
		t.Fatalf("message = %+v", msg)
	}
	if len(msg.Entities) != 1 || msg.Entities[0].Type != "bold" || msg.Entities[0].Length != 2 {
		t.Fatalf("entities = %+v", msg.Entities)
	}
	if msg.LinkPreviewOptions == nil || !msg.LinkPreviewOptions.IsDisabled || msg.ReplyMarkup == nil {
		t.Fatalf("options not echoed: %+v", msg)
	}
	sent := f.srv.SentMessagesTo(f.bot.Token, user.ID)
	if len(sent) != 1 || sent[0].Text != "<b>Hi</b> &amp; welcome" || sent[0].ParseMode != "HTML" || !sent[0].DisableLinkPreview {
		t.Fatalf("recorded = %+v", sent)
	}

	_, err := f.client.SendMessage(f.ctx, f.bot.Token, user.ID, "1.5", telegram.SendOptions{ParseMode: telego.ModeMarkdownV2})
	if !errors.Is(err, telegram.ErrBadRequest) || !strings.Contains(err.Error(), "can't parse entities") {
		t.Fatalf("unescaped MarkdownV2: %v", err)
	}
	_, err = f.client.SendMessage(f.ctx, f.bot.Token, user.ID, "  ", telegram.SendOptions{})
	if !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("empty text: %v", err)
	}
}

func TestSendMessageForbidden(t *testing.T) {
	f := newFixture(t)
	user := f.srv.AddUser(telegramtest.UserSpec{})
	must(f.srv.Push(f.bot.Token, telegramtest.BotBlockedUpdate(user, f.bot.User())))
	_, err := f.client.SendMessage(f.ctx, f.bot.Token, user.ID, "hi", telegram.SendOptions{})
	var tgErr *telegram.Error
	if !errors.Is(err, telegram.ErrForbidden) || !errors.As(err, &tgErr) || tgErr.Description != "Forbidden: bot was blocked by the user" {
		t.Fatalf("blocked: %v", err)
	}
	must(f.srv.Push(f.bot.Token, telegramtest.BotUnblockedUpdate(user, f.bot.User())))
	must(f.client.SendMessage(f.ctx, f.bot.Token, user.ID, "hi again", telegram.SendOptions{}))

	gone := f.srv.AddUser(telegramtest.UserSpec{})
	_ = f.srv.SetDeactivated(gone.ID, true)
	if _, err := f.client.SendMessage(f.ctx, f.bot.Token, gone.ID, "hi", telegram.SendOptions{}); !errors.Is(err, telegram.ErrForbidden) {
		t.Fatalf("deactivated: %v", err)
	}
	if _, err := f.client.SendMessage(f.ctx, f.bot.Token, -100123, "hi", telegram.SendOptions{}); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("unknown group: %v", err)
	}
}

func TestSendRateLimit(t *testing.T) {
	f := newFixture(t)
	if err := f.srv.SetSendRate(f.bot.Token, 5); err != nil {
		t.Fatal(err)
	}
	var limited *telegram.Error
	for i := range 6 {
		_, err := f.client.SendMessage(f.ctx, f.bot.Token, int64(1000+i), "hi", telegram.SendOptions{})
		if err != nil {
			if !errors.As(err, &limited) {
				t.Fatal(err)
			}
			break
		}
	}
	if limited == nil || !errors.Is(limited, telegram.ErrTooManyRequests) || limited.RetryAfter < time.Second {
		t.Fatalf("want a 429 with retry_after, got %+v", limited)
	}
	if d, ok := telegram.RetryAfter(limited); !ok || d != limited.RetryAfter || !telegram.IsTemporary(limited) {
		t.Fatalf("RetryAfter helper = %v %v", d, ok)
	}
	if f.srv.RateLimitedCount(f.bot.Token) != 1 {
		t.Fatalf("rate limited count = %d", f.srv.RateLimitedCount(f.bot.Token))
	}
}

func TestChatsAndMembers(t *testing.T) {
	f := newFixture(t)
	chat := f.srv.AddChat(telegramtest.ChatSpec{Type: telego.ChatTypeSupergroup, Title: "Club"})

	if _, err := f.client.GetChat(f.ctx, f.bot.Token, chat.ID); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("getChat before the bot is in the chat: %v", err)
	}
	rights := telegramtest.DefaultAdminRights(chat.Type)
	must(f.srv.Push(f.bot.Token, telegramtest.MyChatMemberUpdate(chat, f.bot.User(), telegramtest.Left(f.bot.User()), telegramtest.Admin(f.bot.User(), rights))))

	info := must(f.client.GetChat(f.ctx, f.bot.Token, chat.ID))
	if info.Title != "Club" || info.Type != "supergroup" {
		t.Fatalf("chat = %+v", info)
	}
	m := must(f.client.GetChatMember(f.ctx, f.bot.Token, chat.ID, f.bot.ID))
	admin, ok := m.(*telego.ChatMemberAdministrator)
	if !ok || !admin.CanInviteUsers {
		t.Fatalf("bot member = %#v", m)
	}
	admins := must(f.client.GetChatAdministrators(f.ctx, f.bot.Token, chat.ID))
	if len(admins) != 2 || admins[0].MemberStatus() != telego.MemberStatusCreator {
		t.Fatalf("admins = %+v", admins)
	}

	user := f.srv.AddUser(telegramtest.UserSpec{FirstName: "Cy"})
	if m := must(f.client.GetChatMember(f.ctx, f.bot.Token, chat.ID, user.ID)); m.MemberStatus() != telego.MemberStatusLeft {
		t.Fatalf("non-member status = %s", m.MemberStatus())
	}
	must(f.srv.Push(f.bot.Token, telegramtest.JoinUpdate(chat, user, nil, false)))
	if m := must(f.client.GetChatMember(f.ctx, f.bot.Token, chat.ID, user.ID)); m.MemberStatus() != telego.MemberStatusMember {
		t.Fatalf("member status after join = %s", m.MemberStatus())
	}
	if _, err := f.client.GetChatMember(f.ctx, f.bot.Token, chat.ID, 424242); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("unknown user: %v", err)
	}

	priv := must(f.client.GetChat(f.ctx, f.bot.Token, user.ID))
	if priv.Type != "private" || priv.FirstName != "Cy" {
		t.Fatalf("private chat = %+v", priv)
	}
}

func TestInviteLinksAndJoinRequests(t *testing.T) {
	f := newFixture(t)
	chat := f.srv.AddChat(telegramtest.ChatSpec{Title: "Club"})
	if _, err := f.client.CreateChatInviteLink(f.ctx, f.bot.Token, chat.ID, "spring", false); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("createChatInviteLink without rights: %v", err)
	}
	if err := f.srv.SetBotMember(f.bot.Token, chat.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CreateChatInviteLink(f.ctx, f.bot.Token, chat.ID, "spring", false); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("createChatInviteLink as plain member: %v", err)
	}
	if err := f.srv.SetBotAdmin(f.bot.Token, chat.ID, telego.ChatAdministratorRights{CanInviteUsers: true}); err != nil {
		t.Fatal(err)
	}

	link := must(f.client.CreateChatInviteLink(f.ctx, f.bot.Token, chat.ID, "spring", true))
	if !strings.HasPrefix(link.InviteLink, "https://t.me/+") || link.Name != "spring" || !link.CreatesJoinRequest || link.Creator.ID != f.bot.ID {
		t.Fatalf("link = %+v", link)
	}
	// member_limit cannot be combined with creates_join_request.
	_, err := f.client.Call(f.ctx, f.bot.Token, "createChatInviteLink", map[string]any{"chat_id": chat.ID, "member_limit": 5, "creates_join_request": true})
	if !errors.Is(err, telegram.ErrBadRequest) || !strings.Contains(err.Error(), "member limit can't be specified") {
		t.Fatalf("member_limit + join request: %v", err)
	}

	alice := f.srv.AddUser(telegramtest.UserSpec{FirstName: "Alice"})
	bob := f.srv.AddUser(telegramtest.UserSpec{FirstName: "Bob"})
	if err := f.client.ApproveChatJoinRequest(f.ctx, f.bot.Token, chat.ID, alice.ID); !errors.Is(err, telegram.ErrBadRequest) ||
		!strings.Contains(err.Error(), "HIDE_REQUESTER_MISSING") {
		t.Fatalf("approve without request: %v", err)
	}
	stored := f.srv.InviteLinks(f.bot.Token, chat.ID)
	must(f.srv.Push(f.bot.Token, telegramtest.ChatJoinRequestUpdate(chat, alice, &stored[0])))
	must(f.srv.Push(f.bot.Token, telegramtest.ChatJoinRequestUpdate(chat, bob, &stored[0])))
	if n := len(f.srv.PendingJoinRequests(chat.ID)); n != 2 {
		t.Fatalf("pending = %d", n)
	}
	if err := f.client.ApproveChatJoinRequest(f.ctx, f.bot.Token, chat.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.client.DeclineChatJoinRequest(f.ctx, f.bot.Token, chat.ID, bob.ID); err != nil {
		t.Fatal(err)
	}
	d := f.srv.JoinRequestDecisions(f.bot.Token)
	if len(d) != 2 || !d[0].Approved || d[0].UserID != alice.ID || d[1].Approved || d[0].InviteLink != link.InviteLink {
		t.Fatalf("decisions = %+v", d)
	}
	if m, _ := f.srv.ChatMember(chat.ID, alice.ID); m.MemberStatus() != telego.MemberStatusMember {
		t.Fatalf("approved user status = %s", m.MemberStatus())
	}

	revoked := must(f.client.RevokeChatInviteLink(f.ctx, f.bot.Token, chat.ID, link.InviteLink))
	if !revoked.IsRevoked || revoked.InviteLink != link.InviteLink {
		t.Fatalf("revoked = %+v", revoked)
	}
	if links := f.srv.InviteLinks(f.bot.Token, chat.ID); !links[0].IsRevoked {
		t.Fatalf("stored link not revoked: %+v", links)
	}
}

func TestProfilePhotosAndFiles(t *testing.T) {
	f := newFixture(t)
	user := f.srv.AddUser(telegramtest.UserSpec{WithPhoto: true})
	photos := must(f.client.GetUserProfilePhotos(f.ctx, f.bot.Token, user.ID, 1))
	if photos.TotalCount != 1 || len(photos.Photos) != 1 || len(photos.Photos[0]) != 3 {
		t.Fatalf("photos = %+v", photos)
	}
	small := photos.Photos[0][0]
	file := must(f.client.GetFile(f.ctx, f.bot.Token, small.FileID))
	if file.FilePath == "" || file.FileSize == 0 {
		t.Fatalf("file = %+v", file)
	}
	data, ct, err := f.client.DownloadFile(f.ctx, f.bot.Token, file.FilePath, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil || ct != "image/png" || img.Bounds().Dx() != small.Width {
		t.Fatalf("download: %v, %q, %v", err, ct, img)
	}
	if _, _, err := f.client.DownloadFile(f.ctx, f.bot.Token, file.FilePath, 10); !errors.Is(err, telegram.ErrFileTooLarge) || errors.Is(err, telegram.ErrNetwork) {
		t.Fatalf("too large: %v", err)
	}
	for _, bad := range []string{"../secret", "/etc/passwd", "photos/../../x", "a?b=c", ""} {
		if _, _, err := f.client.DownloadFile(f.ctx, f.bot.Token, bad, 0); !errors.Is(err, telegram.ErrBadRequest) {
			t.Fatalf("path %q: %v", bad, err)
		}
	}
	if _, _, err := f.client.DownloadFile(f.ctx, f.bot.Token, "photos/missing.png", 0); !errors.Is(err, telegram.ErrNotFound) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := f.client.GetFile(f.ctx, f.bot.Token, "nope"); !errors.Is(err, telegram.ErrBadRequest) {
		t.Fatalf("unknown file id: %v", err)
	}
	none := f.srv.AddUser(telegramtest.UserSpec{})
	if p := must(f.client.GetUserProfilePhotos(f.ctx, f.bot.Token, none.ID, 5)); p.TotalCount != 0 || p.Photos == nil {
		t.Fatalf("no photos = %+v", p)
	}
}

func TestCall(t *testing.T) {
	f := newFixture(t)
	raw := must(f.client.Call(f.ctx, f.bot.Token, "getMe", nil))
	var me telego.User
	if err := json.Unmarshal(raw, &me); err != nil || me.ID != f.bot.ID {
		t.Fatalf("getMe via Call = %s (%v)", raw, err)
	}
	raw = must(f.client.Call(f.ctx, f.bot.Token, "sendMessage", map[string]any{"chat_id": 5, "text": "raw"}))
	if !bytes.Contains(raw, []byte(`"text":"raw"`)) {
		t.Fatalf("sendMessage via Call = %s", raw)
	}
	if _, err := f.client.Call(f.ctx, f.bot.Token, "sendPoll", nil); !errors.Is(err, telegram.ErrNotFound) {
		t.Fatalf("unimplemented method: %v", err)
	}
	for _, bad := range []string{"", "../getMe", "getMe?x=1", "get/Me", "getMe#", strings.Repeat("a", 65), "getMé"} {
		if _, err := f.client.Call(f.ctx, f.bot.Token, bad, nil); !errors.Is(err, telegram.ErrBadRequest) {
			t.Fatalf("method %q: %v", bad, err)
		}
	}
	if n := f.srv.Calls(f.bot.Token); n["getMe"] != 1 || len(n) != 3 {
		t.Fatalf("no request may leave for an invalid method name; calls = %v", n)
	}
}

func TestWebhookDeliveryReachesAppWithSecret(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var got []string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("X-Telegram-Bot-Api-Secret-Token")+" "+string(body))
		mu.Unlock()
	}))
	defer app.Close()
	err := f.client.SetWebhook(f.ctx, f.bot.Token, telegram.WebhookParams{URL: app.URL + "/tg/1", SecretToken: "hook-secret"})
	if err != nil {
		t.Fatal(err)
	}
	res := must(f.srv.Push(f.bot.Token, telegramtest.MessageUpdate(f.srv.AddUser(telegramtest.UserSpec{}), "hi")))
	if !res.Delivered || res.StatusCode != 200 {
		t.Fatalf("push = %+v", res)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.HasPrefix(got[0], "hook-secret {") || !strings.Contains(got[0], `"text":"hi"`) {
		t.Fatalf("webhook received %q", got)
	}
}

// TestConcurrentUse runs many bots and goroutines through one Client (run
// with -race).
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	bots := []*telegramtest.FakeBot{f.bot}
	for range 7 {
		bots = append(bots, f.srv.AddBot(telegramtest.BotSpec{}))
	}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			b := bots[i%len(bots)]
			for j := range 10 {
				if _, err := f.client.SendMessage(f.ctx, b.Token, int64(1_000+j), "hi", telegram.SendOptions{}); err != nil {
					t.Error(err)
					return
				}
				if _, err := f.client.GetMe(f.ctx, b.Token); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	total := 0
	for _, b := range bots {
		total += len(f.srv.SentMessages(b.Token))
	}
	if total != 320 {
		t.Fatalf("sent %d messages, want 320", total)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkSendMessage measures a sendMessage round trip through the
// client against the fake on loopback, for sizing broadcasts.
func BenchmarkSendMessage(b *testing.B) {
	srv := telegramtest.Start(b)
	client, err := telegram.New(telegram.Options{BaseURL: srv.URL()})
	if err != nil {
		b.Fatal(err)
	}
	bot := srv.AddBot(telegramtest.BotSpec{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := client.SendMessage(context.Background(), bot.Token, 42, "hello", telegram.SendOptions{}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
