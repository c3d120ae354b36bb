package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/models"
)

// Errors of scheduled broadcasts.
var (
	ErrNotScheduled = &apperr.Error{Kind: apperr.KindConflict, Code: "broadcast_not_scheduled",
		Message: "This broadcast has started: only a scheduled broadcast can be edited or deleted. Pause or cancel it instead."}
)

// maxScheduleAhead is how far ahead a broadcast may be scheduled.
const maxScheduleAhead = 366 * 24 * time.Hour

// prepare checks a broadcast request as Telegram and Botdeck will take it
// and returns the broadcast it describes (no id, status or times yet):
// the message or caption, the photo or document (the owner's uploads),
// the buttons, the segment or filter (the segment's filter is read now
// and kept with it) and the start time.
func prepare(ctx context.Context, db bun.IDB, b *models.Bot, req contract.CreateBroadcastRequest, now time.Time) (*models.Broadcast, error) {
	fields := apperr.FieldErrors{}
	for k, v := range req.ScheduleProblem {
		fields[k] = v
	}
	bc := &models.Broadcast{BotID: b.ID, Text: req.Text, ParseMode: req.Mode(), DisablePreview: req.DisablePreview,
		Audience: req.Audience, Photo: req.Photo, Document: req.Document}

	// The message, or the caption of the photo or document.
	if req.Photo != "" && req.Document != "" {
		fields["document"] = "cannot go with a photo: attach one file"
	}
	for field, id := range map[string]string{"photo": req.Photo, "document": req.Document} {
		if id == "" {
			continue
		}
		up, err := models.UploadOfOwner(ctx, db, b.OwnerID, id)
		if err != nil {
			if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindNotFound || !models.LooksLikeID(models.UploadIDPrefix, id) {
				fields[field] = "is not one of your uploads (upload the file with POST /api/uploads first)"
				continue
			}
			return nil, err
		}
		if field == "photo" && !isImage(up.ContentType) {
			fields[field] = "is not an image: send it as a document"
		}
	}
	var textErr error
	if req.Photo == "" && req.Document == "" && req.Text == "" {
		fields["text"] = "is required"
	} else if req.Photo == "" && req.Document == "" {
		if _, _, err := CheckMessage(req); err != nil {
			textErr = err
			if e, ok := apperr.AsError(err); ok {
				for k, v := range e.Fields {
					fields[k] = v
				}
			} else {
				return nil, err
			}
		}
	} else if req.Text != "" {
		plain, _, err := telegram.ParseMarkup(req.Mode(), req.Text)
		switch {
		case err != nil:
			fields["text"] = "has invalid " + req.Mode() + " at " + err.Error()
		case utf8.RuneCountInString(plain) > replies.MaxCaptionLength:
			fields["text"] = fmt.Sprintf("is %d characters long; a caption may have at most %d", utf8.RuneCountInString(plain), replies.MaxCaptionLength)
		}
	}

	// Buttons.
	count := 0
	for i, row := range req.Buttons {
		for j, btn := range row {
			count++
			path := "buttons[" + strconv.Itoa(i) + "][" + strconv.Itoa(j) + "]"
			switch {
			case btn.Text == "":
				fields[path+".text"] = "is required"
			case utf8.RuneCountInString(btn.Text) > replies.MaxButtonTextLength:
				fields[path+".text"] = fmt.Sprintf("is longer than %d characters", replies.MaxButtonTextLength)
			}
			if btn.URL == "" {
				fields[path+".url"] = "is required"
			} else if msg := replies.CheckButtonURL(btn.URL); msg != "" {
				fields[path+".url"] = msg
			}
		}
	}
	if count > 0 {
		kb, _ := json.Marshal(req.Buttons)
		bc.Buttons = string(kb)
	}

	// The audience.
	switch {
	case req.Segment != "" && req.Filter != nil:
		fields["filter"] = "cannot go with a segment: choose one"
	case req.Segment != "":
		f, err := segmentFilter(ctx, db, b.ID, req.Segment, "segment")
		if err != nil {
			if e, ok := apperr.AsError(err); ok && e.Kind == apperr.KindInvalid {
				fields["segment"] = e.Fields["segment"]
				break
			}
			return nil, err
		}
		id := req.Segment
		bc.SegmentID, bc.Filter = &id, f.JSON()
		a := f.Audience()
		bc.Narrow = &a
	case req.Filter != nil:
		for k, v := range req.Filter.Problems("filter.") {
			fields[k] = v
		}
		bc.Filter = req.Filter.JSON()
		a := req.Filter.Audience()
		bc.Narrow = &a
	}

	// The start time.
	if req.ScheduledAt != nil {
		at := req.ScheduledAt.UTC().Truncate(time.Second)
		switch {
		case !at.After(now):
			fields[scheduleField(req)] = "is in the past: choose a later time"
		case at.Sub(now) > maxScheduleAhead:
			fields[scheduleField(req)] = "is more than a year ahead"
		}
		bc.ScheduledAt = &at
	}
	if len(fields) == 1 && textErr != nil {
		return nil, textErr // its message says what is wrong and where
	}
	if len(fields) > 0 {
		return nil, apperr.Invalid("", fields)
	}
	return bc, nil
}

func scheduleField(req contract.CreateBroadcastRequest) string {
	if req.When == "later" {
		return "scheduleDate"
	}
	return "scheduledAt"
}

// Update edits a scheduled broadcast (409 once it has started).
func (s *Broadcasts) Update(ctx context.Context, ownerID, id string, req contract.UpdateBroadcastRequest) (*models.Broadcast, error) {
	bc, b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	if bc.Status != models.BroadcastScheduled {
		return nil, ErrNotScheduled
	}
	merged := req.Merge(bc)
	if merged.ScheduledAt == nil {
		return nil, apperr.Invalid("", apperr.FieldErrors{"scheduledAt": "is required: a scheduled broadcast keeps a start time"})
	}
	now := models.Now()
	next, err := prepare(ctx, s.db, b, merged, now)
	if err != nil {
		return nil, err
	}
	next.ID, next.Status, next.CreatedAt = bc.ID, bc.Status, bc.CreatedAt
	ok, err := models.UpdateScheduled(ctx, s.db, next, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotScheduled
	}
	s.feed.Changed(bc.ID)
	after, _, err := s.Get(ctx, ownerID, id)
	return after, err
}

// Delete removes a scheduled broadcast (409 once it has started).
func (s *Broadcasts) Delete(ctx context.Context, ownerID, id string) (*models.Bot, error) {
	bc, b, err := s.Get(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	ok, err := models.DeleteScheduled(ctx, s.db, bc.ID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotScheduled
	}
	return b, nil
}

// StartDue starts the scheduled broadcasts whose time has come: each one's
// audience — its segment's filter as it is now (or, should the segment be
// gone, the filter it had), or its filter — is frozen and it is queued for
// the broadcaster, in one transaction whose first statement is the claim
// (models.FreezeScheduled), so with any number of instances each starts
// exactly once. It returns how many this call started.
func (s *Broadcasts) StartDue(ctx context.Context, limit int) (int, error) {
	now := models.Now()
	due, err := models.DueScheduled(ctx, s.db, now, limit)
	if err != nil {
		return 0, err
	}
	started := 0
	for i := range due {
		bc := &due[i]
		f, err := contract.ParseSegmentFilter(bc.Filter)
		if err != nil {
			return started, fmt.Errorf("broadcast %s: stored filter: %w", bc.ID, err)
		}
		if bc.SegmentID != nil {
			fresh, err := segmentFilter(ctx, s.db, bc.BotID, *bc.SegmentID, "segment")
			var ae *apperr.Error
			switch {
			case err == nil:
				f = fresh
			case errors.As(err, &ae) && ae.Kind == apperr.KindInvalid: // deleted meanwhile: the filter it had
			default:
				return started, err
			}
		}
		if bc.SegmentID != nil || bc.Filter != "" {
			a := f.Audience()
			bc.Narrow = &a
			bc.Filter = f.JSON()
		}
		var won bool
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			won, err = models.FreezeScheduled(ctx, tx, bc, models.Now())
			return err
		})
		if err != nil {
			return started, err
		}
		if won {
			started++
			s.feed.Changed(bc.ID)
		}
	}
	return started, nil
}

// PrepareDue freezes the audience of broadcasts created as preparing
// (their audience too large for the request, see Broadcasts.PrepareAbove)
// and queues them, each in one transaction whose first statement is the
// claim (models.FreezePreparing): with any number of instances each is
// frozen exactly once. The audience is the one chosen at creation (the
// filter stored with it). It returns how many this call froze.
func (s *Broadcasts) PrepareDue(ctx context.Context, limit int) (int, error) {
	due, err := models.DuePreparing(ctx, s.db, limit)
	if err != nil {
		return 0, err
	}
	done := 0
	for i := range due {
		bc := &due[i]
		if bc.Filter != "" {
			f, err := contract.ParseSegmentFilter(bc.Filter)
			if err != nil {
				return done, fmt.Errorf("broadcast %s: stored filter: %w", bc.ID, err)
			}
			a := f.Audience()
			bc.Narrow = &a
		}
		var won bool
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			won, err = models.FreezePreparing(ctx, tx, bc, models.Now())
			return err
		})
		if err != nil {
			return done, err
		}
		if won {
			done++
			s.feed.Changed(bc.ID)
		}
	}
	return done, nil
}

// CountFor counts the users a composed broadcast would reach now (the
// composer's live count): the audience narrowed by the segment or filter.
func (s *Broadcasts) CountFor(ctx context.Context, b *models.Bot, req contract.AudienceRequest) (int64, error) {
	var narrow *models.AudienceFilter
	switch {
	case req.Segment != "":
		f, err := segmentFilter(ctx, s.db, b.ID, req.Segment, "segment")
		if err != nil {
			return 0, err
		}
		a := f.Audience()
		narrow = &a
	case req.FilterTag != "" || req.FilterNotTag != "":
		full := contract.CreateBroadcastRequest{FilterTag: req.FilterTag, FilterNotTag: req.FilterNotTag}
		full.Normalize()
		if full.Filter != nil {
			if fields := full.Filter.Problems("filter."); len(fields) > 0 {
				return 0, apperr.Invalid("", fields)
			}
			a := full.Filter.Audience()
			narrow = &a
		}
	}
	return models.CountAudienceFiltered(ctx, s.db, b.ID, req.Audience, narrow, models.Now())
}

// Segments lists the bot's segments for the composer's picker (the
// first 100 by name).
func (s *Broadcasts) Segments(ctx context.Context, b *models.Bot) ([]models.Segment, error) {
	list, _, err := models.ListSegments(ctx, s.db, b.ID, models.Window{Limit: 100})
	return list, err
}
