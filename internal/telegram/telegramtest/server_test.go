package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"
)

// answer is the Bot API envelope as a client sees it.
type answer struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
	status int
	raw    []byte
}

// callBotAPI posts body (already encoded as contentType) to method.
func callBotAPI(t *testing.T, s *Server, token, method, contentType string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/bot"+token+"/"+method, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		t.Fatalf("answer is not JSON: %s", raw)
	}
	a.status, a.raw = resp.StatusCode, raw
	return a
}

// callJSON calls method with params as a JSON body.
func callJSON(t *testing.T, s *Server, token, method string, params map[string]any) answer {
	t.Helper()
	body, _ := json.Marshal(params)
	return callBotAPI(t, s, token, method, "application/json", bytes.NewReader(body))
}

func TestRequestEncodings(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})

	form := url.Values{"chat_id": {"42"}, "text": {"form"}, "reply_markup": {`{"inline_keyboard":[[{"text":"a","callback_data":"b"}]]}`}}
	a := callBotAPI(t, s, bot.Token, "sendMessage", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if !a.OK || !bytes.Contains(a.Result, []byte(`"inline_keyboard"`)) {
		t.Fatalf("urlencoded: %s", a.raw)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("chat_id", "42")
	_ = mw.WriteField("text", "multipart")
	_ = mw.Close()
	if a := callBotAPI(t, s, bot.Token, "sendMessage", mw.FormDataContentType(), &buf); !a.OK {
		t.Fatalf("multipart: %s", a.raw)
	}

	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/bot"+bot.Token+"/sendMessage?chat_id=42&text=query", nil)
	if a := do(t, req); !a.OK {
		t.Fatalf("query string: %s", a.raw)
	}

	if a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": "42", "text": "json, id as string"}); !a.OK {
		t.Fatalf("json: %s", a.raw)
	}
	texts := []string{}
	for _, m := range s.SentMessages(bot.Token) {
		texts = append(texts, m.Text)
	}
	if strings.Join(texts, "|") != "form|multipart|query|json, id as string" {
		t.Fatalf("recorded %q", texts)
	}
	if a := callBotAPI(t, s, bot.Token, "sendMessage", "application/json", strings.NewReader("{not json")); a.OK || a.ErrorCode != 400 {
		t.Fatalf("broken JSON: %s", a.raw)
	}
}

func TestRoutingAndTokens(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{Username: "x_bot"})

	if a := callJSON(t, s, bot.Token, "GETME", nil); !a.OK || !bytes.Contains(a.Result, []byte(`"username":"x_bot"`)) {
		t.Fatalf("method names are case-insensitive: %s", a.raw)
	}
	a := callJSON(t, s, bot.Token, "sendPoll", nil)
	if a.status != 404 || a.Description != "Not Found: method not found" {
		t.Fatalf("unknown method: %d %s", a.status, a.raw)
	}
	a = callJSON(t, s, "123456789:AAunknownunknownunknownunknownunkno", "getMe", nil)
	if a.status != 401 || a.Description != "Unauthorized" || a.ErrorCode != 401 {
		t.Fatalf("unknown token: %d %s", a.status, a.raw)
	}
	if a := callJSON(t, s, "not-a-token", "getMe", nil); a.status != 404 {
		t.Fatalf("malformed token: %d %s", a.status, a.raw)
	}

	newToken, err := s.RotateToken(bot.Token)
	if err != nil {
		t.Fatal(err)
	}
	if a := callJSON(t, s, bot.Token, "getMe", nil); a.status != 401 {
		t.Fatalf("old token after rotation: %s", a.raw)
	}
	if a := callJSON(t, s, newToken, "getMe", nil); !a.OK {
		t.Fatalf("new token: %s", a.raw)
	}
	s.RevokeToken(newToken)
	if a := callJSON(t, s, newToken, "getMe", nil); a.status != 401 {
		t.Fatalf("revoked token: %s", a.raw)
	}
	// Counts are per bot, whichever of its tokens was used, refused calls included.
	if n := s.CallCount(newToken, "getMe"); n != 4 {
		t.Fatalf("getMe count = %d, want 4", n)
	}
}

func TestTokensLookReal(t *testing.T) {
	s := Start(t)
	for range 20 {
		b := s.AddBot(BotSpec{})
		id, secret, _ := strings.Cut(b.Token, ":")
		if len(secret) != 35 || !strings.HasPrefix(secret, "AA") || id == "" {
			t.Fatalf("token %q", b.Token)
		}
		if _, err := telego.NewBot(b.Token); err != nil {
			t.Fatalf("telego rejects %q: %v", b.Token, err)
		}
	}
}

// TestPayloadsHaveNoNulls checks the promise that optional fields are
// absent rather than null, across every builder and the main answers.
func TestPayloadsHaveNoNulls(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{FirstName: "Ann", WithPhoto: true})
	chat := s.AddChat(ChatSpec{Type: telego.ChatTypeChannel, Title: "News"})
	_ = s.SetBotAdmin(bot.Token, chat.ID, DefaultAdminRights(chat.Type))
	link := &telego.ChatInviteLink{InviteLink: "https://t.me/+abc", Creator: bot.User(), Name: "n"}
	msg := &telego.Message{MessageID: 3, From: &telego.User{ID: bot.ID, IsBot: true, FirstName: "B"}, Chat: PrivateChat(user), Date: 1, Text: "t"}

	// In order: the unblock must come after the block.
	updates := []struct {
		name string
		u    telego.Update
	}{
		{"message", MessageUpdate(user, "/start x")},
		{"group", GroupMessageUpdate(chat, user, "hi")},
		{"edited", EditedMessageUpdate(user, 5, "edit")},
		{"channel", ChannelPostUpdate(chat, "post")},
		{"callback", CallbackQueryUpdate(user, msg, "data")},
		{"inline cb", CallbackQueryUpdate(user, nil, "data")},
		{"blocked", BotBlockedUpdate(user, bot.User())},
		{"unblocked", BotUnblockedUpdate(user, bot.User())},
		{"promoted", MyChatMemberUpdate(chat, user, Member(bot.User()), Admin(bot.User(), DefaultAdminRights(chat.Type)))},
		{"join", JoinUpdate(chat, user, link, false)},
		{"join request", ChatJoinRequestUpdate(chat, user, link)},
		{"leave", LeaveUpdate(chat, user)},
	}
	callJSON(t, s, bot.Token, "getUpdates", map[string]any{"allowed_updates": []string{
		"message", "edited_message", "channel_post", "callback_query", "my_chat_member", "chat_member", "chat_join_request",
	}})
	_ = s.SetChatMember(chat.ID, Admin(bot.User(), DefaultAdminRights(chat.Type)))
	for _, c := range updates {
		name := c.name
		res, err := s.Push(bot.Token, c.u)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.Contains(res.Update, []byte("null")) {
			t.Errorf("%s has a null: %s", name, res.Update)
		}
		var back telego.Update
		if err := json.Unmarshal(res.Update, &back); err != nil {
			t.Errorf("%s does not decode as a telego.Update: %v", name, err)
		}
	}

	for _, c := range []struct {
		method string
		params map[string]any
	}{
		{"getMe", nil},
		{"getWebhookInfo", nil},
		{"getUpdates", map[string]any{"allowed_updates": []string{}}},
		{"sendMessage", map[string]any{"chat_id": user.ID, "text": "<b>x</b>", "parse_mode": "HTML"}},
		{"getChat", map[string]any{"chat_id": user.ID}},
		{"getChat", map[string]any{"chat_id": chat.ID}},
		{"getChatMember", map[string]any{"chat_id": chat.ID, "user_id": bot.ID}},
		{"getChatAdministrators", map[string]any{"chat_id": chat.ID}},
		{"createChatInviteLink", map[string]any{"chat_id": chat.ID, "name": "x"}},
		{"getUserProfilePhotos", map[string]any{"user_id": user.ID}},
	} {
		a := callJSON(t, s, bot.Token, c.method, c.params)
		if !a.OK {
			t.Fatalf("%s: %s", c.method, a.raw)
		}
		if bytes.Contains(a.raw, []byte("null")) {
			t.Errorf("%s answer has a null: %s", c.method, a.raw)
		}
	}
}

func TestBuildersAssignIDs(t *testing.T) {
	s := Start(t)
	bot := s.AddBot(BotSpec{})
	user := s.AddUser(UserSpec{})
	var last, lastMsg int
	for i := range 3 {
		res, err := s.Push(bot.Token, MessageUpdate(user, "hi"))
		if err != nil {
			t.Fatal(err)
		}
		var u telego.Update
		_ = json.Unmarshal(res.Update, &u)
		if i > 0 && (u.UpdateID != last+1 || u.Message.MessageID != lastMsg+1) {
			t.Fatalf("ids not increasing: update %d after %d, message %d after %d", u.UpdateID, last, u.Message.MessageID, lastMsg)
		}
		last, lastMsg = u.UpdateID, u.Message.MessageID
	}
	if last < 100_000_000 {
		t.Fatalf("update ids should look like Telegram's, got %d", last)
	}
	// A sent message continues the chat's numbering.
	a := callJSON(t, s, bot.Token, "sendMessage", map[string]any{"chat_id": user.ID, "text": "reply"})
	var m telego.Message
	_ = json.Unmarshal(a.Result, &m)
	if m.MessageID != lastMsg+1 {
		t.Fatalf("sent message id %d, want %d", m.MessageID, lastMsg+1)
	}
}

func TestCloseEndsLongPolls(t *testing.T) {
	s, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	bot := s.AddBot(BotSpec{})
	done := make(chan answer, 1)
	go func() { done <- callJSON(t, s, bot.Token, "getUpdates", map[string]any{"timeout": 30}) }()
	waitUntil(t, func() bool { return s.CallCount(bot.Token, "getUpdates") == 1 })
	start := time.Now()
	s.Close()
	if a := <-done; !a.OK {
		t.Fatalf("poll ended with %s", a.raw)
	}
	if time.Since(start) > 2*time.Second {
		t.Fatalf("Close took %v", time.Since(start))
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
