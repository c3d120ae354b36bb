package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

const maxMessageLength = 4096

// sendMessage validates like Telegram (empty or too long text, bad markup,
// blocked or deactivated users, chats the bot is not in, flood control),
// records the message and returns it.
func (s *Server) sendMessage(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	text := p.str("text")
	if strings.TrimSpace(text) == "" {
		return nil, "", errTextEmpty
	}
	mode := p.str("parse_mode")
	plain, entities, aerr := parseMarkup(mode, text)
	if aerr != nil {
		return nil, "", aerr
	}
	if utf8.RuneCountInString(plain) > maxMessageLength {
		return nil, "", errTextTooLong
	}
	noPreview := p.bool("disable_web_page_preview") || linkPreviewDisabled(p.object("link_preview_options"))
	markup := p.object("reply_markup")

	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	if b.limiter != nil {
		if ok, retry := b.limiter.take(now); !ok {
			b.rateLimited++
			return nil, "", tooManyRequests(retry)
		}
	}
	chat, aerr := s.sendTargetLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}

	from := b.user
	msg := telego.Message{
		MessageID: s.nextMessageIDLocked(chat.ID),
		From:      &from,
		Chat:      chat,
		Date:      now.Unix(),
		Text:      plain,
		Entities:  entities,
	}
	if chat.Type == telego.ChatTypeChannel {
		msg.From, msg.SenderChat = nil, &chat
	}
	if noPreview {
		msg.LinkPreviewOptions = &telego.LinkPreviewOptions{IsDisabled: true}
	}
	if kb := inlineKeyboard(markup); kb != nil {
		msg.ReplyMarkup = kb // Telegram echoes inline keyboards only
	}
	b.sent = append(b.sent, SentMessage{
		BotID:              b.user.ID,
		ChatID:             chat.ID,
		MessageID:          msg.MessageID,
		Text:               text,
		ParseMode:          mode,
		DisableLinkPreview: noPreview,
		ReplyMarkup:        markup,
		Params:             map[string]json.RawMessage(p),
		Message:            msg,
		SentAt:             now,
	})
	return msg, "", nil
}

// sendTargetLocked resolves chat_id for sending and applies Telegram's
// refusals. Unknown positive ids are accepted as users the fake has not been
// told about, so broadcasts to arbitrary ids need no set-up.
func (s *Server) sendTargetLocked(b *botState, ref chatRef) (telego.Chat, *apiError) {
	if ref.username != "" {
		cs := s.chatByUsernameLocked(ref.username)
		if cs == nil {
			return telego.Chat{}, errChatNotFound
		}
		return s.groupTargetLocked(b, cs)
	}
	if ref.id > 0 {
		if b.blockedBy[ref.id] {
			return telego.Chat{}, errBlocked
		}
		if _, isBot := s.w.bots[ref.id]; isBot {
			return telego.Chat{}, &apiError{Code: 403, Description: "Forbidden: bot can't send messages to bots"}
		}
		u, ok := s.w.users[ref.id]
		if !ok {
			return telego.Chat{ID: ref.id, Type: telego.ChatTypePrivate, FirstName: fmt.Sprintf("User %d", ref.id%100_000)}, nil
		}
		if u.deactivated {
			return telego.Chat{}, errDeactivated
		}
		return PrivateChat(u.user), nil
	}
	cs, ok := s.w.chats[ref.id]
	if !ok {
		return telego.Chat{}, errChatNotFound
	}
	return s.groupTargetLocked(b, cs)
}

func (s *Server) groupTargetLocked(b *botState, cs *chatState) (telego.Chat, *apiError) {
	m := s.memberLocked(cs, b.user.ID)
	if !isPresent(m) {
		verb := "is not a member of"
		if m.MemberStatus() == telego.MemberStatusBanned {
			verb = "was kicked from"
		}
		return telego.Chat{}, &apiError{Code: 403, Description: fmt.Sprintf("Forbidden: bot %s the %s chat", verb, cs.chat.Type)}
	}
	if cs.chat.Type == telego.ChatTypeChannel && !canPost(m) {
		return telego.Chat{}, badRequest("need administrator rights in the channel chat")
	}
	return cs.chat, nil
}

func (s *Server) chatByUsernameLocked(username string) *chatState {
	for _, cs := range s.w.chats {
		if cs.chat.Username != "" && strings.EqualFold(cs.chat.Username, username) {
			return cs
		}
	}
	return nil
}

func linkPreviewDisabled(raw json.RawMessage) bool {
	var o telego.LinkPreviewOptions
	return raw != nil && json.Unmarshal(raw, &o) == nil && o.IsDisabled
}

func inlineKeyboard(raw json.RawMessage) *telego.InlineKeyboardMarkup {
	if raw == nil {
		return nil
	}
	var kb telego.InlineKeyboardMarkup
	if json.Unmarshal(raw, &kb) != nil || len(kb.InlineKeyboard) == 0 {
		return nil
	}
	return &kb
}

func (s *Server) answerCallbackQuery(_ *http.Request, _ *botState, p params) (any, string, *apiError) {
	if p.str("callback_query_id") == "" {
		return nil, "", badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	return true, "", nil
}

func (s *Server) deleteMessage(_ *http.Request, _ *botState, p params) (any, string, *apiError) {
	if _, aerr := p.chat("chat_id"); aerr != nil {
		return nil, "", aerr
	}
	if id, ok := p.int("message_id"); !ok || id <= 0 {
		return nil, "", badRequest("message to delete not found")
	}
	return true, "", nil
}
