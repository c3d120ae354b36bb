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

// sendPhoto and sendDocument accept the file as an upload (multipart), a
// URL, or a file_id this fake handed out; a new upload gets a new file_id, which
// the answer carries (the largest photo size, or the document). They are
// recorded with the other sent messages (Text is the caption) and share
// sendMessage's flood control.
func (s *Server) sendPhoto(r *http.Request, b *botState, p params) (any, string, *apiError) {
	return s.sendMedia(r, b, p, "photo")
}

func (s *Server) sendDocument(r *http.Request, b *botState, p params) (any, string, *apiError) {
	return s.sendMedia(r, b, p, "document")
}

func (s *Server) sendMedia(_ *http.Request, b *botState, p params, field string) (any, string, *apiError) {
	ref, aerr := p.chat("chat_id")
	if aerr != nil {
		return nil, "", aerr
	}
	file := p.str(field)
	if file == "" {
		return nil, "", badRequest("there is no %s in the request", field)
	}
	caption := p.str("caption")
	mode := p.str("parse_mode")
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
	// An upload, or a URL Telegram would fetch (the fake makes up the
	// picture it would have found there).
	uploaded := strings.HasPrefix(file, "attach://") || strings.HasPrefix(file, "https://") || strings.HasPrefix(file, "http://")
	var f *fileState
	if uploaded {
		f = s.newFileLocked(320, int64(len(s.w.files)))
	} else if f = s.w.files[file]; f == nil {
		return nil, "", badRequest("wrong file identifier/HTTP URL specified")
	}
	chat, aerr := s.sendTargetLocked(b, ref)
	if aerr != nil {
		return nil, "", aerr
	}
	from := b.user
	msg := telego.Message{MessageID: s.nextMessageIDLocked(chat.ID), From: &from, Chat: chat, Date: now.Unix(),
		Caption: plain, CaptionEntities: entities}
	if field == "photo" {
		msg.Photo = []telego.PhotoSize{{FileID: f.id, FileUniqueID: f.uniqueID, Width: f.width, Height: f.height}}
	} else {
		name := p.str(field + "#name")
		msg.Document = &telego.Document{FileID: f.id, FileUniqueID: f.uniqueID, FileName: name}
	}
	if kb := inlineKeyboard(markup); kb != nil {
		msg.ReplyMarkup = kb
	}
	b.sent = append(b.sent, SentMessage{BotID: b.user.ID, ChatID: chat.ID, MessageID: msg.MessageID, Text: caption,
		ParseMode: mode, ReplyMarkup: markup, Params: map[string]json.RawMessage(p), Message: msg, SentAt: now})
	return msg, "", nil
}
