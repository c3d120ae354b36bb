package core

import (
	"context"
	"strings"

	"github.com/botdeck/botdeck/models"
)

// UserDetail is what the user page shows about one user of a bot.
type UserDetail struct {
	Bot          *models.Bot
	User         *models.BotUser
	NoPhoto      bool
	Source       string // "campaign:<name>", "start:<payload>" or "" when unknown
	Campaigns    []models.UserCampaignRow
	Conversation *models.Conversation // nil when nothing was exchanged
	Recent       []models.Message     // the latest messages, newest first (the timeline)
	Props        map[string]any       // string, float64 or bool values
	Tags         []string             // sorted
}

// userTimeline is how many messages the user page shows.
const userTimeline = 20

// User returns the detail of a user of the owner's bot.
func (s *Conversations) User(ctx context.Context, ownerID, botID string, userID int64) (*UserDetail, error) {
	b, u, err := s.botUser(ctx, ownerID, botID, userID)
	if err != nil {
		return nil, err
	}
	d := &UserDetail{Bot: b, User: u}
	noPhoto, err := models.UsersWithoutPhoto(ctx, s.db, b.ID, []int64{userID}, models.Now().Add(-PhotoTTL))
	if err != nil {
		return nil, err
	}
	d.NoPhoto = noPhoto[userID]
	if d.Campaigns, err = models.CampaignsOfUser(ctx, s.db, b.ID, userID); err != nil {
		return nil, err
	}
	if d.Conversation, err = s.conversationOrNil(ctx, b.ID, userID); err != nil {
		return nil, err
	}
	if d.Recent, _, err = models.MessagesOf(ctx, s.db, b.ID, userID, 0, userTimeline); err != nil {
		return nil, err
	}
	if d.Props, d.Tags, err = models.UserAttributes(ctx, s.db, b.ID, userID); err != nil {
		return nil, err
	}
	recorded, err := models.UserSource(ctx, s.db, b.ID, userID)
	if err != nil {
		return nil, err
	}
	start, err := models.FirstStart(ctx, s.db, b.ID, userID)
	if err != nil {
		return nil, err
	}
	payload := ""
	if start != nil {
		payload = strings.TrimSpace(strings.TrimPrefix(start.Text, "/start"))
	}
	switch {
	case strings.HasPrefix(recorded, models.CampaignSourcePrefix):
		d.Source = recorded // "campaign:<name>"
	case recorded != "":
		d.Source = "start:" + recorded // the deep-link source the replies engine recorded
	case payload != "" && !strings.HasPrefix(payload, telegramLinkPrefix): // a member linking Telegram is no source
		d.Source = "start:" + payload
	case len(d.Campaigns) > 0:
		d.Source = "campaign:" + d.Campaigns[0].Name
	}
	return d, nil
}
