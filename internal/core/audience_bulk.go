package core

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// Bot is the owner's bot (404 otherwise), for handlers that check
// ownership before they read a request's body.
func (a *Audience) Bot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	return a.bots.Get(ctx, ownerID, botID)
}

// TagUsers adds and removes tags of the users of b (checked to be the
// owner's, Bot) chosen by req — rows by id, or every user its filter
// matches (a segment's too): the users the list and the CSV show —,
// set-based and in one transaction. It returns how many tags were added or
// removed.
func (a *Audience) TagUsers(ctx context.Context, b *models.Bot, req contract.TagUsersRequest) (int64, error) {
	sel := req.Selection()
	if req.Filter != nil && req.Filter.Segment != "" {
		f, err := segmentFilter(ctx, a.db, b.ID, req.Filter.Segment, "segment")
		if err != nil {
			return 0, err
		}
		af := f.Audience()
		sel.Segment = &af
	}
	var changed int64
	err := a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		changed, err = models.TagUsers(ctx, tx, b.ID, sel, req.Add, req.Remove, models.Now())
		return err
	})
	return changed, err
}

// Tags returns one page of the owner's bot's tags, most used first, with
// how many tags there are.
func (a *Audience) Tags(ctx context.Context, ownerID, botID string, p contract.Page) ([]models.TagCount, int, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, 0, err
	}
	return models.BotTags(ctx, a.db, b.ID, p.Window())
}

// MaxColumns is how many property names the users page offers as columns.
const MaxColumns = 50

// PageExtras is what only the users page shows besides the list: the most
// used tags (filter chips) and the property names that can be columns.
type PageExtras struct {
	Tags      []models.TagCount
	PropNames []string
}

// Extras reads the users page's tags and property names of a bot already
// checked to be the owner's (b from List).
func (a *Audience) Extras(ctx context.Context, b *models.Bot) (PageExtras, error) {
	tags, _, err := models.BotTags(ctx, a.db, b.ID, models.Window{Limit: 20})
	if err != nil {
		return PageExtras{}, err
	}
	names, err := models.PropertyNames(ctx, a.db, b.ID, MaxColumns)
	return PageExtras{Tags: tags, PropNames: names}, err
}

// ColumnValues reads the property columns cols of users of a bot.
func (a *Audience) ColumnValues(ctx context.Context, botID string, users []models.BotUser, cols []string) (map[int64]map[string]any, error) {
	ids := make([]int64, len(users))
	for i := range users {
		ids[i] = users[i].UserID
	}
	return models.UsersProps(ctx, a.db, botID, ids, cols)
}
