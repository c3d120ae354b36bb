package core

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// A member links their Telegram account by opening
// t.me/<bot>?start=bdlink-<token> with one of their owner's bots: the
// "/start bdlink-…" message reaches the pipeline, where the Answerer claims
// the token (single use, an hour) and records the sender as the member's
// Telegram account. Notifications and test broadcasts then reach them
// there. The bdlink- prefix is reserved: such a /start is never a
// deep-link source and never answered by the bot's replies or code.
const (
	telegramLinkPrefix = "bdlink-"
	telegramLinkTTL    = time.Hour
)

// TelegramLinkStart is a link to open in Telegram.
type TelegramLinkStart struct {
	URL       string    `json:"url"`
	BotID     string    `json:"botId"`
	Bot       string    `json:"bot"` // @username
	ExpiresAt time.Time `json:"expiresAt"`
}

// NewTelegramLink makes a single-use link that links userID's Telegram
// account through botID (one of ownerID's live bots; the first live one
// when botID is empty). An earlier pending link of the member is void.
func (a *Accounts) NewTelegramLink(ctx context.Context, ownerID, userID, botID string) (*TelegramLinkStart, error) {
	bot, err := a.linkBot(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	token := models.RandomString(20) // 160 random bits, 32 characters
	now := models.Now()
	exp := now.Add(telegramLinkTTL)
	err = models.InsertTelegramLinkToken(ctx, a.db, &models.TelegramLinkToken{
		TokenHash: hashAPIKey(token), UserID: userID, BotID: bot.ID, ExpiresAt: exp}, now)
	if err != nil {
		return nil, err
	}
	return &TelegramLinkStart{URL: "https://t.me/" + bot.Username + "?start=" + telegramLinkPrefix + token,
		BotID: bot.ID, Bot: bot.Handle(), ExpiresAt: exp}, nil
}

func (a *Accounts) linkBot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	if botID != "" {
		if !models.LooksLikeID("bot", botID) {
			return nil, apperr.NotFound("bot")
		}
		b, err := models.BotOfOwner(ctx, a.db, ownerID, botID)
		if err != nil {
			return nil, err
		}
		if b.Status == models.BotDeleted || b.Status == models.BotConnecting || b.Username == "" {
			return nil, apperr.NotFound("bot")
		}
		return b, nil
	}
	bots, _, err := models.ListBots(ctx, a.db, ownerID, models.BotFilter{Sort: "created"}, models.Window{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(bots) == 0 {
		return nil, apperr.Invalid("Connect a bot first: your Telegram account is linked through one of your bots.", apperr.FieldErrors{"botId": "Connect a bot first."})
	}
	return &bots[0], nil
}

// TelegramLinkOf returns the member's linked Telegram account (nil: none).
func (a *Accounts) TelegramLinkOf(ctx context.Context, userID string) (*models.MemberTelegramLink, error) {
	return models.MemberTelegram(ctx, a.db, userID)
}

// UnlinkTelegram forgets the member's Telegram account.
func (a *Accounts) UnlinkTelegram(ctx context.Context, userID string) error {
	_, err := models.DeleteMemberTelegram(ctx, a.db, userID)
	return err
}

// telegramLinkToken returns the token of a private "/start bdlink-TOKEN".
func telegramLinkToken(in replies.Input) (string, bool) {
	if in.Group || in.Callback {
		return "", false
	}
	rest, ok := strings.CutPrefix(strings.TrimSpace(in.Text), "/start ")
	if !ok {
		return "", false
	}
	token, ok := strings.CutPrefix(strings.TrimSpace(rest), telegramLinkPrefix)
	return token, ok
}

// linkMembers claims the tokens of a batch's "/start bdlink-…" messages in
// the processing transaction and queues the bot's answer to each (linked,
// or why not), keyed by update so a replay answers nothing twice.
func linkMembers(ctx context.Context, tx bun.Tx, box *outbox.Outbox, botID string, todo []answerable) error {
	now := models.Now()
	var msgs []outbox.Message
	for _, it := range todo {
		token, _ := telegramLinkToken(it.in)
		text := "This link has expired or was already used. Make a new one on your Botdeck account page."
		userID := ""
		if len(token) == 32 {
			var err error
			if userID, err = models.ClaimTelegramLinkToken(ctx, tx, hashAPIKey(token), botID, now); err != nil {
				return err
			}
		}
		if userID != "" {
			err := models.SaveMemberTelegram(ctx, tx, &models.MemberTelegramLink{UserID: userID, BotID: botID,
				TelegramUserID: it.from.ID, Username: it.from.Username, FirstName: it.from.FirstName, LinkedAt: now})
			if err != nil {
				return err
			}
			text = "Linked: Botdeck notifications and test broadcasts for your account will come to this chat. " +
				"You can unlink it on your Botdeck account page."
		}
		m := outbox.Text(botID, it.chatID, text, "", nil)
		m.Priority, m.Origin, m.Key = outbox.PriorityPerson, outbox.OriginReply, fmt.Sprintf("update:%d:link", it.ev.Update.ID)
		msgs = append(msgs, m)
	}
	return box.Enqueue(ctx, tx, msgs...)
}

// splitLinkStarts takes the "/start bdlink-…" messages out of a batch.
func splitLinkStarts(todo []answerable) (rest, links []answerable) {
	for _, it := range todo {
		if _, ok := telegramLinkToken(it.in); ok {
			links = append(links, it)
		} else {
			rest = append(rest, it)
		}
	}
	return rest, links
}

// LinkableBots lists the owner's bots a member may link Telegram through
// (live ones with a username, oldest first, at most 100).
func (a *Accounts) LinkableBots(ctx context.Context, ownerID string) ([]models.Bot, error) {
	bots, _, err := models.ListBots(ctx, a.db, ownerID, models.BotFilter{Sort: "created"}, models.Window{Limit: 100})
	return bots, err
}
