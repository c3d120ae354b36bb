package core

import (
	"context"
	"errors"
	"log/slog"

	"unicode/utf8"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// campaignsTelegram is what campaigns need from the Bot API.
type campaignsTelegram interface {
	CreateChatInviteLink(ctx context.Context, token string, chatID int64, name string, createsJoinRequest bool) (*telego.ChatInviteLink, error)
	RevokeChatInviteLink(ctx context.Context, token string, chatID int64, inviteLink string) (*telego.ChatInviteLink, error)
}

// Errors of campaigns.
var (
	ErrChatNotAdmin = &apperr.Error{Kind: apperr.KindInvalid, Code: "chat_not_admin",
		Message: "The bot is not an administrator allowed to invite users in that chat. Promote it in Telegram (with “Invite users via link”), then pick the chat again.",
		Fields:  apperr.FieldErrors{"chatId": "is not a chat the bot administers with the right to invite users"}}
	ErrChatAlreadyTracked = &apperr.Error{Kind: apperr.KindConflict, Code: "chat_already_tracked",
		Message: "An active campaign already tracks this chat. Archive it first, or pick another chat.",
		Fields:  apperr.FieldErrors{"chatId": "is already tracked by an active campaign"}}
	ErrBotNotRunning = &apperr.Error{Kind: apperr.KindConflict, Code: "bot_not_running",
		Message: "The bot is stopped or disconnected: start it before creating a campaign, or joins could not be tracked.",
		Fields:  apperr.FieldErrors{"botId": "is not running"}}
)

// inviteLinkNameMax is Telegram's limit on an invite link's name.
const inviteLinkNameMax = 32

// Campaigns creates and manages join-tracking campaigns.
type Campaigns struct {
	db   *bun.DB
	bots *Bots
	tg   campaignsTelegram
	log  *slog.Logger
}

// NewCampaigns returns the campaign use cases.
func NewCampaigns(db *bun.DB, bots *Bots, tg campaignsTelegram, log *slog.Logger) *Campaigns {
	return &Campaigns{db: db, bots: bots, tg: tg, log: log}
}

// Create makes a campaign: the chat must be one the bot administers with
// the right to invite users, and no active campaign may track it; Botdeck
// then creates a named invite link for it.
func (s *Campaigns) Create(ctx context.Context, ownerID string, req contract.CreateCampaignRequest) (*models.Campaign, error) {
	bot, err := s.bots.Get(ctx, ownerID, req.BotID)
	if err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && e.Kind == apperr.KindNotFound {
			return nil, &apperr.Error{Kind: apperr.KindNotFound, Code: "not_found", Message: "Bot not found.",
				Fields: apperr.FieldErrors{"botId": "is not one of your bots"}}
		}
		return nil, err
	}
	if bot.Status == models.BotDeleted || bot.Status == models.BotStopped {
		return nil, ErrBotNotRunning
	}
	chat, err := models.BotChatByID(ctx, s.db, bot.ID, req.ChatID)
	if err != nil || !chat.IsAdmin() || !chat.CanInviteUsers {
		return nil, ErrChatNotAdmin
	}
	if existing, err := models.ActiveCampaignOfChat(ctx, s.db, bot.ID, req.ChatID); err != nil {
		return nil, err
	} else if existing != nil {
		return nil, ErrChatAlreadyTracked
	}
	token, err := s.bots.Token(bot)
	if err != nil {
		return nil, err
	}
	link, err := s.tg.CreateChatInviteLink(ctx, token, req.ChatID, linkName(req.Name), req.JoinRequest)
	if err != nil {
		s.bots.NoteTelegramError(ctx, bot, err)
		if errors.Is(err, telegram.ErrForbidden) || errors.Is(err, telegram.ErrBadRequest) {
			e := *ErrChatNotAdmin
			e.Message = "Telegram refused to create an invite link (" + telegramReason(err) + "). Make sure the bot is an administrator with “Invite users via link”."
			return nil, &e
		}
		return nil, telegramUnavailable(err)
	}
	now := models.Now()
	c := &models.Campaign{ID: models.NewID("cmp"), BotID: bot.ID, ChatID: chat.ChatID, ChatTitle: chat.Title, Name: req.Name,
		Greeting: req.Greeting, JoinRequest: req.JoinRequest, InviteLink: link.InviteLink, Status: models.CampaignActive,
		CreatedAt: now, UpdatedAt: now}
	if err := models.InsertCampaign(ctx, s.db, c); err != nil {
		// Another campaign for this chat won a race, or the store failed: the
		// link must not outlive the campaign that was never created.
		if _, rerr := s.tg.RevokeChatInviteLink(context.WithoutCancel(ctx), token, chat.ChatID, link.InviteLink); rerr != nil {
			s.log.WarnContext(ctx, "revoke invite link of a campaign not created", "bot", bot.ID, "err", rerr)
		}
		if models.IsUniqueViolation(err) {
			return nil, ErrChatAlreadyTracked
		}
		return nil, err
	}
	return c, nil
}

// linkName is the campaign name cut to Telegram's 32 characters.
func linkName(name string) string {
	if utf8.RuneCountInString(name) <= inviteLinkNameMax {
		return name
	}
	return string([]rune(name)[:inviteLinkNameMax])
}

// List returns one page of the owner's campaigns.
func (s *Campaigns) List(ctx context.Context, ownerID string, req contract.ListCampaignsRequest) ([]models.Campaign, int, error) {
	return models.ListCampaigns(ctx, s.db, ownerID, req.Filter(), req.Window())
}

// Get returns one of the owner's campaigns.
func (s *Campaigns) Get(ctx context.Context, ownerID, id string) (*models.Campaign, error) {
	return models.CampaignOfOwner(ctx, s.db, ownerID, id)
}

// CampaignReport is a campaign with what its page shows.
type CampaignReport struct {
	Campaign   *models.Campaign
	Daily      []models.CampaignDay // one per day, oldest first, zero-filled
	Leads      models.LeadStats
	OtherJoins int64 // joins to the chat since the campaign began, not through its link
}

// Report returns a campaign with its daily series over days days.
func (s *Campaigns) Report(ctx context.Context, ownerID, id string, days int) (*CampaignReport, error) {
	c, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	today := models.Now()
	from := today.AddDate(0, 0, -(days - 1))
	stored, err := models.CampaignDays(ctx, s.db, c.ID, models.Day(from), models.Day(today))
	if err != nil {
		return nil, err
	}
	byDay := make(map[string]models.CampaignDay, len(stored))
	for _, d := range stored {
		byDay[d.Day] = d
	}
	r := &CampaignReport{Campaign: c}
	for i := range days {
		day := models.Day(from.AddDate(0, 0, i))
		d, ok := byDay[day]
		if !ok {
			d = models.CampaignDay{CampaignID: c.ID, Day: day}
		}
		r.Daily = append(r.Daily, d)
	}
	if r.Leads, err = models.CampaignLeadStats(ctx, s.db, c.ID); err != nil {
		return nil, err
	}
	r.OtherJoins, err = models.OtherJoins(ctx, s.db, c.BotID, c.ChatID, models.Day(c.CreatedAt))
	return r, err
}

// Update changes name and greeting.
func (s *Campaigns) Update(ctx context.Context, ownerID, id string, req contract.UpdateCampaignRequest) (*models.Campaign, error) {
	c, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if req.Name != nil {
		c.Name = *req.Name
	}
	if req.Greeting != nil {
		c.Greeting = *req.Greeting
	}
	return c, models.UpdateCampaignColumns(ctx, s.db, c, "name", "greeting")
}

// Archive ends a campaign: its link is revoked (nobody new joins through
// it), its leads are kept, and the chat becomes pickable again.
func (s *Campaigns) Archive(ctx context.Context, ownerID, id string) (*models.Campaign, error) {
	c, err := s.Get(ctx, ownerID, id)
	if err != nil || c.Status == models.CampaignArchived {
		return c, err
	}
	if bot, err := models.BotByID(ctx, s.db, c.BotID); err == nil && bot.Status != models.BotDeleted {
		if token, err := s.bots.Token(bot); err == nil {
			if _, err := s.tg.RevokeChatInviteLink(ctx, token, c.ChatID, c.InviteLink); err != nil {
				s.bots.NoteTelegramError(ctx, bot, err)
				// The campaign is archived anyway; the owner learns the link may
				// still work and can revoke it in Telegram.
				models.InsertLogs(ctx, s.db, &models.BotLog{BotID: c.BotID, Level: models.LogError, Source: models.SourceCampaign, //nolint:errcheck
					Message: "Archiving campaign “" + c.Name + "”: Telegram did not revoke its invite link; revoke it in the chat's settings.",
					Detail:  err.Error()})
			}
		}
	}
	now := models.Now()
	c.Status, c.ArchivedAt, c.Warning = models.CampaignArchived, &now, ""
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.UpdateCampaignColumns(ctx, tx, c, "status", "archived_at", "warning"); err != nil {
			return err
		}
		_, err := refreshBotWarning(ctx, tx, s.bots.Events(), c.BotID)
		return err
	})
	return c, err
}

// Leads returns one page of a campaign's leads.
func (s *Campaigns) Leads(ctx context.Context, ownerID, id string, req contract.ListLeadsRequest) (*models.Campaign, []models.CampaignLead, int, error) {
	c, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, nil, 0, err
	}
	leads, total, err := models.ListLeads(ctx, s.db, c.ID, req.Status, req.Window())
	return c, leads, total, err
}

// EachLead streams a campaign's leads for export.
func (s *Campaigns) EachLead(ctx context.Context, c *models.Campaign, status string, fn func(*models.CampaignLead) error) error {
	return models.EachLead(ctx, s.db, c.ID, status, fn)
}

// DefaultCampaignDays is the span of a campaign's daily series.
const DefaultCampaignDays = 30
