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
// count. Every tag and property row belongs to a user (ON DELETE CASCADE),
// so counting from them agrees with counting users.
//
// A filter of tags, "not" tags and properties (a segment's usual shape) is
// counted without walking a large set:
//   - one tag alone is its counter (BotTagCount): O(1);
//   - a "not" tag is a difference, count(P ∧ ¬N) = count(P) − count(P ∧ N),
//     for up to maxDifferenced of them;
//   - several tags are counted from the index entries of the one fewest
//     users carry (bot_user_tags_tag_user_idx, an index-only scan), the
//     others as lookups on user_id; without tags, from the first
//     property's index entries (bot_user_props_value_idx).
//
// So "common and not rare" over a million users reads one counter and the
// rare tag's entries, never the common tag's 333,333. Filters on the
// users' own columns (source, language, dates) count bot_users.
func CountMatching(ctx context.Context, db bun.IDB, botID string, f AudienceFilter) (int64, error) {
	n, err := countMatching(ctx, db, botID, f)
	return n, wrap("count matching", err)
}

// maxDifferenced is how many "not" tags CountMatching counts as
// differences (2^n counts); beyond, they are checked as lookups.
const maxDifferenced = 3

func countMatching(ctx context.Context, db bun.IDB, botID string, f AudienceFilter) (int64, error) {
	onUsers := f.Source != "" || f.Language != "" || !f.StartedFrom.IsZero() || !f.StartedBefore.IsZero() || !f.LastSeenFrom.IsZero()
	if onUsers || len(f.Tags) == 0 && len(f.Props) == 0 {
		n, err := whereAttributes(db.NewSelect().Model((*BotUser)(nil)).Where("?TableAlias.bot_id = ?", botID), botID, f).Count(ctx)
		return int64(n), err
	}
	if len(f.NotTags) > 0 && len(f.NotTags) <= maxDifferenced {
		without := f
		without.NotTags = f.NotTags[1:]
		all, err := countMatching(ctx, db, botID, without)
		if err != nil || all == 0 {
			return all, err
		}
		with := without
		with.Tags = append(slices.Clip(f.Tags), f.NotTags[0])
		excluded, err := countMatching(ctx, db, botID, with)
		return all - excluded, err
	}
	if len(f.Tags) > 0 {
		tags := slices.Compact(slices.Sorted(slices.Values(f.Tags)))
		counts, err := TagUserCounts(ctx, db, botID, tags)
		if err != nil {
			return 0, err
		}
		smallest := tags[0]
		for _, t := range tags {
			if counts[t] == 0 {
				return 0, nil // nobody carries t
			}
			if counts[t] < counts[smallest] {
				smallest = t
			}
		}
		if len(tags) == 1 && len(f.Props) == 0 && len(f.NotTags) == 0 {
			return counts[smallest], nil
		}
		rest := f
		rest.Tags = slices.DeleteFunc(tags, func(t string) bool { return t == smallest })
		return countProbing(ctx, db, func(db bun.IDB) *bun.SelectQuery {
			q := db.NewSelect().Model((*BotUserTag)(nil)).Where("?TableAlias.bot_id = ?", botID).Where("?TableAlias.tag = ?", smallest)
			return whereAttributes(q, botID, rest)
		})
	}
	names := slices.Sorted(maps.Keys(f.Props))
	rest := f
	rest.Props = maps.Clone(f.Props)
	delete(rest.Props, names[0])
	return countProbing(ctx, db, func(db bun.IDB) *bun.SelectQuery {
		q := db.NewSelect().Model((*BotUserProp)(nil)).Where("?TableAlias.bot_id = ?", botID).Where("?TableAlias.name = ?", names[0]).
			Where("?TableAlias.value IN (?)", bun.In(propValueForms(f.Props[names[0]])))
		return whereAttributes(q, botID, rest)
	})
}

// countProbing counts the rows of a walk over one index's entries whose
// other conditions are lookups, making PostgreSQL probe them entry by
// entry (planProbe): left to itself it sometimes hashed the other tag's
// whole set instead (a third of a million entries read to check a
// thousand: 9 ms became 290 ms between two runs).
func countProbing(ctx context.Context, db bun.IDB, query func(bun.IDB) *bun.SelectQuery) (int64, error) {
	var n int64
	err := withPlan(ctx, db, planProbe, func(db bun.IDB) error {
		var err error
		n, err = query(db).Count(ctx)
		return err
	})
	return n, err
}
