package telegramtest

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mymmrac/telego"
)

// updateBody is POST /_fake/updates: one update of a given kind, built from
// the fake's state (current memberships, stored invite links) and pushed.
type updateBody struct {
	Kind     string `json:"kind"`
	BotToken string `json:"botToken"`
	// The user acting: an existing userId, or a user object (registered if
	// its id is unknown). Neither: a fresh user.
	UserID int64     `json:"userId"`
	User   *userBody `json:"user"`
	// ChatID is the group, supergroup or channel (message kinds: omit for the
	// private chat).
	ChatID         int64           `json:"chatId"`
	Text           string          `json:"text"`
	Payload        string          `json:"payload"`
	MessageID      int             `json:"messageId"`
	Data           string          `json:"data"`
	InviteLink     string          `json:"inviteLink"`
	ViaJoinRequest bool            `json:"viaJoinRequest"`
	Status         string          `json:"status"`
	Rights         *rightsBody     `json:"rights"`
	ByUserID       int64           `json:"byUserId"`
	Bio            string          `json:"bio"`
	Update         json.RawMessage `json:"update"`
}

// updateKinds builds the update for each kind; see doc.go for the list.
var updateKinds = map[string]func(s *Server, b *FakeBot, body *updateBody) (telego.Update, error){
	"message":        buildMessage,
	"start":          buildStart,
	"edited_message": buildEditedMessage,
	"channel_post":   buildChannelPost,
	"callback_query": buildCallbackQuery,
	"block":          buildBlock,
	"unblock":        buildUnblock,
	"bot_added":      buildBotStatus("added"),
	"bot_promoted":   buildBotStatus(telego.MemberStatusAdministrator),
	"bot_demoted":    buildBotStatus(telego.MemberStatusMember),
	"bot_removed":    buildBotStatus(telego.MemberStatusLeft),
	"join":           buildJoin,
	"leave":          buildLeave,
	"join_request":   buildJoinRequest,
}

func (s *Server) ctlPush(r *http.Request) (any, error) {
	var body updateBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	bot, ok := s.Bot(body.BotToken)
	if !ok {
		return nil, ErrUnknownBot
	}
	kind := strings.ReplaceAll(body.Kind, "-", "_")
	switch kind {
	case "block_bot":
		kind = "block"
	case "unblock_bot":
		kind = "unblock"
	case "raw":
		if len(body.Update) == 0 {
			return nil, badControl("kind raw needs update")
		}
		return s.PushJSON(body.BotToken, body.Update)
	}
	build, ok := updateKinds[kind]
	if !ok {
		return nil, badControl("unknown kind %q; known: raw, %s", body.Kind, strings.Join(kindNames(), ", "))
	}
	u, err := build(s, bot, &body)
	if err != nil {
		return nil, err
	}
	return s.Push(body.BotToken, u)
}

func kindNames() []string {
	names := make([]string, 0, len(updateKinds))
	for k := range updateKinds {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// actor resolves the user an update is about.
func (s *Server) actor(body *updateBody) (telego.User, error) {
	if body.UserID != 0 {
		u, ok := s.User(body.UserID)
		if !ok {
			return telego.User{}, notFound("unknown user %d", body.UserID)
		}
		return u, nil
	}
	if body.User != nil && body.User.ID != 0 {
		if u, ok := s.User(body.User.ID); ok {
			return u, nil
		}
	}
	var spec UserSpec
	if body.User != nil {
		spec = body.User.spec()
	}
	return s.AddUser(spec), nil
}

func (s *Server) chatOf(body *updateBody) (telego.Chat, error) {
	if body.ChatID == 0 {
		return telego.Chat{}, badControl("chatId is required for this kind")
	}
	c, ok := s.Chat(body.ChatID)
	if !ok {
		return telego.Chat{}, notFound("unknown chat %d", body.ChatID)
	}
	return c, nil
}

func buildMessage(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	text := body.Text
	if text == "" {
		text = "Hello"
	}
	if body.ChatID != 0 {
		chat, err := s.chatOf(body)
		if err != nil {
			return telego.Update{}, err
		}
		return GroupMessageUpdate(chat, user, text), nil
	}
	return MessageUpdate(user, text), nil
}

func buildStart(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	text := "/start"
	if body.Payload != "" {
		text += " " + body.Payload
	}
	return MessageUpdate(user, text), nil
}

func buildEditedMessage(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	if body.MessageID == 0 {
		return telego.Update{}, badControl("messageId is required for edited_message")
	}
	return EditedMessageUpdate(user, body.MessageID, body.Text), nil
}

func buildChannelPost(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	chat, err := s.chatOf(body)
	if err != nil {
		return telego.Update{}, err
	}
	text := body.Text
	if text == "" {
		text = "Channel post"
	}
	return ChannelPostUpdate(chat, text), nil
}

// buildCallbackQuery presses a button on the bot's message messageId, by
// default the last message the bot sent to the user.
func buildCallbackQuery(s *Server, bot *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	var msg *telego.Message
	for _, m := range s.SentMessagesTo(bot.Token, user.ID) {
		if body.MessageID == 0 || m.MessageID == body.MessageID {
			cp := m.Message
			msg = &cp
		}
	}
	if msg == nil {
		from := bot.User()
		msg = &telego.Message{MessageID: body.MessageID, From: &from, Chat: PrivateChat(user), Date: time.Now().Unix(), Text: "…"}
	}
	return CallbackQueryUpdate(user, msg, body.Data), nil
}

func buildBlock(s *Server, bot *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	return BotBlockedUpdate(user, bot.User()), nil
}

func buildUnblock(s *Server, bot *FakeBot, body *updateBody) (telego.Update, error) {
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	return BotUnblockedUpdate(user, bot.User()), nil
}

// buildBotStatus changes the bot's status in a chat, from its current one;
// the change is made by byUserId, by default the chat's owner. "added" adds
// the bot as status (member, or administrator with rights).
func buildBotStatus(target string) func(*Server, *FakeBot, *updateBody) (telego.Update, error) {
	return func(s *Server, bot *FakeBot, body *updateBody) (telego.Update, error) {
		chat, err := s.chatOf(body)
		if err != nil {
			return telego.Update{}, err
		}
		by, err := s.changer(chat.ID, body.ByUserID)
		if err != nil {
			return telego.Update{}, err
		}
		status := target
		switch target {
		case "added":
			status = body.Status
		case telego.MemberStatusLeft:
			if body.Status == telego.MemberStatusBanned {
				status = telego.MemberStatusBanned
			}
		}
		newMember, err := memberWithStatus(bot.User(), status, body.Rights, chat.Type)
		if err != nil {
			return telego.Update{}, err
		}
		old, _ := s.ChatMember(chat.ID, bot.ID)
		return MyChatMemberUpdate(chat, by, old, newMember), nil
	}
}

// changer is who made a membership change: byUserId, or the chat's owner.
func (s *Server) changer(chatID, byUserID int64) (telego.User, error) {
	if byUserID != 0 {
		u, ok := s.User(byUserID)
		if !ok {
			return telego.User{}, notFound("unknown user %d", byUserID)
		}
		return u, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, ok := s.w.chats[chatID]; ok {
		for _, m := range cs.members {
			if _, ok := m.(*telego.ChatMemberOwner); ok {
				return m.MemberUser(), nil
			}
		}
	}
	return telego.User{ID: 777000, FirstName: "Telegram"}, nil
}

// buildJoin is a user joining, through inviteLink when given: a link the
// fake created yields the full stored object; any other URL is taken as a
// link made by another admin.
func buildJoin(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	chat, err := s.chatOf(body)
	if err != nil {
		return telego.Update{}, err
	}
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	old, _ := s.ChatMember(chat.ID, user.ID)
	from := user
	if body.ViaJoinRequest {
		if from, err = s.changer(chat.ID, body.ByUserID); err != nil {
			return telego.Update{}, err
		}
	}
	link, err := s.linkFor(chat.ID, body.InviteLink)
	if err != nil {
		return telego.Update{}, err
	}
	return ChatMemberUpdate(chat, from, old, Member(user), link, body.ViaJoinRequest), nil
}

func buildLeave(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	chat, err := s.chatOf(body)
	if err != nil {
		return telego.Update{}, err
	}
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	old, _ := s.ChatMember(chat.ID, user.ID)
	if !isPresent(old) {
		old = Member(user)
	}
	return ChatMemberUpdate(chat, user, old, Left(user), nil, false), nil
}

func buildJoinRequest(s *Server, _ *FakeBot, body *updateBody) (telego.Update, error) {
	chat, err := s.chatOf(body)
	if err != nil {
		return telego.Update{}, err
	}
	user, err := s.actor(body)
	if err != nil {
		return telego.Update{}, err
	}
	link, err := s.linkFor(chat.ID, body.InviteLink)
	if err != nil {
		return telego.Update{}, err
	}
	u := ChatJoinRequestUpdate(chat, user, link)
	u.ChatJoinRequest.Bio = body.Bio
	return u, nil
}

func (s *Server) linkFor(chatID int64, url string) (*telego.ChatInviteLink, error) {
	if url == "" {
		return nil, nil
	}
	linkChat, link, ok := s.InviteLink(url)
	if !ok {
		owner, err := s.changer(chatID, 0)
		if err != nil {
			return nil, err
		}
		// Telegram hides the tail of links created by other admins.
		return &telego.ChatInviteLink{InviteLink: hideLinkTail(url), Creator: owner}, nil
	}
	if linkChat != chatID {
		return nil, badControl("invite link %s belongs to chat %d", url, linkChat)
	}
	return &link, nil
}

// hideLinkTail mimics how other admins' links reach a bot: "https://t.me/+AbCd…".
func hideLinkTail(url string) string {
	if len(url) <= 20 {
		return url
	}
	return url[:len(url)-len(url)/4] + "…"
}

func (s *Server) ctlRedeliver(r *http.Request) (any, error) {
	var body tokenBody
	if err := decode(r, &body); err != nil {
		return nil, err
	}
	return s.Redeliver(body.BotToken)
}
