package core

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// SendBroadcastMessage makes the Bot API call of one broadcast message to
// chatID and returns
// Telegram's message id. A text-only message without buttons is a plain
// sendMessage; otherwise the call is built by hand: sendPhoto or
// sendDocument with the text as caption, and the buttons as an inline
// keyboard. A file goes as bytes the first time the bot sends it — one
// caller of uploading at a time, so it goes once — and then by the file_id Telegram
// gave the bot for it (upload_file_ids, shared with the outbox).
func SendBroadcastMessage(ctx context.Context, db bun.IDB, tg *telegram.Client, log *slog.Logger, uploading *sync.Mutex, token string, bc *models.Broadcast, chatID int64) (int64, error) {
	upload, method, field := bc.Upload()
	if upload == "" && bc.Buttons == "" {
		msg, err := tg.SendMessage(ctx, token, chatID, bc.Text, telegram.SendOptions{
			ParseMode: bc.ParseMode, DisableLinkPreview: bc.DisablePreview})
		if err != nil {
			return 0, err
		}
		return int64(msg.MessageID), nil
	}
	params := map[string]any{"chat_id": chatID}
	if bc.Buttons != "" {
		params["reply_markup"] = map[string]any{"inline_keyboard": json.RawMessage(bc.Buttons)}
	}
	textKey := "caption"
	if upload == "" {
		method, textKey = "sendMessage", "text"
		if bc.DisablePreview {
			params["link_preview_options"] = map[string]any{"is_disabled": true}
		}
	}
	if bc.Text != "" {
		params[textKey] = bc.Text
		if bc.ParseMode != "" {
			params["parse_mode"] = bc.ParseMode
		}
	}
	if upload == "" {
		return messageIDOf(tg.Call(ctx, token, method, params))
	}
	fileID, err := models.UploadFileID(ctx, db, upload, bc.BotID)
	if err != nil {
		return 0, &telegram.Error{Method: method, Code: 500, Description: "Botdeck could not read the attached file: " + err.Error()}
	}
	if fileID == "" {
		uploading.Lock()
		defer uploading.Unlock()
		// Another worker may have sent it while this one waited.
		if fileID, err = models.UploadFileID(ctx, db, upload, bc.BotID); err != nil {
			return 0, &telegram.Error{Method: method, Code: 500, Description: "Botdeck could not read the attached file: " + err.Error()}
		}
	}
	if fileID != "" {
		params[field] = fileID
		return messageIDOf(tg.Call(ctx, token, method, params))
	}
	u, err := models.UploadData(ctx, db, upload)
	if err != nil {
		return 0, &telegram.Error{Method: method, Code: 400, Description: "Bad Request: the attached file is gone: " + err.Error()}
	}
	result, err := tg.CallWithUpload(ctx, token, method, params,
		telegram.Upload{Field: field, Name: u.Name, ContentType: u.ContentType, Data: u.Data})
	if err != nil {
		return 0, err
	}
	if id := fileIDOf(result, field); id != "" {
		if err := models.SetUploadFileID(context.WithoutCancel(ctx), db, upload, bc.BotID, id, models.Now()); err != nil {
			log.WarnContext(ctx, "broadcaster: remember file id", "bot", bc.BotID, "err", err)
		}
	}
	return messageIDOf(result, nil)
}

func messageIDOf(result json.RawMessage, err error) (int64, error) {
	if err != nil {
		return 0, err
	}
	var m struct {
		MessageID int64 `json:"message_id"`
	}
	_ = json.Unmarshal(result, &m)
	return m.MessageID, nil
}

// fileIDOf reads the file_id of what a sendPhoto (largest size) or
// sendDocument returned.
func fileIDOf(result json.RawMessage, field string) string {
	var m struct {
		Photo []struct {
			FileID string `json:"file_id"`
		} `json:"photo"`
		Document *struct {
			FileID string `json:"file_id"`
		} `json:"document"`
	}
	if json.Unmarshal(result, &m) != nil {
		return ""
	}
	if field == "photo" && len(m.Photo) > 0 {
		return m.Photo[len(m.Photo)-1].FileID
	}
	if m.Document != nil {
		return m.Document.FileID
	}
	return ""
}
