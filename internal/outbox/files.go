package outbox

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// StoredFiles serves uploads from the database (models.Upload) and keeps
// the file_id Telegram gives each bot for them.
type StoredFiles struct{ DB bun.IDB }

// File implements Files.
func (f StoredFiles) File(ctx context.Context, uploadID, botID string) (string, telegram.Upload, error) {
	id, err := models.UploadFileID(ctx, f.DB, uploadID, botID)
	if err != nil || id != "" {
		return id, telegram.Upload{}, err
	}
	u, err := models.UploadData(ctx, f.DB, uploadID)
	if err != nil {
		return "", telegram.Upload{}, err
	}
	return "", telegram.Upload{Name: u.Name, ContentType: u.ContentType, Data: u.Data}, nil
}

// Remember implements Files.
func (f StoredFiles) Remember(ctx context.Context, uploadID, botID, fileID string) error {
	return models.SetUploadFileID(ctx, f.DB, uploadID, botID, fileID, models.Now())
}
