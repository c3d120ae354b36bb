package core

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/secrets"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// AllowedUpdates is the explicit list every webhook and poll asks for.
// Telegram's default (an empty list) leaves out chat_member, which
// campaigns need, so the list is always spelled out.
var AllowedUpdates = []string{
	"message", "edited_message", "channel_post", "edited_channel_post", "callback_query",
	"my_chat_member", "chat_member", "chat_join_request",
}

// webhookMaxConnections is Telegram's default concurrency for deliveries.
const webhookMaxConnections = 40

// claimTimeout is how long a connecting claim may live before another
// connect of the same bot may take it over (the first process died).
const claimTimeout = 2 * time.Minute

// botsTelegram is what bot management needs from the Bot API.
type botsTelegram interface {
	GetMe(ctx context.Context, token string) (*telego.User, error)
	SetWebhook(ctx context.Context, token string, p telegram.WebhookParams) error
	DeleteWebhook(ctx context.Context, token string, dropPending bool) error
	GetWebhookInfo(ctx context.Context, token string) (*telego.WebhookInfo, error)
}

// Errors of bot management.
var (
	ErrTokenInvalid = &apperr.Error{Kind: apperr.KindInvalid, Code: "token_invalid",
		Message: "Telegram does not accept this token. Copy it again from @BotFather.",
		Fields:  apperr.FieldErrors{"token": "is not accepted by Telegram"}}
	ErrTokenMalformed = &apperr.Error{Kind: apperr.KindInvalid, Code: "token_invalid",
		Message: "This does not look like a bot token. Copy the whole token from @BotFather: digits, a colon, then 35 characters.",
		Fields:  apperr.FieldErrors{"token": "does not look like a bot token from @BotFather"}}
	ErrTokenExists = &apperr.Error{Kind: apperr.KindConflict, Code: "token_exists",
		Message: "This bot is connected to another Botdeck account. Disconnect it there first.",
		Fields:  apperr.FieldErrors{"token": "belongs to a bot connected to another account"}}
	ErrBotExists = &apperr.Error{Kind: apperr.KindConflict, Code: "bot_exists",
		Message: "This bot is already connected to your account.",
		Fields:  apperr.FieldErrors{"token": "is already connected"}}
	ErrBotDeleted = &apperr.Error{Kind: apperr.KindConflict, Code: "bot_deleted",
		Message: "This bot is disconnected. Add its token again to reconnect it."}
)

func webhookFailed(err error) error {
	return &apperr.Error{Kind: apperr.KindUpstream, Code: "webhook_failed",
		Message: "Telegram did not accept the webhook: " + telegramReason(err) + ". Nothing was changed.",
		Fields:  apperr.FieldErrors{"token": "could not be connected: Telegram refused the webhook"}, Err: err}
}

func telegramUnavailable(err error) error {
	return &apperr.Error{Kind: apperr.KindUpstream, Code: "telegram_unavailable",
		Message: telegram.Explain(err) + " Try again in a moment.", Err: err}
}

// telegramReason is the human part of a Bot API error (never the token).
func telegramReason(err error) string {
	var te *telegram.Error
	if errors.As(err, &te) && te.Description != "" {
		return te.Description
	}
	return "no answer"
}

// Bots connects bots and manages their lifecycle.
type Bots struct {
	db        *bun.DB
	tg        botsTelegram
	sealer    *secrets.Sealer
	publicURL string
	events    *events.Bus
	log       *slog.Logger
	webhooks  *webhookCache
}

// NewBots returns the bot use cases. publicURL empty means long polling.
// Status changes are published on bus.
func NewBots(db *bun.DB, tg botsTelegram, sealer *secrets.Sealer, publicURL string, bus *events.Bus, log *slog.Logger) *Bots {
	return &Bots{db: db, tg: tg, sealer: sealer, publicURL: publicURL, events: bus, log: log, webhooks: newWebhookCache()}
}

// Events is the bus bot changes are published on.
func (s *Bots) Events() *events.Bus { return s.events }

// saveStatus writes b's columns (its status among them) and publishes
// its status, in one transaction.
func (s *Bots) saveStatus(ctx context.Context, b *models.Bot, columns ...string) error {
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.UpdateBotColumns(ctx, tx, b, columns...); err != nil {
			return err
		}
		return publishBotStatus(ctx, tx, s.events, b)
	})
}

// publishBotStatus tells the owner's open pages (and API streams) that b's
// status or its reason changed, inside db's transaction, and notifies its
// members when it went into warning or error or recovered.
func publishBotStatus(ctx context.Context, db bun.IDB, bus *events.Bus, b *models.Bot) error {
	if err := bus.Publish(ctx, db, events.BotStatus(b.OwnerID, b.ID, b.Status, b.StatusReason)); err != nil {
		return err
	}
	return notifyBotStatus(ctx, db, bus, b)
}

// BotList is one page of bots with the per-status counts.
type BotList struct {
	Bots   []models.Bot
	Total  int
	Counts map[string]int
}

// List returns the owner's bots matching req.
func (s *Bots) List(ctx context.Context, ownerID string, req contract.ListBotsRequest) (*BotList, error) {
	bots, total, err := models.ListBots(ctx, s.db, ownerID, req.Filter(), req.Window())
	if err != nil {
		return nil, err
	}
	counts, err := models.CountBotsByStatus(ctx, s.db, ownerID)
	if err != nil {
		return nil, err
	}
	return &BotList{Bots: bots, Total: total, Counts: counts}, nil
}

// Get returns one of the owner's bots.
func (s *Bots) Get(ctx context.Context, ownerID, id string) (*models.Bot, error) {
	return models.BotOfOwner(ctx, s.db, ownerID, id)
}

// Batch returns the owner's bots among ids, in the order asked, leaving
// out ids that are unknown or belong to someone else.
func (s *Bots) Batch(ctx context.Context, ownerID string, ids []string) ([]models.Bot, error) {
	found, err := models.BotsOfOwnerByIDs(ctx, s.db, ownerID, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]models.Bot, len(found))
	for _, b := range found {
		byID[b.ID] = b
	}
	out := make([]models.Bot, 0, len(found))
	for _, id := range ids {
		if b, ok := byID[id]; ok {
			out = append(out, b)
			delete(byID, id) // a repeated id is answered once
		}
	}
	return out, nil
}

// ForWebhook finds a bot by id for the webhook receiver, whatever its
// owner (the secret header proves who is calling). The answer may be up to
// webhookCacheTTL old and carries only id, owner, status, mode and secret;
// it is shared with other requests, so callers must not modify it.
func (s *Bots) ForWebhook(ctx context.Context, id string) (*models.Bot, error) {
	if !models.LooksLikeID("bot", id) {
		return nil, apperr.ErrNotFound
	}
	if b, ok := s.webhooks.get(id); ok {
		return b, nil
	}
	b, err := models.BotByID(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	s.webhooks.put(b)
	return b, nil
}

// Token decrypts a bot's token. It never leaves the server.
func (s *Bots) Token(b *models.Bot) (string, error) {
	t, err := s.sealer.Open(b.TokenCiphertext, []byte(b.ID))
	return string(t), err
}

// Update changes description and tags.
func (s *Bots) Update(ctx context.Context, ownerID, id string, req contract.UpdateBotRequest) (*models.Bot, error) {
	b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	if req.Description != nil {
		b.Description = *req.Description
	}
	if req.Tags != nil {
		b.Tags = req.Tags
	}
	return b, models.UpdateBotColumns(ctx, s.db, b, "description", "tags")
}

// Stop halts a bot: its updates are ignored and its custom webhooks answer
// 403 until it is started again. The webhook stays registered, so Telegram
// does not pile up updates for it.
func (s *Bots) Stop(ctx context.Context, ownerID, id string) (*models.Bot, error) {
	b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	switch b.Status {
	case models.BotDeleted:
		return nil, ErrBotDeleted
	case models.BotStopped:
		return b, nil
	}
	b.Status, b.StatusReason = models.BotStopped, ""
	defer s.webhooks.forget(b.ID)
	return b, s.saveStatus(ctx, b, "status", "status_reason")
}

// Start resumes a stopped bot, retries one in error, or re-registers the
// webhook of one whose delivery fails: the token is checked and the webhook
// registered again before the bot counts as active.
func (s *Bots) Start(ctx context.Context, ownerID, id string) (*models.Bot, error) {
	b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	switch b.Status {
	case models.BotDeleted:
		return nil, ErrBotDeleted
	case models.BotActive, models.BotWarning:
		if b.WebhookError == "" {
			return b, nil
		}
		// Running, but Telegram's webhook no longer brings its updates here:
		// starting it again registers Botdeck's webhook again.
	}
	token, err := s.Token(b)
	if err != nil {
		return nil, err
	}
	if _, err := s.tg.GetMe(ctx, token); err != nil {
		if errors.Is(err, telegram.ErrUnauthorized) {
			s.markTokenRejected(ctx, b)
			return nil, &apperr.Error{Kind: apperr.KindInvalid, Code: "token_invalid",
				Message: "Telegram no longer accepts this bot's token (was it revoked in @BotFather?). Reconnect the bot with its new token."}
		}
		return nil, telegramUnavailable(err)
	}
	if err := s.registerUpdates(ctx, b, token); err != nil {
		return nil, webhookFailed(err)
	}
	b.Status, b.StatusReason = models.BotActive, ""
	defer s.webhooks.forget(b.ID)
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.UpdateBotColumns(ctx, tx, b, "status", "status_reason", "update_mode", "webhook_url", "webhook_set", "webhook_error"); err != nil {
			return err
		}
		if err := publishBotStatus(ctx, tx, s.events, b); err != nil {
			return err
		}
		// A campaign that lost its admin rights while the bot was stopped
		// still warns: the bot is active only if nothing does.
		b, err = refreshBotWarning(ctx, tx, s.events, b.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Delete disconnects a bot (soft): the webhook is dropped and polling
// stops, while users, leads, stats and code are kept for a reconnect.
func (s *Bots) Delete(ctx context.Context, ownerID, id string) (*models.Bot, error) {
	b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if b.Status == models.BotDeleted {
		return b, nil
	}
	if b.WebhookSet {
		if token, err := s.Token(b); err == nil {
			// Best effort: a revoked token cannot delete its webhook, and
			// Telegram stops delivering to a revoked bot anyway.
			if err := s.tg.DeleteWebhook(ctx, token, false); err != nil {
				s.log.WarnContext(ctx, "delete webhook of disconnected bot", "bot", b.ID, "err", err)
			}
		}
	}
	now := models.Now()
	b.Status, b.StatusReason, b.DeletedAt, b.WebhookSet = models.BotDeleted, "", &now, false
	defer s.webhooks.forget(b.ID)
	return b, s.saveStatus(ctx, b, "status", "status_reason", "deleted_at", "webhook_set")
}

// WebhookInfo asks Telegram for the live webhook state of a bot. A 401
// marks the bot as error (its token was revoked).
func (s *Bots) WebhookInfo(ctx context.Context, b *models.Bot) (*telego.WebhookInfo, error) {
	token, err := s.Token(b)
	if err != nil {
		return nil, err
	}
	info, err := s.tg.GetWebhookInfo(ctx, token)
	if err != nil {
		s.NoteTelegramError(ctx, b, err)
		return nil, err
	}
	return info, nil
}

// NoteTelegramError records what a Telegram failure says about the bot:
// a 401 means the token was revoked, so the bot shows status error.
func (s *Bots) NoteTelegramError(ctx context.Context, b *models.Bot, err error) {
	if errors.Is(err, telegram.ErrUnauthorized) && b.Status != models.BotDeleted {
		s.markTokenRejected(ctx, b)
	}
}

func (s *Bots) markTokenRejected(ctx context.Context, b *models.Bot) {
	if b.Status == models.BotError {
		return
	}
	b.Status = models.BotError
	b.StatusReason = "Telegram rejects this bot's token: it was probably revoked in @BotFather. Reconnect the bot with its new token."
	if err := s.saveStatus(ctx, b, "status", "status_reason"); err != nil {
		s.log.ErrorContext(ctx, "mark bot token rejected", "bot", b.ID, "err", err)
	}
}

// registerUpdates points Telegram at Botdeck: a webhook at
// PUBLIC_URL/tg/{id} with the bot's secret, or (without a public URL) no
// webhook so the poller can call getUpdates. It fills b's webhook fields.
func (s *Bots) registerUpdates(ctx context.Context, b *models.Bot, token string) error {
	if s.publicURL == "" {
		if err := s.tg.DeleteWebhook(ctx, token, false); err != nil {
			return err
		}
		b.UpdateMode, b.WebhookURL, b.WebhookSet, b.WebhookError = models.ModePolling, "", false, ""
		return nil
	}
	url := s.publicURL + "/tg/" + b.ID
	err := s.tg.SetWebhook(ctx, token, telegram.WebhookParams{
		URL: url, SecretToken: b.WebhookSecret, AllowedUpdates: AllowedUpdates, MaxConnections: webhookMaxConnections,
	})
	if err != nil {
		return err
	}
	b.UpdateMode, b.WebhookURL, b.WebhookSet, b.WebhookError = models.ModeWebhook, url, true, ""
	return nil
}
