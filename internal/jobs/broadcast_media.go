package jobs

import (
	"context"

	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/models"
)

// send sends one broadcast message (core.SendBroadcastMessage): a file
// goes as bytes once per bot, one worker at a time, then by file_id.
func (s *botSender) send(ctx context.Context, token string, bc *models.Broadcast, chatID int64) (int64, error) {
	return core.SendBroadcastMessage(ctx, s.b.db, s.b.tg, s.b.log, &s.uploading, token, bc, chatID)
}
