package core

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"

	"github.com/mymmrac/telego"
	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/models"
)

// menuTelegram publishes a bot's menu.
type menuTelegram interface {
	SetMyCommands(ctx context.Context, token string, commands []telego.BotCommand) error
}

// Replies stores a bot's no-code replies, publishes its menu when a save
// changes it, and answers the "try it" simulator (which never reaches
// Telegram). Matching and rendering are internal/replies'.
type Replies struct {
	db      *bun.DB
	bots    *Bots
	uploads *Uploads
	tg      menuTelegram
	log     *slog.Logger
}

// NewReplies returns the replies use cases.
func NewReplies(db *bun.DB, bots *Bots, uploads *Uploads, tg menuTelegram, log *slog.Logger) *Replies {
	return &Replies{db: db, bots: bots, uploads: uploads, tg: tg, log: log}
}

// ErrReplyInUse is a reply that other replies' buttons or asks go to.
var errReplyInUse = func(labels []string) error {
	return &apperr.Error{Kind: apperr.KindConflict, Code: "reply_in_use",
		Message: "Other replies go to this one (" + strings.Join(labels, ", ") + "). Change them first."}
}

// SavedReply is a saved reply and what became of the bot's menu.
type SavedReply struct {
	Reply *models.Reply
	Menu  contract.MenuJSON
}

// Bot returns one of the owner's bots.
func (s *Replies) Bot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	return s.bots.Get(ctx, ownerID, botID)
}

// List returns the bot's replies in match order.
func (s *Replies) List(ctx context.Context, b *models.Bot) ([]models.Reply, error) {
	return models.ListReplies(ctx, s.db, b.ID)
}

// Get returns one reply of the bot.
func (s *Replies) Get(ctx context.Context, b *models.Bot, id string) (*models.Reply, error) {
	if !models.LooksLikeID(models.ReplyIDPrefix, id) {
		return nil, apperr.NotFound("reply")
	}
	return models.ReplyOfBot(ctx, s.db, b.ID, id)
}

// Create validates and adds a reply after the bot's others.
func (s *Replies) Create(ctx context.Context, b *models.Bot, req *contract.ReplyRequest) (*SavedReply, error) {
	base := replies.NewReply()
	base.ID = models.NewID(models.ReplyIDPrefix)
	return s.save(ctx, b, req, base, true)
}

// Update changes a reply: the fields a JSON body names, or all of them
// from the editor's form.
func (s *Replies) Update(ctx context.Context, b *models.Bot, id string, req *contract.ReplyRequest) (*SavedReply, error) {
	cur, err := s.Get(ctx, b, id)
	if err != nil {
		return nil, err
	}
	return s.save(ctx, b, req, cur.Spec, false)
}

func (s *Replies) save(ctx context.Context, b *models.Bot, req *contract.ReplyRequest, base replies.Reply, isNew bool) (*SavedReply, error) {
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	spec, err := req.Spec(base)
	if err != nil {
		return nil, err
	}
	if req.File != nil {
		// The editor's form may carry the file itself.
		u, err := s.uploads.Create(ctx, b.OwnerID, req.File.Name, req.File.Data)
		if err != nil {
			return nil, err
		}
		spec.Photo, spec.Document = "", ""
		if req.Media == "document" || !isImage(u.ContentType) {
			spec.Document, req.Media = u.ID, "document"
		} else {
			spec.Photo, req.Media = u.ID, "photo"
		}
		// A form shown again after an error keeps the stored file.
		req.Upload, req.File, req.DropUpload = u.ID, nil, false
	}
	var saved models.Reply
	var before, after []models.Reply
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockBotReplies(ctx, tx, b.ID); err != nil {
			return err
		}
		rows, err := models.ListReplies(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		before = rows
		valid, err := replies.Validate(spec, models.Specs(rows))
		if err != nil {
			return replyError(err)
		}
		if err := s.checkUploads(ctx, tx, b.OwnerID, valid); err != nil {
			return err
		}
		saved = models.Reply{ID: valid.ID, BotID: b.ID, Spec: valid}
		if isNew {
			err = models.InsertReply(ctx, tx, &saved)
		} else {
			err = models.UpdateReply(ctx, tx, &saved)
		}
		if err != nil {
			return err
		}
		after, err = models.ListReplies(ctx, tx, b.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range after {
		if after[i].ID == saved.ID {
			saved = after[i]
		}
	}
	return &SavedReply{Reply: &saved, Menu: s.publishMenu(ctx, b, before, after)}, nil
}

// Delete removes a reply no other reply goes to.
func (s *Replies) Delete(ctx context.Context, b *models.Bot, id string) (*SavedReply, error) {
	cur, err := s.Get(ctx, b, id)
	if err != nil {
		return nil, err
	}
	var before, after []models.Reply
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockBotReplies(ctx, tx, b.ID); err != nil {
			return err
		}
		rows, err := models.ListReplies(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		before = rows
		specs := models.Specs(rows)
		if refs := replies.References(specs, id); len(refs) > 0 {
			labels := make([]string, 0, len(refs))
			for _, ref := range refs {
				for i := range specs {
					if specs[i].ID == ref {
						labels = append(labels, replies.Label(&specs[i]))
					}
				}
			}
			return errReplyInUse(labels)
		}
		if err := models.DeleteReply(ctx, tx, b.ID, id); err != nil {
			return err
		}
		after, err = models.ListReplies(ctx, tx, b.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &SavedReply{Reply: cur, Menu: s.publishMenu(ctx, b, before, after)}, nil
}

// Reorder puts the bot's replies in a new match order: every id once, or
// one reply moved up or down.
func (s *Replies) Reorder(ctx context.Context, b *models.Bot, req contract.ReplyOrderRequest) ([]models.Reply, contract.MenuJSON, error) {
	if err := req.Check(); err != nil {
		return nil, contract.MenuJSON{}, err
	}
	var before, after []models.Reply
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := models.LockBotReplies(ctx, tx, b.ID); err != nil {
			return err
		}
		rows, err := models.ListReplies(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		before = rows
		ids, err := newOrder(rows, req)
		if err != nil {
			return err
		}
		if err := models.ReorderReplies(ctx, tx, b.ID, ids, models.Now()); err != nil {
			return err
		}
		after, err = models.ListReplies(ctx, tx, b.ID)
		return err
	})
	if err != nil {
		return nil, contract.MenuJSON{}, err
	}
	return after, s.publishMenu(ctx, b, before, after), nil
}

// newOrder is the order a request asks for, checked against the bot's
// replies.
func newOrder(rows []models.Reply, req contract.ReplyOrderRequest) ([]string, error) {
	current := make([]string, len(rows))
	for i := range rows {
		current[i] = rows[i].ID
	}
	if req.Move != "" {
		i := slices.Index(current, req.Reply)
		if i < 0 {
			return nil, apperr.NotFound("reply")
		}
		j := i - 1
		if req.Move == "down" {
			j = i + 1
		}
		if j >= 0 && j < len(current) {
			current[i], current[j] = current[j], current[i]
		}
		return current, nil
	}
	want := slices.Clone(req.IDs)
	seen := map[string]bool{}
	for _, id := range want {
		if seen[id] {
			return nil, apperr.Invalid("Each reply must appear once.", apperr.FieldErrors{"ids": "names " + id + " twice"})
		}
		seen[id] = true
	}
	sorted, have := slices.Clone(want), slices.Clone(current)
	slices.Sort(sorted)
	slices.Sort(have)
	if !slices.Equal(sorted, have) {
		return nil, apperr.Invalid("List every reply of the bot once, in the new order.",
			apperr.FieldErrors{"ids": "must name each of the bot's replies once"})
	}
	return want, nil
}

// replyError turns the engine's refusal into the API's.
func replyError(err error) error {
	var inv *replies.InvalidError
	var taken *replies.TakenError
	switch {
	case errors.As(err, &inv):
		return apperr.Invalid("", apperr.FieldErrors(inv.Fields))
	case errors.As(err, &taken):
		return &apperr.Error{Kind: apperr.KindConflict, Code: "trigger_taken", Message: taken.Message,
			Fields: apperr.FieldErrors{taken.Field: taken.Message}}
	}
	return err
}

// checkUploads refuses uploads that are not the account's, and a photo
// that is not an image.
func (s *Replies) checkUploads(ctx context.Context, db bun.IDB, ownerID string, r replies.Reply) error {
	ids := []string{}
	for _, id := range []string{r.Photo, r.Document} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	owned, err := models.UploadsOfOwner(ctx, db, ownerID, ids)
	if err != nil {
		return err
	}
	fields := apperr.FieldErrors{}
	if r.Photo != "" {
		if u := owned[r.Photo]; u == nil {
			fields["photo"] = "is not one of your uploads"
		} else if !isImage(u.ContentType) {
			fields["photo"] = "is not an image (send it as a document)"
		}
	}
	if r.Document != "" && owned[r.Document] == nil {
		fields["document"] = "is not one of your uploads"
	}
	if len(fields) > 0 {
		return apperr.Invalid("", fields)
	}
	return nil
}

// publishMenu sends the bot's menu to Telegram when a change altered it.
// A failure is reported, never returned: the change is saved.
func (s *Replies) publishMenu(ctx context.Context, b *models.Bot, before, after []models.Reply) contract.MenuJSON {
	old, cur := replies.MenuCommands(models.Specs(before)), replies.MenuCommands(models.Specs(after))
	if slices.Equal(old, cur) {
		return contract.MenuJSON{}
	}
	out := contract.MenuJSON{Changed: true}
	if err := s.PublishMenu(ctx, b, cur); err != nil {
		msg := "The reply is saved, but Telegram did not take the bot's menu: " + telegramReason(err) + ". Save again to retry."
		out.Error = &msg
		s.log.WarnContext(ctx, "publish bot menu", "bot", b.ID, "err", err)
		return out
	}
	out.Published = true
	return out
}

// PublishMenu sends commands as the bot's menu (setMyCommands).
func (s *Replies) PublishMenu(ctx context.Context, b *models.Bot, commands []telego.BotCommand) error {
	token, err := s.bots.Token(b)
	if err != nil {
		return err
	}
	return s.tg.SetMyCommands(ctx, token, commands)
}

// Sources counts the bot's users by deep-link source.
func (s *Replies) Sources(ctx context.Context, b *models.Bot, req contract.SourcesRequest) ([]models.SourceCount, error) {
	return models.ListSources(ctx, s.db, b.ID, req.Since(models.Now()))
}

// sampleVars are the placeholder values of the simulator's sample person.
var sampleVars = replies.Vars{FirstName: "Alex", LastName: "Sample", Username: "alex_sample"}

// Try answers a message or a button press as the bot would, without
// Telegram and without changing anything: the reply, its messages with
// their buttons, the actions it would take. With a user id, that user's
// names and source fill the placeholders.
func (s *Replies) Try(ctx context.Context, b *models.Bot, req contract.TryRepliesRequest) (replies.TryResult, error) {
	if err := req.Check(); err != nil {
		return replies.TryResult{}, err
	}
	if req.Text == "" && req.CallbackData == "" {
		return replies.TryResult{}, apperr.Invalid("Type a message or press a button.",
			apperr.FieldErrors{"text": "is required without callbackData"})
	}
	rows, err := models.ListReplies(ctx, s.db, b.ID)
	if err != nil {
		return replies.TryResult{}, err
	}
	vars := sampleVars
	if req.UserID != nil {
		u, err := models.BotUserByID(ctx, s.db, b.ID, *req.UserID)
		if err != nil {
			return replies.TryResult{}, err
		}
		vars = replies.Vars{FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
		if vars.Source, err = models.UserSource(ctx, s.db, b.ID, u.UserID); err != nil {
			return replies.TryResult{}, err
		}
	}
	in := replies.Input{Text: req.Text, Awaiting: req.Awaiting}
	if req.CallbackData != "" {
		in = replies.Input{Callback: true, CallbackID: "try", CallbackData: req.CallbackData, Awaiting: req.Awaiting}
	}
	plan := replies.NewSet(models.Specs(rows), b.Username).Respond(in, vars, nil)
	return replies.Try(plan, UploadPath), nil
}

// UploadPath is where the dashboard shows an upload to its owner.
func UploadPath(uploadID string) string { return "/uploads/" + uploadID }

// PreviewReply renders a draft's text for the editor's preview as a sample
// person would get it: the message text and parse mode, the inline
// buttons' texts, or the problem Telegram would have with the text.
func PreviewReply(r replies.Reply, botUsername string) (text string, mode replies.ParseMode, buttons [][]string, problem string) {
	r.ID, r.Enabled = "rpl_preview", true
	if r.Trigger.Kind == "" {
		r.Trigger.Kind = replies.TriggerFallback
	}
	if _, err := replies.Validate(r, nil); err != nil {
		var inv *replies.InvalidError
		if errors.As(err, &inv) && inv.Fields["text"] != "" {
			return "", "", nil, inv.Fields["text"]
		}
	}
	for _, row := range r.Buttons {
		labels := make([]string, 0, len(row))
		for _, b := range row {
			labels = append(labels, b.Text)
		}
		buttons = append(buttons, labels)
	}
	r.Buttons, r.Ask, r.Actions, r.Keyboard = nil, nil, nil, nil
	vars := sampleVars
	vars.BotUsername = botUsername
	msgs, _, _ := replies.Render(&r, vars)
	if len(msgs) == 0 {
		return "", "", buttons, ""
	}
	return msgs[0].Text, msgs[0].ParseMode, buttons, ""
}

// Upload returns one of the owner's uploads, without its bytes.
func (s *Replies) Upload(ctx context.Context, ownerID, id string) (*models.Upload, error) {
	return models.UploadOfOwner(ctx, s.db, ownerID, id)
}
