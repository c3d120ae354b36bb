package core

import (
	"context"
	"time"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/ingest"
	"github.com/botdeck/botdeck/internal/outbox"
	"github.com/botdeck/botdeck/models"
)

// joinRequestWindow is how long Telegram lets a bot message a user who
// asked to join, through user_chat_id.
const joinRequestWindow = 5 * time.Minute

// CampaignTracker turns chat_member, chat_join_request and my_chat_member
// updates into campaign leads, counters, warnings and queued Telegram
// actions. It runs inside the ingest transaction (ingest.Hook): what it
// writes commits with the update's claim, so a replayed update is never
// counted twice. It never calls Telegram itself: greetings are queued on
// Outbox (sent at PriorityGreeting, recorded on the lead by
// GreetingOutcome) and join-request approvals for the greeter job. A bot
// status it changes is published on Events, in that transaction.
type CampaignTracker struct {
	Events *events.Bus
	Outbox *outbox.Outbox
}

// Handle implements ingest.Hook.
func (c CampaignTracker) Handle(ctx context.Context, tx bun.Tx, ev *ingest.Event) error {
	t := ev.Update.T
	switch {
	case t.ChatMember != nil:
		return c.trackMemberChange(ctx, tx, ev, t.ChatMember)
	case t.ChatJoinRequest != nil:
		return c.trackJoinRequest(ctx, tx, ev, t.ChatJoinRequest)
	case ev.Effects.Chat != nil:
		return trackBotRights(ctx, tx, c.Events, ev.BotID, ev.Effects.Chat)
	}
	return nil
}

// inChat reports whether a chat member counts as being in the chat.
func inChat(m telego.ChatMember) bool {
	if m == nil {
		return false
	}
	return m.MemberIsMember()
}

func (c CampaignTracker) trackMemberChange(ctx context.Context, tx bun.Tx, ev *ingest.Event, cm *telego.ChatMemberUpdated) error {
	if cm.NewChatMember == nil {
		return nil // malformed: nothing to learn from it
	}
	user := cm.NewChatMember.MemberUser()
	if user.IsBot || user.ID <= 0 {
		return nil
	}
	was, is := inChat(cm.OldChatMember), inChat(cm.NewChatMember)
	day := models.Day(ev.Date)
	switch {
	case !was && is:
		var camp *models.Campaign
		if cm.InviteLink != nil && cm.InviteLink.InviteLink != "" {
			c, err := models.CampaignByInviteLink(ctx, tx, ev.BotID, cm.InviteLink.InviteLink)
			if err != nil {
				return err
			}
			if c != nil && c.ChatID == cm.Chat.ID {
				camp = c
			}
		}
		if camp == nil {
			// A public-username join, another admin's link, or a re-join
			// Telegram sent without invite_link: the chat's "other joins".
			return models.AddOtherJoin(ctx, tx, ev.BotID, cm.Chat.ID, day)
		}
		return c.leadJoined(ctx, tx, ev, camp, user, cm.ViaJoinRequest)
	case was && !is:
		return leadsLeft(ctx, tx, ev, cm.Chat.ID, user.ID)
	}
	return nil
}

// leadJoined opens (or reopens) the lead and queues the greeting of a
// plain-link join for a joiner who has started the bot.
func (c CampaignTracker) leadJoined(ctx context.Context, tx bun.Tx, ev *ingest.Event, camp *models.Campaign, user telego.User, viaRequest bool) error {
	lead, err := models.LeadOf(ctx, tx, camp.ID, user.ID)
	if err != nil {
		return err
	}
	date := ev.Date
	if lead == nil {
		lead = &models.CampaignLead{CampaignID: camp.ID, UserID: user.ID, Via: models.ViaInviteLink}
	}
	if viaRequest || lead.Status == models.LeadPending {
		lead.Via = models.ViaJoinRequest
	}
	lead.Username, lead.Name = user.Username, models.FullName(user.FirstName, user.LastName)
	lead.Status, lead.JoinedAt, lead.LeftAt, lead.UpdatedAt = models.LeadJoined, &date, nil, date
	if err := models.SaveLead(ctx, tx, lead); err != nil {
		return err
	}
	// A joiner who already started the bot without a source came through
	// the campaign (one who starts it later gets it in the Answerer).
	if _, err := models.SetUserSource(ctx, tx, ev.BotID, user.ID, models.CampaignSource(camp.Name), date); err != nil {
		return err
	}
	if err := models.AddCampaignCounters(ctx, tx, camp.ID, 1, 0, 0); err != nil {
		return err
	}
	if err := models.AddCampaignDay(ctx, tx, &models.CampaignDay{CampaignID: camp.ID, Day: models.Day(date), Joins: 1}); err != nil {
		return err
	}
	if lead.Via == models.ViaJoinRequest || camp.Greeting == "" || lead.GreetedAt != nil {
		return nil // join requests were greeted when asked; nobody is greeted twice
	}
	// A bot can only message users who started it (and did not block it);
	// users the owner blocked are recorded, not acted on.
	bu, err := models.BotUserByID(ctx, tx, ev.BotID, user.ID)
	if err != nil || bu.BotBlocked || bu.Blocked {
		return nil
	}
	return c.Outbox.Enqueue(ctx, tx, greeting(ev, camp, user.ID, RenderGreeting(camp.Greeting, user, camp.ChatTitle), user.ID))
}

// leadsLeft closes the open leads of a user in a chat's campaigns.
func leadsLeft(ctx context.Context, tx bun.Tx, ev *ingest.Event, chatID, userID int64) error {
	camps, err := models.CampaignsOfChat(ctx, tx, ev.BotID, chatID)
	if err != nil {
		return err
	}
	for i := range camps {
		lead, err := models.LeadOf(ctx, tx, camps[i].ID, userID)
		if err != nil {
			return err
		}
		if lead == nil || lead.Status != models.LeadJoined {
			continue
		}
		date := ev.Date
		lead.Status, lead.LeftAt, lead.UpdatedAt = models.LeadLeft, &date, date
		if err := models.SaveLead(ctx, tx, lead); err != nil {
			return err
		}
		if err := models.AddCampaignCounters(ctx, tx, camps[i].ID, 0, 1, 0); err != nil {
			return err
		}
		if err := models.AddCampaignDay(ctx, tx, &models.CampaignDay{CampaignID: camps[i].ID, Day: models.Day(date), Leaves: 1}); err != nil {
			return err
		}
	}
	return nil
}

// trackJoinRequest records a request through a join-request campaign's
// link as a pending lead and queues the greeting (through user_chat_id,
// inside Telegram's window) and then the approval.
func (c CampaignTracker) trackJoinRequest(ctx context.Context, tx bun.Tx, ev *ingest.Event, r *telego.ChatJoinRequest) error {
	if r.InviteLink == nil || r.InviteLink.InviteLink == "" {
		return nil
	}
	camp, err := models.CampaignByInviteLink(ctx, tx, ev.BotID, r.InviteLink.InviteLink)
	if err != nil || camp == nil || camp.ChatID != r.Chat.ID || camp.Status != models.CampaignActive || !camp.JoinRequest {
		return err // someone else's link: their requests are theirs to handle
	}
	date := ev.Date
	lead, err := models.LeadOf(ctx, tx, camp.ID, r.From.ID)
	if err != nil {
		return err
	}
	if lead == nil {
		lead = &models.CampaignLead{CampaignID: camp.ID, UserID: r.From.ID}
	}
	if lead.Status == models.LeadJoined {
		return nil // already in: a stale request
	}
	lead.Username, lead.Name, lead.Via = r.From.Username, models.FullName(r.From.FirstName, r.From.LastName), models.ViaJoinRequest
	lead.Status, lead.RequestedAt, lead.UpdatedAt = models.LeadPending, &date, date
	if err := models.SaveLead(ctx, tx, lead); err != nil {
		return err
	}
	if _, err := models.SetUserSource(ctx, tx, ev.BotID, r.From.ID, models.CampaignSource(camp.Name), date); err != nil {
		return err
	}
	if err := models.AddCampaignCounters(ctx, tx, camp.ID, 0, 0, 1); err != nil {
		return err
	}
	if err := models.AddCampaignDay(ctx, tx, &models.CampaignDay{CampaignID: camp.ID, Day: models.Day(date), Requests: 1}); err != nil {
		return err
	}
	if bu, err := models.BotUserByID(ctx, tx, ev.BotID, r.From.ID); err == nil && bu.Blocked {
		return nil // blocked by the owner: recorded, not greeted, not approved
	}
	now := models.Now()
	if camp.Greeting != "" {
		chatID := r.UserChatID
		if chatID == 0 {
			chatID = r.From.ID
		}
		// Greeted through user_chat_id, inside Telegram's window; the
		// greeter approves once the greeting is out (the requester reads it
		// while waiting).
		m := greeting(ev, camp, r.From.ID, RenderGreeting(camp.Greeting, r.From, camp.ChatTitle), chatID)
		m.Expires = date.Add(joinRequestWindow)
		if err := c.Outbox.Enqueue(ctx, tx, m); err != nil {
			return err
		}
	}
	return models.InsertActions(ctx, tx, &models.CampaignAction{CampaignID: camp.ID, BotID: ev.BotID, UserID: r.From.ID, ChatID: r.Chat.ID,
		Kind: models.ActionApprove, Status: models.ActionPending, NotBefore: now, CreatedAt: now})
}

// trackBotRights warns when the bot loses what a campaign needs in its
// chat (administrator with "invite users"), and clears the warning when
// the bot is promoted back. The bot shows status warning while any of its
// active campaigns has one (refreshBotWarning).
func trackBotRights(ctx context.Context, tx bun.Tx, bus *events.Bus, botID string, c *ingest.ChatChange) error {
	camp, err := models.ActiveCampaignOfChat(ctx, tx, botID, c.ChatID)
	if err != nil || camp == nil {
		return err
	}
	ok := (c.Status == telego.MemberStatusAdministrator || c.Status == telego.MemberStatusCreator) && c.CanInviteUsers
	warning := ""
	if !ok {
		title := c.Title
		if title == "" {
			title = camp.ChatTitle
		}
		warning = "The bot is no longer an administrator allowed to invite users in “" + title +
			"”: joins through this campaign's link cannot be tracked. Promote the bot again in Telegram."
	}
	if warning == camp.Warning {
		return nil
	}
	camp.Warning = warning
	if err := models.UpdateCampaignColumns(ctx, tx, camp, "warning"); err != nil {
		return err
	}
	_, err = refreshBotWarning(ctx, tx, bus, botID)
	return err
}
