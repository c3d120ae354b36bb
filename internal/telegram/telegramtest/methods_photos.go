package telegramtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mymmrac/telego"
)

const maxCaptionLength = 1024

// sendPhoto sends a photo given as a URL (the fake makes up a picture, as
// if it had fetched one) or as the file id of a photo it knows, with an
// optional caption; refusals are those of sendMessage.
func (s *Server) sendPhoto(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	photo := strings.TrimSpace(p.str("photo"))
	if photo == "" {
		return nil, "", badRequest("there is no photo in the request")
	}
	caption, mode := p.str("caption"), p.str("parse_mode")
	plain, entities, aerr := parseMarkup(mode, caption)
	if aerr != nil {
		return nil, "", aerr
	}
	if utf8.RuneCountInString(plain) > maxCaptionLength {
		return nil, "", badRequest("message caption is too long")
	}
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
	var sizes []telego.PhotoSize
	if f, ok := s.w.files[photo]; ok {
		sizes = []telego.PhotoSize{{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height, FileSize: len(f.bytes())}}
	} else if strings.HasPrefix(photo, "http://") || strings.HasPrefix(photo, "https://") {
		sizes = s.newPhotoLocked(int64(len(s.w.files)) + now.UnixNano()%1000)
	} else {
		return nil, "", badRequest("wrong file identifier/HTTP URL specified")
	}
	from := b.user
	msg := telego.Message{MessageID: s.nextMessageIDLocked(chat.ID), From: &from, Chat: chat, Date: now.Unix(),
		Photo: sizes, Caption: plain, CaptionEntities: entities}
	if kb := inlineKeyboard(markup); kb != nil {
		msg.ReplyMarkup = kb
	}
	b.sent = append(b.sent, SentMessage{BotID: b.user.ID, ChatID: chat.ID, MessageID: msg.MessageID, Text: caption, ParseMode: mode,
		ReplyMarkup: markup, Params: map[string]json.RawMessage(p), Message: msg, SentAt: now})
	return msg, "", nil
}
