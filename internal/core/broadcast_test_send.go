package core

import (
	"context"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// ErrTelegramNotLinked refuses a test broadcast to a member who has not
// linked their Telegram account.
var ErrTelegramNotLinked = &apperr.Error{Kind: apperr.KindInvalid, Code: "telegram_not_linked",
	Message: "Link your Telegram account first: on your account page (/account), choose “Link Telegram” and open the link in Telegram. A test goes only to you.",
	Fields:  apperr.FieldErrors{"test": "needs your Telegram account linked on the account page (/account)"}}

// TestSend is where a test broadcast went.
type TestSend struct {
	TelegramUserID int64
	Username       string
	FirstName      string
	MessageID      int64
}

// SendTest sends a composed broadcast once, now, to the member's own linked
// Telegram account through the broadcast's bot, and to nobody else; nothing
// is stored (the message is checked as Create checks it; a schedule is
// ignored).
func (s *Broadcasts) SendTest(ctx context.Context, b *models.Bot, memberID string, req contract.CreateBroadcastRequest) (*TestSend, error) {
	req.ScheduledAt, req.ScheduleProblem = nil, nil
	bc, err := prepare(ctx, s.db, b, req, models.Now())
	if err != nil {
		return nil, err
	}
	if !CanSend(b) {
		return nil, errBotCannotSend(b, "send a test")
	}
	link, err := models.MemberTelegram(ctx, s.db, memberID)
	if err != nil {
		return nil, err
	}
	if link == nil {
		return nil, ErrTelegramNotLinked
	}
	token, err := s.bots.Token(b)
	if err != nil {
		return nil, err
	}
	id, err := SendBroadcastMessage(ctx, s.db, s.tg, s.log, &s.uploading, token, bc, link.TelegramUserID)
	if err != nil {
		msg := "Telegram refused the test: " + telegram.Explain(err)
		if link.BotID != b.ID {
			msg += " You linked your Telegram account through another bot: start " + b.Handle() + " in Telegram once, then try again."
		}
		return nil, &apperr.Error{Kind: apperr.KindUpstream, Code: "telegram_failed", Message: msg, Err: err}
	}
	return &TestSend{TelegramUserID: link.TelegramUserID, Username: link.Username, FirstName: link.FirstName, MessageID: id}, nil
}
