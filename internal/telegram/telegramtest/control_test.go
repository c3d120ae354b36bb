package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
)

// ctl calls the control API the way the Playwright suite does: plain HTTP
// and JSON. It returns the status and the decoded result.
func ctl(t *testing.T, s *Server, method, path string, body any, result any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, s.URL()+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env struct {
		OK     bool            `json:"ok"`
		Result json.RawMessage `json:"result"`
		Error  string          `json:"error"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	if env.OK != (resp.StatusCode == 200) {
		t.Fatalf("%s %s: ok=%v with status %d", method, path, env.OK, resp.StatusCode)
	}
	if env.OK && result != nil {
		if err := json.Unmarshal(env.Result, result); err != nil {
			t.Fatalf("%s %s: result %s: %v", method, path, env.Result, err)
		}
	}
	return resp.StatusCode, env.Error
}

func mustCtl(t *testing.T, s *Server, method, path string, body any, result any) {
	t.Helper()
	if status, msg := ctl(t, s, method, path, body, result); status != 200 {
		t.Fatalf("%s %s: %d %s", method, path, status, msg)
	}
}

// TestControlAPICampaignFlow walks through what the e2e suite does for a
// join-tracking campaign, using only HTTP.
func TestControlAPICampaignFlow(t *testing.T) {
	s := Start(t)
	var health bool
	mustCtl(t, s, "GET", "/_fake/health", nil, &health)

	var bot struct {
		ID       int64       `json:"id"`
		Token    string      `json:"token"`
		Username string      `json:"username"`
		User     telego.User `json:"user"`
	}
	mustCtl(t, s, "POST", "/_fake/bots", map[string]any{"username": "shop_bot", "firstName": "Shop"}, &bot)
	if bot.Username != "shop_bot" || !bot.User.IsBot || !strings.HasPrefix(bot.Token, "7") {
		t.Fatalf("bot = %+v", bot)
	}

	var chat telego.Chat
	mustCtl(t, s, "POST", "/_fake/chats", map[string]any{"type": "supergroup", "title": "Shop fans"}, &chat)
	if chat.ID >= -1_000_000_000_000 || chat.Title != "Shop fans" {
		t.Fatalf("chat = %+v", chat)
	}

	// The bot is added as an administrator; the app learns it from my_chat_member.
	var pushed PushResult
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "bot_added", "botToken": bot.Token, "chatId": chat.ID,
		"status": "administrator", "rights": map[string]bool{"canInviteUsers": true, "canManageChat": true}}, &pushed)
	var u telego.Update
	_ = json.Unmarshal(pushed.Update, &u)
	admin, ok := u.MyChatMember.NewChatMember.(*telego.ChatMemberAdministrator)
	if !ok || !admin.CanInviteUsers || u.MyChatMember.OldChatMember.MemberStatus() != "left" || u.MyChatMember.From.FirstName != "Owner" {
		t.Fatalf("bot_added = %s", pushed.Update)
	}

	// The app lists chat_member among allowed updates and creates a campaign link.
	callJSON(t, s, bot.Token, "getUpdates", map[string]any{"allowed_updates": []string{"message", "my_chat_member", "chat_member", "chat_join_request"}})
	a := callJSON(t, s, bot.Token, "createChatInviteLink", map[string]any{"chat_id": chat.ID, "name": "Spring"})
	var link telego.ChatInviteLink
	_ = json.Unmarshal(a.Result, &link)

	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "join", "botToken": bot.Token, "chatId": chat.ID,
		"user": map[string]any{"firstName": "Eve", "username": "eve"}, "inviteLink": link.InviteLink}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	cm := u.ChatMember
	if pushed.Dropped || cm == nil || cm.InviteLink == nil || cm.InviteLink.Name != "Spring" || cm.NewChatMember.MemberUser().FirstName != "Eve" {
		t.Fatalf("join = %+v %s", pushed, pushed.Update)
	}
	eve := cm.NewChatMember.MemberUser().ID

	// A link made by another admin arrives with its tail hidden.
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "join", "botToken": bot.Token, "chatId": chat.ID,
		"inviteLink": "https://t.me/+SomeoneElsesLink1"}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	if !strings.HasSuffix(u.ChatMember.InviteLink.InviteLink, "…") {
		t.Fatalf("foreign link = %+v", u.ChatMember.InviteLink)
	}

	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "leave", "botToken": bot.Token, "chatId": chat.ID, "userId": eve}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	if u.ChatMember.OldChatMember.MemberStatus() != "member" || u.ChatMember.NewChatMember.MemberStatus() != "left" {
		t.Fatalf("leave = %s", pushed.Update)
	}
	var member json.RawMessage
	mustCtl(t, s, "GET", "/_fake/chats/members?chatId="+itoa(chat.ID)+"&userId="+itoa(eve), nil, &member)
	if !bytes.Contains(member, []byte(`"status":"left"`)) {
		t.Fatalf("member after leave = %s", member)
	}

	// Join-request campaign: request, the app greets and approves.
	a = callJSON(t, s, bot.Token, "createChatInviteLink", map[string]any{"chat_id": chat.ID, "name": "VIP", "creates_join_request": true})
	_ = json.Unmarshal(a.Result, &link)
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "join_request", "botToken": bot.Token, "chatId": chat.ID,
		"user": map[string]any{"id": 5_100_000_001, "firstName": "Joe"}, "inviteLink": link.InviteLink, "bio": "hi"}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	if u.ChatJoinRequest.UserChatID != 5_100_000_001 || u.ChatJoinRequest.InviteLink.Name != "VIP" || u.ChatJoinRequest.Bio != "hi" {
		t.Fatalf("join_request = %s", pushed.Update)
	}
	callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 5_100_000_001, "text": "Welcome!"})
	callJSON(t, s, bot.Token, "approveChatJoinRequest", map[string]any{"chat_id": chat.ID, "user_id": 5_100_000_001})

	var requests struct {
		Pending   []telego.ChatJoinRequest `json:"pending"`
		Decisions []JoinRequestDecision    `json:"decisions"`
	}
	mustCtl(t, s, "GET", "/_fake/join-requests?botToken="+bot.Token+"&chatId="+itoa(chat.ID), nil, &requests)
	if len(requests.Pending) != 0 || len(requests.Decisions) != 1 || !requests.Decisions[0].Approved || requests.Decisions[0].InviteLink != link.InviteLink {
		t.Fatalf("join requests = %+v", requests)
	}
	var messages []SentMessage
	mustCtl(t, s, "GET", "/_fake/messages?botToken="+bot.Token+"&chatId=5100000001", nil, &messages)
	if len(messages) != 1 || messages[0].Text != "Welcome!" {
		t.Fatalf("messages = %+v", messages)
	}
	var links []telego.ChatInviteLink
	mustCtl(t, s, "GET", "/_fake/invite-links?botToken="+bot.Token+"&chatId="+itoa(chat.ID), nil, &links)
	if len(links) != 2 || links[0].Name != "Spring" || !links[1].CreatesJoinRequest {
		t.Fatalf("links = %+v", links)
	}

	// Demote, then remove: each my_chat_member starts from the current status.
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "bot_demoted", "botToken": bot.Token, "chatId": chat.ID}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	if u.MyChatMember.OldChatMember.MemberStatus() != "administrator" || u.MyChatMember.NewChatMember.MemberStatus() != "member" {
		t.Fatalf("demoted = %s", pushed.Update)
	}
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "bot_removed", "botToken": bot.Token, "chatId": chat.ID, "status": "kicked"}, &pushed)
	_ = json.Unmarshal(pushed.Update, &u)
	if u.MyChatMember.OldChatMember.MemberStatus() != "member" || u.MyChatMember.NewChatMember.MemberStatus() != "kicked" {
		t.Fatalf("removed = %s", pushed.Update)
	}

	var state botStateResult
	mustCtl(t, s, "GET", "/_fake/bots/state?botToken="+bot.Token, nil, &state)
	if state.Calls["createChatInviteLink"] != 2 || state.SentCount != 1 || state.Bot.ID != bot.ID || len(state.PendingUpdates) == 0 {
		t.Fatalf("state = %+v", state)
	}

	mustCtl(t, s, "POST", "/_fake/reset", nil, nil)
	if status, _ := ctl(t, s, "GET", "/_fake/bots/state?botToken="+bot.Token, nil, nil); status != 404 {
		t.Fatalf("bot survived reset: %d", status)
	}
}

func TestControlAPIUsersAndFailures(t *testing.T) {
	s := Start(t)
	var bot botResult
	mustCtl(t, s, "POST", "/_fake/bots", map[string]any{}, &bot)

	var start PushResult
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "start", "botToken": bot.Token,
		"user": map[string]any{"firstName": "Ann", "languageCode": "de", "isPremium": true, "withPhoto": true}, "payload": "ref_42"}, &start)
	var u telego.Update
	_ = json.Unmarshal(start.Update, &u)
	ann := *u.Message.From
	if u.Message.Text != "/start ref_42" || ann.LanguageCode != "de" || !ann.IsPremium || u.Message.Chat.Type != "private" {
		t.Fatalf("start = %s", start.Update)
	}
	if a := callJSON(t, s, bot.Token, "getUserProfilePhotos", map[string]any{"user_id": ann.ID}); !bytes.Contains(a.Result, []byte(`"total_count":1`)) {
		t.Fatalf("photo: %s", a.raw)
	}

	// A bot message with a keyboard, then a press on it.
	callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": ann.ID, "text": "Pick",
		"reply_markup": map[string]any{"inline_keyboard": [][]map[string]string{{{"text": "A", "callback_data": "a"}}}}})
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "callback_query", "botToken": bot.Token, "userId": ann.ID, "data": "a"}, &start)
	_ = json.Unmarshal(start.Update, &u)
	if u.CallbackQuery.Data != "a" || u.CallbackQuery.Message.Message().Text != "Pick" {
		t.Fatalf("callback_query = %s", start.Update)
	}

	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "block_bot", "botToken": bot.Token, "userId": ann.ID}, nil)
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": ann.ID, "text": "x"}); a.status != 403 {
		t.Fatalf("send after block: %s", a.raw)
	}
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "unblock", "botToken": bot.Token, "userId": ann.ID}, nil)

	var user telego.User
	mustCtl(t, s, "POST", "/_fake/users", map[string]any{"firstName": "Gone"}, &user)
	mustCtl(t, s, "POST", "/_fake/users/deactivate", map[string]any{"userId": user.ID, "deactivated": true}, nil)
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": user.ID, "text": "x"}); a.Description != "Forbidden: user is deactivated" {
		t.Fatalf("send to deactivated: %s", a.raw)
	}

	mustCtl(t, s, "POST", "/_fake/failures", map[string]any{"botToken": bot.Token, "method": "getMe", "code": 401, "times": 1}, nil)
	if a := callJSON(t, s, bot.Token, "getMe", nil); a.status != 401 {
		t.Fatalf("injected 401: %s", a.raw)
	}
	mustCtl(t, s, "POST", "/_fake/failures", map[string]any{"botToken": bot.Token, "method": "sendMessage", "code": 429, "retryAfter": 9}, nil)
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 1, "text": "x"}); a.Parameters == nil || a.Parameters.RetryAfter != 9 {
		t.Fatalf("injected 429: %s", a.raw)
	}
	mustCtl(t, s, "POST", "/_fake/failures/clear", map[string]any{"botToken": bot.Token}, nil)
	mustCtl(t, s, "POST", "/_fake/send-rate", map[string]any{"botToken": bot.Token, "perSecond": 1}, nil)
	callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 1, "text": "x"})
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": 2, "text": "x"}); a.status != 429 {
		t.Fatalf("send rate: %s", a.raw)
	}

	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "raw", "botToken": bot.Token,
		"update": map[string]any{"message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": 1, "type": "private", "first_name": "R"}, "text": "raw", "new_field": true}}}, &start)
	if start.UpdateID == 0 || !bytes.Contains(start.Update, []byte(`"new_field":true`)) {
		t.Fatalf("raw = %+v", start)
	}

	mustCtl(t, s, "POST", "/_fake/bots/revoke", map[string]any{"botToken": bot.Token}, nil)
	if a := callJSON(t, s, bot.Token, "getMe", nil); a.status != 401 {
		t.Fatalf("after revoke: %s", a.raw)
	}
}

func TestControlAPIErrors(t *testing.T) {
	s := Start(t)
	var bot botResult
	mustCtl(t, s, "POST", "/_fake/bots", nil, &bot)
	for _, c := range []struct {
		method, path string
		body         any
		status       int
		contains     string
	}{
		{"POST", "/_fake/updates", map[string]any{"kind": "nope", "botToken": bot.Token}, 400, "unknown kind"},
		{"POST", "/_fake/updates", map[string]any{"kind": "message", "botToken": "1:x"}, 404, "unknown or revoked"},
		{"POST", "/_fake/updates", map[string]any{"kind": "join", "botToken": bot.Token}, 400, "chatId is required"},
		{"POST", "/_fake/updates", map[string]any{"kind": "join", "botToken": bot.Token, "chatId": -5}, 404, "unknown chat"},
		{"POST", "/_fake/updates", map[string]any{"kind": "message", "botToken": bot.Token, "userId": 9}, 404, "unknown user"},
		{"POST", "/_fake/updates", map[string]any{"kind": "message", "botToken": bot.Token, "txt": "typo"}, 400, "unknown field"},
		{"POST", "/_fake/chats", map[string]any{"type": "private"}, 400, "type must be"},
		{"POST", "/_fake/failures", map[string]any{"botToken": bot.Token}, 400, "give code"},
		{"GET", "/_fake/messages?botToken=1:x", nil, 404, "unknown"},
		{"GET", "/_fake/nothing", nil, 404, "no such control route"},
		{"DELETE", "/_fake/bots", nil, 404, "no such control route"},
	} {
		status, msg := ctl(t, s, c.method, c.path, c.body, nil)
		if status != c.status || !strings.Contains(msg, c.contains) {
			t.Errorf("%s %s %v: %d %q, want %d %q", c.method, c.path, c.body, status, msg, c.status, c.contains)
		}
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestControlAPIMembersAndRedeliver(t *testing.T) {
	s := Start(t)
	var bot botResult
	mustCtl(t, s, "POST", "/_fake/bots", map[string]any{"username": "m_bot"}, &bot)
	var channel telego.Chat
	mustCtl(t, s, "POST", "/_fake/chats", map[string]any{"type": "channel", "title": "News", "username": "news"}, &channel)

	// Setting membership pushes nothing; the Bot API reflects it at once.
	var m json.RawMessage
	mustCtl(t, s, "POST", "/_fake/chats/members", map[string]any{"chatId": channel.ID, "botToken": bot.Token, "status": "administrator"}, &m)
	if !bytes.Contains(m, []byte(`"can_post_messages":true`)) {
		t.Fatalf("default channel rights = %s", m)
	}
	a := callJSON(t, s, bot.Token, "getChatMember", map[string]any{"chat_id": "@news", "user_id": bot.ID})
	if !bytes.Contains(a.Result, []byte(`"status":"administrator"`)) {
		t.Fatalf("getChatMember by @username: %s", a.raw)
	}
	if len(s.PendingUpdates(bot.Token)) != 0 {
		t.Fatal("setting membership pushed an update")
	}
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": channel.ID, "text": "post"}); !a.OK || !bytes.Contains(a.Result, []byte(`"sender_chat"`)) {
		t.Fatalf("channel post: %s", a.raw)
	}
	mustCtl(t, s, "POST", "/_fake/chats/members", map[string]any{"chatId": channel.ID, "botToken": bot.Token, "status": "administrator",
		"rights": map[string]bool{"canInviteUsers": true}}, nil)
	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": channel.ID, "text": "post"}); a.Description != "Bad Request: need administrator rights in the channel chat" {
		t.Fatalf("post without can_post_messages: %s", a.raw)
	}

	// Webhook failing, then fixed: redelivery through the control API.
	app := newHookApp(t)
	app.status.Store(503)
	callJSON(t, s, bot.Token, "setWebhook", map[string]any{"url": app.URL})
	var res PushResult
	mustCtl(t, s, "POST", "/_fake/updates", map[string]any{"kind": "message", "botToken": bot.Token, "text": "hi"}, &res)
	if res.Delivered || res.StatusCode != 503 || !res.Queued {
		t.Fatalf("push to failing webhook = %+v", res)
	}
	var state botStateResult
	mustCtl(t, s, "GET", "/_fake/bots/state?botToken="+bot.Token, nil, &state)
	if state.Webhook.PendingUpdateCount != 1 || state.Webhook.LastErrorMessage != "Wrong response from the webhook: 503 Service Unavailable" {
		t.Fatalf("state = %+v", state.Webhook)
	}
	app.status.Store(200)
	var results []PushResult
	mustCtl(t, s, "POST", "/_fake/redeliver", map[string]any{"botToken": bot.Token}, &results)
	if len(results) != 1 || !results[0].Delivered {
		t.Fatalf("redeliver = %+v", results)
	}
}
