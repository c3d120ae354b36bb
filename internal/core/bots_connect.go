package core

import (
	"context"
	"errors"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Connect adds a bot to the owner's account by its BotFather token:
// getMe, then a claim row (so two connects of one bot cannot both win),
// then the webhook (or polling), then the row becomes active. A failure at
// any step undoes the claim: nothing is left half-created.
//
// Re-adding a deleted bot of the same account restores its row (same id,
// history, campaigns and code kept; restored is true). A new token for a
// bot already connected to this account replaces the old one (BotFather's
// "revoke token" flow). A bot connected to another account is refused.
func (s *Bots) Connect(ctx context.Context, ownerID, token string) (bot *models.Bot, restored bool, err error) {
	if !telegram.ValidTokenFormat(token) {
		return nil, false, ErrTokenMalformed
	}
	me, err := s.tg.GetMe(ctx, token)
	if err != nil {
		if errors.Is(err, telegram.ErrUnauthorized) || errors.Is(err, telegram.ErrNotFound) {
			return nil, false, ErrTokenInvalid
		}
		return nil, false, telegramUnavailable(err)
	}
	if !me.IsBot {
		return nil, false, ErrTokenInvalid
	}

	c, err := s.claim(ctx, ownerID, token, me)
	if err != nil {
		return nil, false, err
	}
	b := c.bot
	if err := s.registerUpdates(ctx, b, token); err != nil {
		s.releaseClaim(ctx, c)
		return nil, false, webhookFailed(err)
	}
	b.Status, b.StatusReason, b.DeletedAt = models.BotActive, "", nil
	defer s.webhooks.forget(b.ID)
	if err := s.saveStatus(ctx, b, "status", "status_reason", "deleted_at", "update_mode", "webhook_url", "webhook_set", "webhook_error"); err != nil {
		s.releaseClaim(ctx, c)
		return nil, false, err
	}
	if c.kind == claimNew {
		s.publishStarterMenu(ctx, b, token)
	}
	return b, c.kind == claimRestore, nil
}

// insertStarters gives a new bot its first replies (replies.Starters): a
// /start greeting and a /help for the owner to edit.
func insertStarters(ctx context.Context, db bun.IDB, botID string) error {
	for _, r := range replies.Starters(func() string { return models.NewID(models.ReplyIDPrefix) }) {
		if err := models.InsertReply(ctx, db, &models.Reply{BotID: botID, Spec: r}); err != nil {
			return err
		}
	}
	return nil
}

// publishStarterMenu puts a new bot's starter commands in its menu. A
// failure is logged: the bot is connected, and the next save of a reply
// publishes the menu again.
func (s *Bots) publishStarterMenu(ctx context.Context, b *models.Bot, token string) {
	menu, ok := s.tg.(menuTelegram)
	if !ok {
		return
	}
	rows, err := models.ListReplies(ctx, s.db, b.ID)
	if err == nil {
		err = menu.SetMyCommands(ctx, token, replies.MenuCommands(models.Specs(rows)))
	}
	if err != nil {
		s.log.WarnContext(ctx, "publish starter menu", "bot", b.ID, "err", err)
	}
}

type claimKind int

const (
	claimNew     claimKind = iota // a new row
	claimRestore                  // a deleted row of this account, reused
	claimReplace                  // a live row of this account, new token
)

type connectClaim struct {
	kind claimKind
	bot  *models.Bot
	prev models.Bot // the row before the claim, to put back on failure
}

// claim reserves the bot for this connect in one transaction.
func (s *Bots) claim(ctx context.Context, ownerID, token string, me *telego.User) (*connectClaim, error) {
	var c *connectClaim
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		live, err := models.LiveBotByTelegramID(ctx, tx, me.ID)
		if err != nil {
			return err
		}
		if live != nil && live.Status == models.BotConnecting && models.Now().Sub(live.UpdatedAt) > claimTimeout {
			if err := s.abandonClaim(ctx, tx, live); err != nil {
				return err
			}
			live = nil
		}
		now := models.Now()
		switch {
		case live != nil && live.OwnerID != ownerID:
			return ErrTokenExists
		case live != nil && live.Status == models.BotConnecting:
			return &apperr.Error{Kind: apperr.KindConflict, Code: "bot_exists", Message: "This bot is being connected right now. Wait a moment and reload."}
		case live != nil && s.sealer.LookupHash(token) == live.TokenHash:
			return ErrBotExists
		case live != nil:
			c = &connectClaim{kind: claimReplace, bot: live, prev: *live}
		default:
			deleted, err := models.DeletedBotOfOwner(ctx, tx, ownerID, me.ID)
			if err != nil {
				return err
			}
			if deleted != nil {
				c = &connectClaim{kind: claimRestore, bot: deleted, prev: *deleted}
			} else {
				c = &connectClaim{kind: claimNew, bot: &models.Bot{
					ID: models.NewID("bot"), OwnerID: ownerID, TelegramID: me.ID, CreatedAt: now, Tags: []string{},
					WebhookSecret: models.RandomString(20),
				}}
			}
		}
		b := c.bot
		b.Username, b.Name = me.Username, me.FirstName
		b.TokenCiphertext = s.sealer.Seal([]byte(token), []byte(b.ID))
		b.TokenHash = s.sealer.LookupHash(token)
		b.TokenMasked = telegram.MaskToken(token)
		if c.kind == claimReplace {
			// The live row keeps serving with its old token until Telegram
			// has accepted the new one.
			return nil
		}
		b.Status, b.UpdatedAt = models.BotConnecting, now
		if c.kind == claimNew {
			if err := models.InsertBot(ctx, tx, b); err != nil {
				return err
			}
			return insertStarters(ctx, tx, b.ID)
		}
		return models.UpdateBotColumns(ctx, tx, b, "status", "username", "name", "token_ciphertext", "token_hash", "token_masked")
	})
	if models.IsUniqueViolation(err) {
		// Another connect of the same bot committed first.
		if live, lerr := models.LiveBotByTelegramID(ctx, s.db, me.ID); lerr == nil && live != nil && live.OwnerID != ownerID {
			return nil, ErrTokenExists
		}
		return nil, ErrBotExists
	}
	if err != nil {
		return nil, err
	}
	if c.kind == claimReplace {
		// Save the new token now that no other connect can race this one.
		if err := models.UpdateBotColumns(ctx, s.db, c.bot, "username", "name", "token_ciphertext", "token_hash", "token_masked"); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// releaseClaim undoes a claim after a failure.
func (s *Bots) releaseClaim(ctx context.Context, c *connectClaim) {
	ctx = context.WithoutCancel(ctx)
	var err error
	switch c.kind {
	case claimNew:
		err = models.DeleteBotRow(ctx, s.db, c.bot.ID)
	default:
		prev := c.prev
		err = models.UpdateBotColumns(ctx, s.db, &prev, "status", "username", "name", "token_ciphertext", "token_hash", "token_masked")
	}
	if err != nil {
		s.log.ErrorContext(ctx, "release connect claim", "bot", c.bot.ID, "err", err)
	}
}

// abandonClaim clears a connecting claim whose process died: a new row is
// removed, a restored one goes back to deleted.
func (s *Bots) abandonClaim(ctx context.Context, db bun.IDB, b *models.Bot) error {
	if b.DeletedAt == nil {
		return models.DeleteBotRow(ctx, db, b.ID)
	}
	b.Status = models.BotDeleted
	return models.UpdateBotColumns(ctx, db, b, "status")
}
