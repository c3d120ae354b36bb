package core

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// SegmentView is a segment with its filter read and its live count.
type SegmentView struct {
	Segment *models.Segment
	Filter  contract.SegmentFilter
	Users   int64
}

// JSON is the API shape.
func (v SegmentView) JSON() contract.SegmentJSON {
	return contract.SegmentJSON{ID: v.Segment.ID, BotID: v.Segment.BotID, Name: v.Segment.Name, Filter: v.Filter,
		Users: v.Users, CreatedAt: v.Segment.CreatedAt, UpdatedAt: v.Segment.UpdatedAt}
}

// view reads a segment's filter and counts its users now.
func (a *Audience) view(ctx context.Context, s *models.Segment) (SegmentView, error) {
	f, err := contract.ParseSegmentFilter(s.Filter)
	if err != nil {
		return SegmentView{}, fmt.Errorf("segment %s: stored filter: %w", s.ID, err)
	}
	n, err := models.CountMatching(ctx, a.db, s.BotID, f.Audience())
	return SegmentView{Segment: s, Filter: f, Users: n}, err
}

// CountFilter counts the bot's users a filter matches now (the segment
// form's live count).
func (a *Audience) CountFilter(ctx context.Context, b *models.Bot, f contract.SegmentFilter) (int64, error) {
	if fields := f.Problems(""); len(fields) > 0 {
		return 0, apperr.Invalid("", fields)
	}
	return models.CountMatching(ctx, a.db, b.ID, f.Audience())
}

// SegmentList is one page of a bot's segments with their counts.
type SegmentList struct {
	Segments []SegmentView
	Total    int
}

// ListSegments returns one page of a bot's segments by name, each with
// its live count.
func (a *Audience) ListSegments(ctx context.Context, b *models.Bot, p contract.Page) (*SegmentList, error) {
	list, total, err := models.ListSegments(ctx, a.db, b.ID, p.Window())
	if err != nil {
		return nil, err
	}
	out := &SegmentList{Total: total, Segments: make([]SegmentView, len(list))}
	for i := range list {
		if out.Segments[i], err = a.view(ctx, &list[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CreateSegment saves a filter of the bot as a segment.
func (a *Audience) CreateSegment(ctx context.Context, b *models.Bot, req contract.CreateSegmentRequest) (SegmentView, error) {
	if fields := req.SegmentFilter.Problems("filter."); len(fields) > 0 {
		return SegmentView{}, apperr.Invalid("", fields)
	}
	now := models.Now()
	s := &models.Segment{ID: models.NewID(models.SegmentIDPrefix), BotID: b.ID, Name: req.Name,
		Filter: req.SegmentFilter.JSON(), CreatedAt: now, UpdatedAt: now}
	if err := models.InsertSegment(ctx, a.db, s); err != nil {
		return SegmentView{}, err
	}
	return a.view(ctx, s)
}

// Segment returns one of the owner's segments with its bot and count.
func (a *Audience) Segment(ctx context.Context, ownerID, id string) (SegmentView, *models.Bot, error) {
	s, b, err := models.SegmentOfOwner(ctx, a.db, ownerID, id)
	if err != nil {
		return SegmentView{}, nil, err
	}
	v, err := a.view(ctx, s)
	return v, b, err
}

// UpdateSegment renames a segment or replaces its filter. A scheduled
// broadcast to it reads the new filter when it starts.
func (a *Audience) UpdateSegment(ctx context.Context, ownerID, id string, req contract.UpdateSegmentRequest) (SegmentView, error) {
	s, _, err := models.SegmentOfOwner(ctx, a.db, ownerID, id)
	if err != nil {
		return SegmentView{}, err
	}
	if req.Name != nil {
		if *req.Name == "" {
			return SegmentView{}, apperr.Invalid("", apperr.FieldErrors{"name": "is required"})
		}
		s.Name = *req.Name
	}
	if req.Filter != nil {
		if fields := req.Filter.Problems("filter."); len(fields) > 0 {
			return SegmentView{}, apperr.Invalid("", fields)
		}
		s.Filter = req.Filter.JSON()
	}
	s.UpdatedAt = models.Now()
	if err := models.UpdateSegment(ctx, a.db, s); err != nil {
		return SegmentView{}, err
	}
	return a.view(ctx, s)
}

// DeleteSegment deletes one of the owner's segments; a segment a
// scheduled broadcast goes to is kept (409 segment_in_use).
func (a *Audience) DeleteSegment(ctx context.Context, ownerID, id string) error {
	s, _, err := models.SegmentOfOwner(ctx, a.db, ownerID, id)
	if err != nil {
		return err
	}
	return a.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return models.DeleteSegment(ctx, tx, s.ID)
	})
}

// segmentFilter reads the filter of one of the bot's segments; a segment
// of another bot (or none) is a 422 naming field.
func segmentFilter(ctx context.Context, db bun.IDB, botID, id, field string) (contract.SegmentFilter, error) {
	s, err := models.SegmentOfBot(ctx, db, botID, id)
	if err != nil {
		if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound {
			return contract.SegmentFilter{}, apperr.Invalid("That segment does not exist (any more).",
				apperr.FieldErrors{field: "is not a segment of this bot"})
		}
		return contract.SegmentFilter{}, err
	}
	f, err := contract.ParseSegmentFilter(s.Filter)
	if err != nil {
		return f, fmt.Errorf("segment %s: stored filter: %w", s.ID, err)
	}
	return f, nil
}

// resolveSegment reads the users list's segment parameter into the
// request's filter.
func (a *Audience) resolveSegment(ctx context.Context, b *models.Bot, req *contract.ListBotUsersRequest) error {
	if req.Segment == "" {
		return nil
	}
	f, err := segmentFilter(ctx, a.db, b.ID, req.Segment, "segment")
	if err != nil {
		return err
	}
	af := f.Audience()
	req.SegmentAudience = &af
	return nil
}
