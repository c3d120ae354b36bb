package core

import (
	"context"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/models"
)

// EditedUser is a user after an edit, with their properties and tags.
type EditedUser struct {
	AudienceUser
	Props map[string]any
	Tags  []string
}

// EditUser changes the properties and tags of a user of the owner's bot,
// all or nothing (another owner's bot or an unknown user is not found).
func (a *Audience) EditUser(ctx context.Context, ownerID, botID string, userID int64, e models.UserEdit) (*EditedUser, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, err
	}
	out := &EditedUser{AudienceUser: AudienceUser{Bot: b}}
	err = a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if out.User, err = models.BotUserByID(ctx, tx, b.ID, userID); err != nil {
			return err
		}
		if err := models.EditUser(ctx, tx, b.ID, userID, e, models.Now()); err != nil {
			return err
		}
		out.Props, out.Tags, err = models.UserAttributes(ctx, tx, b.ID, userID)
		return err
	})
	if err != nil {
		return nil, err
	}
	noPhoto, err := a.noPhoto(ctx, b.ID, []models.BotUser{*out.User})
	if err != nil {
		return nil, err
	}
	out.NoPhoto = noPhoto[userID]
	return out, nil
}

// Attributes reads the properties and tags of a user of the owner's bot.
func (a *Audience) Attributes(ctx context.Context, ownerID, botID string, userID int64) (map[string]any, []string, error) {
	b, err := a.bots.Get(ctx, ownerID, botID)
	if err != nil {
		return nil, nil, err
	}
	if _, err := models.BotUserByID(ctx, a.db, b.ID, userID); err != nil {
		return nil, nil, err
	}
	return models.UserAttributes(ctx, a.db, b.ID, userID)
}
