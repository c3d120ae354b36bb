package telegramtest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mymmrac/telego"
)

// hookApp is a stand-in for the app's webhook endpoint.
type hookApp struct {
	*httptest.Server
	status  atomic.Int32
	mu      sync.Mutex
	secrets []string
	bodies  []string
}

func newHookApp(t *testing.T) *hookApp {
	h := &hookApp{}
	h.status.Store(200)
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.secrets = append(h.secrets, r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))
		h.bodies = append(h.bodies, string(body))
		h.mu.Unlock()
		w.WriteHeader(int(h.status.Load()))
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookApp) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

func updateID(t *testing.T, raw []byte) int {
	var u struct {
		UpdateID int `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	return u.UpdateID
}

func TestWebhookDeliveryFailureAndRedelivery(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{})
	app := newHookApp(t)
	if a := callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": app.URL + "/tg/x", "secret_token": "sekret"}); !a.OK || a.Description != "Webhook was set" {
		t.Fatalf("setWebhook: %s", a.raw)
	}

	res, err := s.Push(bot.Token, MessageUpdate(user, "one"))
	if err != nil || !res.Delivered || res.StatusCode != 200 || res.Queued {
		t.Fatalf("first push: %+v %v", res, err)
	}

	app.status.Store(500)
	res, _ = s.Push(bot.Token, MessageUpdate(user, "two"))
	if res.Delivered || !res.Queued || res.StatusCode != 500 || res.Error != "Wrong response from the webhook: 500 Internal Server Error" {
		t.Fatalf("failed push: %+v", res)
	}
	// A later update waits behind the stuck one (the stuck one is retried first).
	res, _ = s.Push(bot.Token, MessageUpdate(user, "three"))
	if res.Delivered || !res.Queued {
		t.Fatalf("push behind a stuck update: %+v", res)
	}
	info, _, _ := s.WebhookInfo(bot.Token)
	if info.PendingUpdateCount != 2 || info.LastErrorDate == 0 || !strings.Contains(info.LastErrorMessage, "500") {
		t.Fatalf("webhook info = %+v", info)
	}

	app.status.Store(200)
	results, err := s.Redeliver(bot.Token)
	if err != nil || len(results) != 2 || !results[0].Delivered || !results[1].Delivered || results[0].UpdateID > results[1].UpdateID {
		t.Fatalf("redeliver: %+v %v", results, err)
	}
	info, _, _ = s.WebhookInfo(bot.Token)
	if info.PendingUpdateCount != 0 {
		t.Fatalf("pending after redelivery = %d", info.PendingUpdateCount)
	}

	got := app.received()
	var texts []string
	for _, body := range got {
		var u telego.Update
		_ = json.Unmarshal([]byte(body), &u)
		texts = append(texts, u.Message.Text)
	}
	// "two" was POSTed twice while failing (once per push), then once more.
	if strings.Join(texts, ",") != "one,two,two,two,three" {
		t.Fatalf("deliveries in order: %v", texts)
	}
	app.mu.Lock()
	for _, sec := range app.secrets {
		if sec != "sekret" {
			t.Fatalf("secret header = %q", sec)
		}
	}
	app.mu.Unlock()
}

func TestWebhookConnectionRefused(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	_ = ln.Close()
	callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": "http://" + addr + "/hook"})
	res, _ := s.Push(bot.Token, MessageUpdate(s.AddUser(UserSpec{}), "x"))
	if res.Delivered || res.StatusCode != 0 || res.Error != "Connection refused" {
		t.Fatalf("push = %+v", res)
	}
	if a := callJSON(t, s, bot.Token, "getWebhookInfo", nil); !strings.Contains(string(a.Result), `"last_error_message":"Connection refused"`) {
		t.Fatalf("webhook info: %s", a.Result)
	}
}

func TestSetWebhookDeliversPendingUpdates(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	_, _ = s.Push(bot.Token, MessageUpdate(s.AddUser(UserSpec{}), "early"))
	app := newHookApp(t)
	callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": app.URL})
	waitUntil(t, func() bool { return len(app.received()) == 1 && len(s.PendingUpdates(bot.Token)) == 0 })
}

func TestDropPendingUpdates(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	_, _ = s.Push(bot.Token, MessageUpdate(s.AddUser(UserSpec{}), "x"))
	callJSON(t, s, bot.Token, "deleteWebhook", map[string]any{"drop_pending_updates": true})
	if n := len(s.PendingUpdates(bot.Token)); n != 0 {
		t.Fatalf("pending after drop = %d", n)
	}
	if a := callJSON(t, s, bot.Token, "deleteWebhook", nil); a.Description != "Webhook is already deleted" {
		t.Fatalf("deleteWebhook without webhook: %s", a.raw)
	}
}

func TestGetUpdatesSemantics(t *testing.T) {
	s := Start(t, WithMaxLongPoll(2*time.Second))
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{})
	var ids []int
	for range 5 {
		res, _ := s.Push(bot.Token, MessageUpdate(user, "x"))
		ids = append(ids, res.UpdateID)
	}
	get := func(params map[string]any) []json.RawMessage {
		t.Helper()
		a := callJSON(t, s, bot.Token, "getUpdates", params)
		if !a.OK {
			t.Fatalf("getUpdates: %s", a.raw)
		}
		var out []json.RawMessage
		_ = json.Unmarshal(a.Result, &out)
		return out
	}
	if got := get(map[string]any{"limit": 2}); len(got) != 2 || updateID(t, got[0]) != ids[0] {
		t.Fatalf("limit 2: %s", got)
	}
	if got := get(map[string]any{"offset": ids[2]}); len(got) != 3 || updateID(t, got[0]) != ids[2] {
		t.Fatalf("offset confirms earlier ones: %s", got)
	}
	// Confirmed updates are gone for good, even with an earlier offset.
	if got := get(map[string]any{"offset": ids[0]}); len(got) != 3 {
		t.Fatalf("confirmed updates came back: %d", len(got))
	}
	if got := get(map[string]any{"offset": -1}); len(got) != 1 || updateID(t, got[0]) != ids[4] {
		t.Fatalf("negative offset keeps the last: %s", got)
	}

	// Long poll: an empty queue waits for the timeout (capped by WithMaxLongPoll).
	get(map[string]any{"offset": ids[4] + 1})
	start := time.Now()
	if got := get(map[string]any{"offset": ids[4] + 1, "timeout": 60}); len(got) != 0 {
		t.Fatalf("empty poll returned %s", got)
	}
	if d := time.Since(start); d < 1900*time.Millisecond || d > 4*time.Second {
		t.Fatalf("capped long poll took %v, want ~2s", d)
	}
}

func TestSetWebhookEndsWaitingPoll(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	done := make(chan answer, 1)
	go func() { done <- callJSON(t, s, bot.Token, "getUpdates", map[string]any{"timeout": 10}) }()
	waitUntil(t, func() bool { return s.CallCount(bot.Token, "getUpdates") == 1 })
	time.Sleep(20 * time.Millisecond)
	callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": "https://example.test/"})
	a := <-done
	if a.ErrorCode != 409 || a.Description != "Conflict: terminated by setWebhook request" {
		t.Fatalf("poll ended with %s", a.raw)
	}
	a = callJSON(t, s, bot.Token, "getUpdates", nil)
	if a.status != 409 || !strings.HasPrefix(a.Description, "Conflict: can't use getUpdates method while webhook is active") {
		t.Fatalf("getUpdates with webhook: %s", a.raw)
	}
}

func TestAllowedUpdatesDefaultAndExplicit(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	chat := s.AddChat(ChatSpec{})
	user := s.AddUser(UserSpec{})
	push := func(u telego.Update) PushResult {
		t.Helper()
		res, err := s.Push(bot.Token, u)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if !push(JoinUpdate(chat, user, nil, false)).Dropped {
		t.Fatal("chat_member must be excluded by default")
	}
	if push(ChatJoinRequestUpdate(chat, user, nil)).Dropped {
		t.Fatal("chat_join_request is in the default set")
	}
	// Even a dropped update changes the world: the user did join.
	if m, _ := s.ChatMember(chat.ID, user.ID); m.MemberStatus() != telego.MemberStatusMember {
		t.Fatalf("membership after a dropped join = %s", m.MemberStatus())
	}

	callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": "", "allowed_updates": `["chat_member"]`}) // form-style JSON string
	if !push(MessageUpdate(user, "x")).Dropped || push(LeaveUpdate(chat, user)).Dropped {
		t.Fatal("explicit allowed_updates not honoured")
	}
	callJSON(t, s, bot.Token, "getUpdates", map[string]any{"allowed_updates": []string{}})
	if push(MessageUpdate(user, "x")).Dropped || !push(LeaveUpdate(chat, user)).Dropped {
		t.Fatal("an empty list must restore the default set")
	}
}

func TestPushUpdatesState(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{})
	_, _ = s.Push(bot.Token, BotBlockedUpdate(user, bot.User()))
	if !s.IsBlocked(bot.Token, user.ID) {
		t.Fatal("kicked my_chat_member in a private chat must mark the bot blocked")
	}
	a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": user.ID, "text": "hi"})
	if a.status != 403 || a.Description != "Forbidden: bot was blocked by the user" {
		t.Fatalf("send to a blocking user: %s", a.raw)
	}
	_, _ = s.Push(bot.Token, BotUnblockedUpdate(user, bot.User()))
	if s.IsBlocked(bot.Token, user.ID) {
		t.Fatal("unblock not applied")
	}

	chat := s.AddChat(ChatSpec{Type: telego.ChatTypeGroup})
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": chat.ID, "text": "hi"}); a.status != 403 ||
		a.Description != "Forbidden: bot is not a member of the group chat" {
		t.Fatalf("send to a group without the bot: %s", a.raw)
	}
	_, _ = s.Push(bot.Token, MyChatMemberUpdate(chat, user, Left(bot.User()), Member(bot.User())))
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": chat.ID, "text": "hi"}); !a.OK {
		t.Fatalf("send after being added: %s", a.raw)
	}
	_, _ = s.Push(bot.Token, MyChatMemberUpdate(chat, user, Member(bot.User()), Kicked(bot.User())))
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": chat.ID, "text": "hi"}); a.Description != "Forbidden: bot was kicked from the group chat" {
		t.Fatalf("send after being kicked: %s", a.raw)
	}
}

func TestApproveEmitsChatMemberUpdate(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	chat := s.AddChat(ChatSpec{})
	_ = s.SetBotAdmin(bot.Token, chat.ID, DefaultAdminRights(chat.Type))
	callJSON(t, s, bot.Token, "getUpdates", map[string]any{"allowed_updates": []string{"chat_member", "chat_join_request"}})
	a := callJSON(t, s, bot.Token, "createChatInviteLink", map[string]any{"chat_id": chat.ID, "name": "promo", "creates_join_request": true})
	var link telego.ChatInviteLink
	_ = json.Unmarshal(a.Result, &link)
	user := s.AddUser(UserSpec{})
	req, _ := s.Push(bot.Token, ChatJoinRequestUpdate(chat, user, &link))

	if a := callJSON(t, s, bot.Token, "approveChatJoinRequest", map[string]any{"chat_id": chat.ID, "user_id": user.ID}); !a.OK {
		t.Fatalf("approve: %s", a.raw)
	}
	waitUntil(t, func() bool { return len(s.PendingUpdates(bot.Token)) == 2 })
	var u telego.Update
	_ = json.Unmarshal(s.PendingUpdates(bot.Token)[1], &u)
	cm := u.ChatMember
	if cm == nil || !cm.ViaJoinRequest || cm.InviteLink == nil || cm.InviteLink.Name != "promo" ||
		cm.NewChatMember.MemberStatus() != telego.MemberStatusMember || u.UpdateID != req.UpdateID+1 {
		t.Fatalf("chat_member after approval = %+v", u)
	}
	if a := callJSON(t, s, bot.Token, "approveChatJoinRequest", map[string]any{"chat_id": chat.ID, "user_id": user.ID}); a.Description != "Bad Request: HIDE_REQUESTER_MISSING" {
		t.Fatalf("second approval: %s", a.raw)
	}
}

func TestFailureInjection(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	_ = s.Fail(bot.Token, "getMe", FailSpec{Code: 429, RetryAfter: 3, Times: 2})
	for range 2 {
		a := callJSON(t, s, bot.Token, "getMe", nil)
		if a.status != 429 || a.Parameters == nil || a.Parameters.RetryAfter != 3 || a.Description != "Too Many Requests: retry after 3" {
			t.Fatalf("429: %s", a.raw)
		}
	}
	if a := callJSON(t, s, bot.Token, "getMe", nil); !a.OK {
		t.Fatalf("after Times: %s", a.raw)
	}

	_ = s.Fail(bot.Token, "*", FailSpec{Code: 500})
	if a := callJSON(t, s, bot.Token, "getChat", nil); a.status != 500 || a.Description != "Internal Server Error" {
		t.Fatalf("wildcard 500: %s", a.raw)
	}
	s.ClearFailures(bot.Token)
	if a := callJSON(t, s, bot.Token, "getMe", nil); !a.OK {
		t.Fatalf("after clear: %s", a.raw)
	}

	_ = s.Fail(bot.Token, "getMe", FailSpec{Network: true, Times: 1})
	resp, err := http.Post(s.URL()+"/bot"+bot.Token+"/getMe", "application/json", strings.NewReader("{}"))
	if err == nil {
		_ = resp.Body.Close()
		t.Fatal("network failure answered")
	}
}

func TestSendRateLimiter(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	_ = s.SetSendRate(bot.Token, 30)
	ok, limited := 0, 0
	for i := range 40 {
		a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 1000 + i, "text": "x"})
		switch {
		case a.OK:
			ok++
		case a.status == 429 && a.Parameters != nil && a.Parameters.RetryAfter >= 1:
			limited++
		default:
			t.Fatalf("unexpected: %s", a.raw)
		}
	}
	// A burst of one second's worth passes; the rest is refused.
	if ok < 30 || ok > 32 || limited != 40-ok || s.RateLimitedCount(bot.Token) != limited {
		t.Fatalf("ok=%d limited=%d counted=%d", ok, limited, s.RateLimitedCount(bot.Token))
	}
	_ = s.SetSendRate(bot.Token, 0)
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 1, "text": "x"}); !a.OK {
		t.Fatalf("after removing the limit: %s", a.raw)
	}
}

func TestLimiterRefills(t *testing.T) {
	now := time.Unix(0, 0)
	l := newSendLimiter(2, now)
	for range 2 {
		if ok, _ := l.take(now); !ok {
			t.Fatal("burst refused")
		}
	}
	if ok, retry := l.take(now); ok || retry != 1 {
		t.Fatalf("third = %v retry %d", ok, retry)
	}
	if ok, _ := l.take(now.Add(600 * time.Millisecond)); !ok {
		t.Fatal("not refilled after 0.6s at 2/s")
	}
	slow := newSendLimiter(0.2, now)
	slow.take(now)
	if _, retry := slow.take(now); retry != 5 {
		t.Fatalf("retry_after at 0.2/s = %d, want 5", retry)
	}
}

func TestConcurrentPushAndPoll(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{})
	const n = 200
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n / 4 {
				if _, err := s.Push(bot.Token, MessageUpdate(user, "x")); err != nil {
					t.Error(err)
				}
			}
		})
	}
	seen := map[int]bool{}
	offset := 0
	for len(seen) < n {
		a := callJSON(t, s, bot.Token, "getUpdates", map[string]any{"offset": offset, "timeout": 1})
		var batch []json.RawMessage
		_ = json.Unmarshal(a.Result, &batch)
		for _, raw := range batch {
			id := updateID(t, raw)
			if seen[id] {
				t.Fatalf("update %d delivered twice", id)
			}
			seen[id] = true
			offset = id + 1
		}
	}
	wg.Wait()
}
