package models

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
)

// SegmentIDPrefix is the prefix of segment ids (NewID(SegmentIDPrefix)).
const SegmentIDPrefix = "seg"

// Segment is a saved users-list filter of one bot. Filter is its JSON
// (contract.SegmentFilter): decoding and validating it is the caller's
// business, so that the store keeps no copy of the API's rules.
type Segment struct {
	bun.BaseModel `bun:"table:segments"`

	ID        string    `bun:"id,pk"`
	BotID     string    `bun:"bot_id"`
	Name      string    `bun:"name"`
	Filter    string    `bun:"filter"`
	CreatedAt time.Time `bun:"created_at"`
	UpdatedAt time.Time `bun:"updated_at"`
}

// ErrSegmentScheduled is the refusal to delete a segment a scheduled
// broadcast will go to.
var ErrSegmentScheduled = &apperr.Error{Kind: apperr.KindConflict, Code: "segment_in_use",
	Message: "A scheduled broadcast goes to this segment. Change that broadcast's audience or delete it first, then delete the segment."}

// InsertSegment stores a new segment.
func InsertSegment(ctx context.Context, db bun.IDB, s *Segment) error {
	_, err := db.NewInsert().Model(s).Exec(ctx)
	return wrap("insert segment", err)
}

// SegmentOfOwner finds a segment of one of ownerID's bots, with its bot.
// Another account's segment is not found.
func SegmentOfOwner(ctx context.Context, db bun.IDB, ownerID, id string) (*Segment, *Bot, error) {
	if !LooksLikeID(SegmentIDPrefix, id) {
		return nil, nil, wrap("segment of owner", apperr.NotFound("segment"))
	}
	s := new(Segment)
	err := db.NewSelect().Model(s).Where("id = ?", id).
		Where("bot_id IN (SELECT id FROM bots WHERE owner_id = ? AND status <> ?)", ownerID, BotConnecting).Scan(ctx)
	if err != nil {
		return nil, nil, wrap("segment of owner", notFoundAs(err, "segment"))
	}
	bot, err := BotOfOwner(ctx, db, ownerID, s.BotID)
	if err != nil {
		return nil, nil, wrap("segment of owner", notFoundAs(err, "segment"))
	}
	return s, bot, nil
}

// SegmentOfBot finds one of a bot's segments; a segment of another bot is
// not found.
func SegmentOfBot(ctx context.Context, db bun.IDB, botID, id string) (*Segment, error) {
	if !LooksLikeID(SegmentIDPrefix, id) {
		return nil, wrap("segment of bot", apperr.NotFound("segment"))
	}
	s := new(Segment)
	err := db.NewSelect().Model(s).Where("id = ?", id).Where("bot_id = ?", botID).Scan(ctx)
	return s, wrap("segment of bot", notFoundAs(err, "segment"))
}

// ListSegments returns the window w of a bot's segments by name, and how
// many there are.
func ListSegments(ctx context.Context, db bun.IDB, botID string, w Window) ([]Segment, int, error) {
	var list []Segment
	n, err := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Order("name", "id").
		Limit(int64(w.Limit)).Offset(int64(w.Offset)).ScanAndCount(ctx)
	return list, int(n), wrap("list segments", err)
}

// BotSegments returns every segment of a bot, by name (an export's few).
func BotSegments(ctx context.Context, db bun.IDB, botID string) ([]Segment, error) {
	var list []Segment
	err := db.NewSelect().Model(&list).Where("bot_id = ?", botID).Order("name", "id").Scan(ctx)
	return list, wrap("bot segments", err)
}

// UpdateSegment saves a segment's name and filter.
func UpdateSegment(ctx context.Context, db bun.IDB, s *Segment) error {
	_, err := db.NewUpdate().Model(s).Column("name", "filter", "updated_at").WherePK().Exec(ctx)
	return wrap("update segment", err)
}

// DeleteSegment deletes a segment unless a scheduled broadcast goes to it
// (ErrSegmentScheduled); broadcasts that already went to it keep their
// recipients and forget the segment. One conditional DELETE, so a
// broadcast scheduled at the same moment either sees the segment or is
// refused (core reads the segment inside its transaction).
func DeleteSegment(ctx context.Context, db bun.IDB, id string) error {
	ok, err := affectedOne(db.NewDelete().Model((*Segment)(nil)).Where("id = ?", id).
		Where("NOT EXISTS (SELECT 1 FROM broadcasts WHERE segment_id = ? AND status = ?)", id, BroadcastScheduled).Exec(ctx))
	if err != nil {
		return wrap("delete segment", err)
	}
	if !ok {
		n, err := db.NewSelect().Model((*Segment)(nil)).Where("id = ?", id).Count(ctx)
		if err != nil {
			return wrap("delete segment", err)
		}
		if n > 0 {
			return wrap("delete segment", ErrSegmentScheduled)
		}
		return wrap("delete segment", apperr.NotFound("segment"))
	}
	_, err = db.NewUpdate().Model((*Broadcast)(nil)).Set("segment_id = NULL").Where("segment_id = ?", id).Exec(ctx)
	return wrap("delete segment", err)
}

// CountMatching counts a bot's users matching an audience filter (every
// user, whatever their status, as the users list does): a segment's live
// count.
//
// A filter made of tags and properties only (the common segment) is
// counted from its first tag's index entries (bot_user_tags_tag_user_idx,
// an index-only scan), or its first property's, the other conditions as
// lookups on user_id: a tag
// on a third of a million users is counted without reading bot_users.
// Every tag and property row belongs to a user (ON DELETE CASCADE), so
// both counts agree.
func CountMatching(ctx context.Context, db bun.IDB, botID string, f AudienceFilter) (int64, error) {
	var n int64
	var err error
	switch {
	case f.Source != "" || f.Language != "":
		n, err = whereAttributes(db.NewSelect().Model((*BotUser)(nil)).Where("?TableAlias.bot_id = ?", botID), botID, f).Count(ctx)
	case len(f.Tags) > 0:
		rest := f
		rest.Tags = f.Tags[1:]
		q := db.NewSelect().Model((*BotUserTag)(nil)).Where("?TableAlias.bot_id = ?", botID).Where("?TableAlias.tag = ?", f.Tags[0])
		n, err = whereAttributes(q, botID, rest).Count(ctx)
	case len(f.Props) > 0:
		// The same from the first property's index entries
		// (bot_user_props_value_idx).
		names := make([]string, 0, len(f.Props))
		for name := range f.Props {
			names = append(names, name)
		}
		slices.Sort(names)
		rest := f
		rest.Props = maps.Clone(f.Props)
		delete(rest.Props, names[0])
		q := db.NewSelect().Model((*BotUserProp)(nil)).Where("?TableAlias.bot_id = ?", botID).Where("?TableAlias.name = ?", names[0]).
			Where("?TableAlias.value IN (?)", bun.In(propValueForms(f.Props[names[0]])))
		n, err = whereAttributes(q, botID, rest).Count(ctx)
	default:
		n, err = whereAttributes(db.NewSelect().Model((*BotUser)(nil)).Where("?TableAlias.bot_id = ?", botID), botID, f).Count(ctx)
	}
	return n, wrap("count matching", err)
}
