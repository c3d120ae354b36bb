package core

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/jsrt"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/sqldialect"
	"github.com/botdeck/botdeck/models"
)

// Exports writes a bot's setup as one versioned JSON document
// (contract.BotExport) and imports such a document into one of the
// owner's bots. An import replaces the target's replies, code and settings
// (a secret named without a value keeps the target's sealed one) and
// segments (matched by name; one a scheduled broadcast goes to is kept) in one
// transaction — a part the document leaves out (null or absent) is left
// alone —: a failure anywhere changes nothing. A dry run is the same
// import rolled back, so what it lists is exactly what the real one does.
// Campaigns are created after the commit (each needs a new invite link
// from Telegram), for the chats the bot administers that no active
// campaign tracks; one Telegram refuses is listed as a problem.
type Exports struct {
	code      *Code
	replies   *Replies
	campaigns *Campaigns
}

// NewExports returns the export and import use cases.
func NewExports(code *Code, replies *Replies, campaigns *Campaigns) *Exports {
	return &Exports{code: code, replies: replies, campaigns: campaigns}
}

// ErrExportVersion is a document written by a newer Botdeck.
var ErrExportVersion = &apperr.Error{Kind: apperr.KindInvalid, Code: "unsupported_version",
	Message: fmt.Sprintf("This file was exported by a newer Botdeck (format version above %d): update Botdeck to import it.", contract.BotExportVersion),
	Fields:  apperr.FieldErrors{"botdeck": fmt.Sprintf("must be %d", contract.BotExportVersion)}}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// Bot returns one of the owner's bots (another account's is not found).
func (e *Exports) Bot(ctx context.Context, ownerID, botID string) (*models.Bot, error) {
	return e.code.bots.Get(ctx, ownerID, botID)
}

// Export reads the bot's setup in one transaction.
func (e *Exports) Export(ctx context.Context, b *models.Bot) (*contract.BotExport, error) {
	now := models.Now()
	doc := &contract.BotExport{Botdeck: contract.BotExportVersion, ExportedAt: &now, Bot: b.Name,
		Replies: []replies.Reply{}, Uploads: []contract.ExportUpload{}, Settings: []contract.ExportSetting{},
		Campaigns: []contract.ExportCampaign{}, Segments: []contract.ExportSegment{}}
	// One snapshot: on PostgreSQL a repeatable-read transaction (read
	// committed would let each statement see later commits); SQLite's
	// transactions already read one.
	var opts *sql.TxOptions
	if sqldialect.IsPostgres(e.code.db) {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	err := e.code.db.RunInTx(ctx, opts, func(ctx context.Context, tx bun.Tx) error {
		rows, err := models.ListReplies(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, r := range rows {
			doc.Replies = append(doc.Replies, r.Spec)
			for _, id := range []string{r.Spec.Photo, r.Spec.Document} {
				if id == "" || seen[id] {
					continue
				}
				seen[id] = true
				u, err := models.UploadData(ctx, tx, id)
				if err != nil {
					return err
				}
				if u.OwnerID == b.OwnerID {
					doc.Uploads = append(doc.Uploads, contract.ExportUpload{ID: u.ID, Name: u.Name, Data: u.Data})
				}
			}
		}
		version, _, err := models.BotCodeVersion(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if version > 0 {
			v, err := models.CodeVersionByNumber(ctx, tx, b.ID, version)
			if err != nil {
				return err
			}
			doc.Code = &contract.ExportCode{Version: v.Version, Source: v.Source}
		}
		settings, err := models.ListBotSettings(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		for _, s := range settings {
			es := contract.ExportSetting{Name: s.Name, Secret: s.Secret}
			if !s.Secret {
				v := s.Value
				es.Value = &v
			}
			doc.Settings = append(doc.Settings, es)
		}
		segs, err := models.BotSegments(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		for _, s := range segs {
			f, err := contract.ParseSegmentFilter(s.Filter)
			if err != nil {
				return fmt.Errorf("segment %s: stored filter: %w", s.ID, err)
			}
			doc.Segments = append(doc.Segments, contract.ExportSegment{Name: s.Name, Filter: f})
		}
		camps, err := models.ActiveCampaignsOfBot(ctx, tx, b.ID)
		for _, c := range camps {
			doc.Campaigns = append(doc.Campaigns, contract.ExportCampaign{Name: c.Name, ChatID: c.ChatID,
				Greeting: c.Greeting, JoinRequest: c.JoinRequest})
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// Import applies doc to the bot b (from Bot), or with dryRun only says
// what it would change.
func (e *Exports) Import(ctx context.Context, b *models.Bot, userID string, doc *contract.BotExport, dryRun bool) (*contract.ImportResultJSON, error) {
	if doc.Botdeck > contract.BotExportVersion {
		return nil, ErrExportVersion
	}
	if doc.Botdeck < 1 {
		return nil, apperr.Invalid("This is not a Botdeck export.", apperr.FieldErrors{"botdeck": fmt.Sprintf("must be %d", contract.BotExportVersion)})
	}
	if b.Status == models.BotDeleted {
		return nil, ErrBotDeleted
	}
	uploads, err := checkExportUploads(doc.Uploads)
	if err != nil {
		return nil, err
	}
	if err := checkExportSegments(doc.Segments); err != nil {
		return nil, err
	}
	var prog *jsrt.Program
	if doc.Code != nil && doc.Code.Source != "" {
		if prog, err = e.code.compile(doc.Code.Source); err != nil {
			return nil, err
		}
	}
	res := &contract.ImportResultJSON{DryRun: dryRun, Created: []string{}, Updated: []string{}, Deleted: []string{},
		Skipped: []string{}, Problems: []string{}}
	var before, after []models.Reply
	var newCode *models.CodeVersion
	var campaigns []contract.ExportCampaign
	err = e.code.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if doc.Replies == nil {
			res.Skipped = append(res.Skipped, "replies (none in the file)")
		} else if before, after, err = e.importReplies(ctx, tx, b, doc, uploads, res); err != nil {
			return err
		}
		if newCode, err = e.importCode(ctx, tx, b, userID, doc.Code, prog, res); err != nil {
			return err
		}
		if doc.Settings == nil {
			res.Skipped = append(res.Skipped, "settings (none in the file)")
		} else if err := e.importSettings(ctx, tx, b, doc.Settings, res); err != nil {
			return err
		}
		if doc.Segments == nil {
			res.Skipped = append(res.Skipped, "segments (none in the file)")
		} else if err := importSegments(ctx, tx, b, doc.Segments, res); err != nil {
			return err
		}
		if campaigns, err = importCampaigns(ctx, tx, b, doc.Campaigns, res); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	if newCode != nil {
		e.code.programs.put(b.ID, newCompiled(newCode.Version, prog, len(newCode.Source)))
		e.code.versions.set(b.ID, newCode.Version)
	}
	e.code.envs.forget(b.ID)
	if doc.Replies != nil {
		e.replies.publishMenu(ctx, b, before, after)
	}
	e.createCampaigns(ctx, b, campaigns, res)
	return res, nil
}

// checkExportUploads checks the document's files as an upload is checked,
// by id.
func checkExportUploads(list []contract.ExportUpload) (map[string]*contract.ExportUpload, error) {
	out := map[string]*contract.ExportUpload{}
	for i := range list {
		u := &list[i]
		field := fmt.Sprintf("uploads[%d]", i)
		switch {
		case u.ID == "" || len(u.ID) > replies.MaxUploadIDLength:
			return nil, apperr.Invalid("An upload has no valid id.", apperr.FieldErrors{field + ".id": "is not an upload id"})
		case len(u.Data) == 0:
			return nil, apperr.Invalid("An upload is empty.", apperr.FieldErrors{field + ".data": "is empty"})
		case len(u.Data) > models.MaxUploadSize:
			return nil, apperr.Invalid("An upload is larger than 10 MB.", apperr.FieldErrors{field + ".data": "is larger than 10 MB"})
		case !UploadTypeAllowed(u.Data):
			return nil, apperr.Invalid("An upload is neither an image nor a supported document.", apperr.FieldErrors{field + ".data": "is neither an image nor a supported document"})
		}
		out[u.ID] = u
	}
	return out, nil
}

// checkExportSegments tidies the document's segments as the segments API
// does and checks them: a name (unique in the document) and a valid filter.
func checkExportSegments(list []contract.ExportSegment) error {
	fields := apperr.FieldErrors{}
	seen := map[string]bool{}
	for i := range list {
		s := &list[i]
		s.Name = strings.TrimSpace(s.Name)
		s.Filter.Normalize()
		field := fmt.Sprintf("segments[%d]", i)
		switch {
		case s.Name == "" || utf8.RuneCountInString(s.Name) > 100:
			fields[field+".name"] = "must be 1 to 100 characters"
		case seen[s.Name]:
			fields[field+".name"] = "is repeated"
		}
		seen[s.Name] = true
		f := s.Filter
		switch {
		case len(f.Tag) > 10 || len(f.NotTag) > 10 || len(f.Prop) > 10:
			fields[field+".filter"] = "has more than 10 tags or properties"
		case utf8.RuneCountInString(f.Source) > 64 || utf8.RuneCountInString(f.Language) > 35:
			fields[field+".filter"] = "has a source or language that is too long"
		}
		for k, v := range f.Problems(field + ".filter.") {
			fields[k] = v
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("A segment in the file is not valid.", fields)
	}
	return nil
}

// importSegments replaces the bot's segments with the document's, matched
// by name: one the bot has is updated, a new one created, and one the
// document lacks deleted — unless a scheduled broadcast goes to it: that
// one is kept and named in problems.
func importSegments(ctx context.Context, tx bun.Tx, b *models.Bot, list []contract.ExportSegment, res *contract.ImportResultJSON) error {
	before, err := models.BotSegments(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	byName := map[string]*models.Segment{}
	for i := range before {
		if byName[before[i].Name] == nil {
			byName[before[i].Name] = &before[i]
		}
	}
	kept := map[string]bool{}
	now := models.Now()
	for _, s := range list {
		label := "segment " + s.Name
		old := byName[s.Name]
		if old == nil {
			row := &models.Segment{ID: models.NewID(models.SegmentIDPrefix), BotID: b.ID, Name: s.Name,
				Filter: s.Filter.JSON(), CreatedAt: now, UpdatedAt: now}
			if err := models.InsertSegment(ctx, tx, row); err != nil {
				return err
			}
			res.Created = append(res.Created, label)
			continue
		}
		kept[old.ID] = true
		cur, err := contract.ParseSegmentFilter(old.Filter)
		if err != nil {
			return fmt.Errorf("segment %s: stored filter: %w", old.ID, err)
		}
		if cur.JSON() == s.Filter.JSON() {
			continue
		}
		old.Filter, old.UpdatedAt = s.Filter.JSON(), now
		if err := models.UpdateSegment(ctx, tx, old); err != nil {
			return err
		}
		res.Updated = append(res.Updated, label)
	}
	for i := range before {
		s := &before[i]
		if kept[s.ID] {
			continue
		}
		err := models.DeleteSegment(ctx, tx, s.ID)
		switch {
		case errors.Is(err, models.ErrSegmentScheduled):
			res.Problems = append(res.Problems, "segment "+s.Name+" was kept: a scheduled broadcast goes to it")
		case err != nil:
			return err
		default:
			res.Deleted = append(res.Deleted, "segment "+s.Name)
		}
	}
	return nil
}

// importReplies replaces the bot's replies with the document's. A reply
// keeps its id when the bot has a reply with that id (replaced), and gets
// a new one otherwise (added), references following; files are stored
// again for the bot's account unless it already has the same upload.
func (e *Exports) importReplies(ctx context.Context, tx bun.Tx, b *models.Bot, doc *contract.BotExport,
	uploads map[string]*contract.ExportUpload, res *contract.ImportResultJSON) (before, after []models.Reply, err error) {
	if err := models.LockBotReplies(ctx, tx, b.ID); err != nil {
		return nil, nil, err
	}
	if before, err = models.ListReplies(ctx, tx, b.ID); err != nil {
		return nil, nil, err
	}
	existing := map[string]*models.Reply{}
	for i := range before {
		existing[before[i].ID] = &before[i]
	}
	// A reply of the bot is replaced by the document's reply with its id,
	// or else with its trigger (a button reply: its text), so that copying
	// a setup to a bot twice replaces rather than adds.
	byKey := map[string][]string{}
	for i := range before {
		k := replyKey(&before[i].Spec)
		byKey[k] = append(byKey[k], before[i].ID)
	}
	ids, taken := map[string]string{}, map[string]bool{}
	for i, r := range doc.Replies {
		if r.ID == "" || ids[r.ID] != "" {
			return nil, nil, apperr.Invalid("Each reply needs its own id.", apperr.FieldErrors{fmt.Sprintf("replies[%d].id", i): "is missing or repeated"})
		}
		if existing[r.ID] != nil {
			ids[r.ID], taken[r.ID] = r.ID, true
		}
	}
	for _, r := range doc.Replies {
		if ids[r.ID] != "" {
			continue
		}
		ids[r.ID] = models.NewID(models.ReplyIDPrefix)
		for _, id := range byKey[replyKey(&r)] {
			if !taken[id] {
				ids[r.ID], taken[id] = id, true
				break
			}
		}
	}
	files := map[string]string{}
	file := func(id string) (string, error) {
		if id == "" || files[id] != "" {
			return files[id], nil
		}
		u := uploads[id]
		if u == nil {
			return id, nil // left for the check below to refuse
		}
		if own, err := models.UploadsOfOwner(ctx, tx, b.OwnerID, []string{id}); err != nil {
			return "", err
		} else if o := own[id]; o != nil && o.Size == int64(len(u.Data)) {
			files[id] = id
			return id, nil
		}
		ct, _, _ := strings.Cut(http.DetectContentType(u.Data), ";")
		row := &models.Upload{ID: models.NewID(models.UploadIDPrefix), OwnerID: b.OwnerID, Name: cleanFileName(u.Name),
			ContentType: ct, Data: u.Data}
		if err := models.InsertUpload(ctx, tx, row); err != nil {
			return "", err
		}
		files[id] = row.ID
		return row.ID, nil
	}
	set := make([]replies.Reply, len(doc.Replies))
	for i, r := range doc.Replies {
		r.ID = ids[r.ID]
		r.Buttons = remapButtons(r.Buttons, ids)
		if r.Ask != nil {
			ask := *r.Ask
			if to := ids[ask.Then]; to != "" {
				ask.Then = to
			}
			r.Ask = &ask
		}
		if r.Photo, err = file(r.Photo); err != nil {
			return nil, nil, err
		}
		if r.Document, err = file(r.Document); err != nil {
			return nil, nil, err
		}
		set[i] = r
	}
	if err := models.DeleteBotReplies(ctx, tx, b.ID); err != nil {
		return nil, nil, err
	}
	for i := range set {
		valid, err := replies.Validate(set[i], set)
		if err != nil {
			return nil, nil, prefixFields(replyError(err), fmt.Sprintf("replies[%d].", i))
		}
		if err := e.replies.checkUploads(ctx, tx, b.OwnerID, valid); err != nil {
			return nil, nil, prefixFields(err, fmt.Sprintf("replies[%d].", i))
		}
		label := replyLabel(&valid)
		if old := existing[valid.ID]; old == nil {
			res.Created = append(res.Created, label)
		} else if !sameJSON(old.Spec, valid) {
			res.Updated = append(res.Updated, label)
		}
		delete(existing, valid.ID)
		row := models.Reply{ID: valid.ID, BotID: b.ID, Spec: valid}
		if err := models.InsertReply(ctx, tx, &row); err != nil {
			return nil, nil, err
		}
	}
	for i := range before {
		if existing[before[i].ID] != nil {
			res.Deleted = append(res.Deleted, replyLabel(&before[i].Spec))
		}
	}
	after, err = models.ListReplies(ctx, tx, b.ID)
	return before, after, err
}

// replyLabel names a reply in an import's lists: "reply /start", or for a
// button reply (whose id differs between bots) its text's beginning.
func replyLabel(r *replies.Reply) string {
	if r.Trigger.Kind != replies.TriggerButton {
		return "reply " + replies.Label(r)
	}
	text := []rune(strings.TrimSpace(r.Text))
	if len(text) > 30 {
		text = append(text[:30], '…')
	}
	return "button reply “" + string(text) + "”"
}

// replyKey is what identifies a reply across bots: its trigger, or a
// button reply's text.
func replyKey(r *replies.Reply) string {
	switch r.Trigger.Kind {
	case replies.TriggerCommand:
		return "command:" + replies.NormalizeCommand(r.Trigger.Command)
	case replies.TriggerButton:
		return "button:" + r.Text
	}
	return string(r.Trigger.Kind) + ":" + strings.Join(r.Trigger.Keywords, "\x00")
}

func remapButtons(rows [][]replies.Button, ids map[string]string) [][]replies.Button {
	if rows == nil {
		return nil
	}
	out := make([][]replies.Button, len(rows))
	for i, row := range rows {
		out[i] = make([]replies.Button, len(row))
		for j, btn := range row {
			if to := ids[btn.Reply]; to != "" {
				btn.Reply = to
			}
			out[i][j] = btn
		}
	}
	return out
}

// importCode saves the document's code as the bot's new version when it
// differs from the current one.
func (e *Exports) importCode(ctx context.Context, tx bun.Tx, b *models.Bot, userID string, code *contract.ExportCode,
	prog *jsrt.Program, res *contract.ImportResultJSON) (*models.CodeVersion, error) {
	if code == nil {
		res.Skipped = append(res.Skipped, "code (none in the file)")
		return nil, nil
	}
	version, _, err := models.BotCodeVersion(ctx, tx, b.ID)
	if err != nil {
		return nil, err
	}
	if version > 0 {
		cur, err := models.CodeVersionByNumber(ctx, tx, b.ID, version)
		if err != nil {
			return nil, err
		}
		if cur.Source == code.Source {
			return nil, nil
		}
	} else if code.Source == "" {
		return nil, nil
	}
	v := &models.CodeVersion{BotID: b.ID, Source: code.Source, CreatedBy: userID, CreatedAt: models.Now()}
	if prog != nil {
		v.Handlers = prog.Handlers()
	}
	if _, err := models.AddCodeVersion(ctx, tx, v, nil); err != nil {
		return nil, err
	}
	if version == 0 {
		res.Created = append(res.Created, "code")
	} else {
		res.Updated = append(res.Updated, "code")
	}
	return v, nil
}

// importSettings replaces the bot's settings; a secret without a value
// keeps the bot's sealed one, or is created empty (a problem to fix).
func (e *Exports) importSettings(ctx context.Context, tx bun.Tx, b *models.Bot, list []contract.ExportSetting, res *contract.ImportResultJSON) error {
	cur, err := models.ListBotSettings(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	existing := map[string]*models.BotSetting{}
	for i := range cur {
		existing[cur[i].Name] = &cur[i]
	}
	seen := map[string]bool{}
	for i, s := range list {
		field := fmt.Sprintf("settings[%d]", i)
		if !settingName.MatchString(s.Name) || seen[s.Name] {
			return apperr.Invalid("A setting's name is not valid.", apperr.FieldErrors{field + ".name": "must be 1 to 64 letters, digits or '_', not starting with a digit, once"})
		}
		seen[s.Name] = true
		old := existing[s.Name]
		row := &models.BotSetting{BotID: b.ID, Name: s.Name, Secret: s.Secret, UpdatedAt: models.Now()}
		label := "setting " + s.Name
		switch {
		case s.Secret && s.Value != nil:
			return apperr.Invalid("A secret setting's value is never in an export.", apperr.FieldErrors{field + ".value": "must be null for a secret"})
		case s.Secret && old != nil && old.Secret:
			continue // the sealed value is kept
		case s.Secret:
			row.Ciphertext = e.code.bots.sealer.Seal(nil, settingAAD(b.ID, s.Name))
			res.Problems = append(res.Problems, "setting "+s.Name+" is secret: set its value on the Settings tab")
		default:
			if s.Value != nil {
				row.Value = *s.Value
			}
			if strings.ContainsRune(row.Value, 0) {
				return &apperr.Error{Kind: apperr.KindInvalid, Code: "invalid_text", Message: "A value contains a NUL character.",
					Fields: apperr.FieldErrors{field + ".value": "must not contain NUL characters"}}
			}
			if old != nil && !old.Secret && old.Value == row.Value {
				continue
			}
		}
		if old == nil {
			res.Created = append(res.Created, label)
		} else {
			res.Updated = append(res.Updated, label)
		}
		ok, err := models.PutBotSetting(ctx, tx, row)
		if err != nil {
			return err
		}
		if !ok {
			return ErrTooManySettings
		}
	}
	for _, s := range cur {
		if !seen[s.Name] {
			if _, err := models.DeleteBotSetting(ctx, tx, b.ID, s.Name); err != nil {
				return err
			}
			res.Deleted = append(res.Deleted, "setting "+s.Name)
		}
	}
	return nil
}

// importCampaigns sorts the document's campaigns into those the bot can
// get (it administers the chat with the right to invite, and no active
// campaign tracks it), created after the commit since each needs a new
// invite link from Telegram, and those skipped.
func importCampaigns(ctx context.Context, tx bun.Tx, b *models.Bot, list []contract.ExportCampaign, res *contract.ImportResultJSON) ([]contract.ExportCampaign, error) {
	var create []contract.ExportCampaign
	for i, c := range list {
		field := fmt.Sprintf("campaigns[%d]", i)
		if name := strings.TrimSpace(c.Name); name == "" || utf8.RuneCountInString(name) > 100 {
			return nil, apperr.Invalid("A campaign's name is not valid.", apperr.FieldErrors{field + ".name": "must be 1 to 100 characters"})
		}
		if utf8.RuneCountInString(c.Greeting) > 4000 {
			return nil, apperr.Invalid("A campaign's greeting is too long.", apperr.FieldErrors{field + ".greeting": "must be at most 4000 characters"})
		}
		cur, err := models.ActiveCampaignOfChat(ctx, tx, b.ID, c.ChatID)
		if err != nil {
			return nil, err
		}
		if cur != nil {
			res.Skipped = append(res.Skipped, fmt.Sprintf("campaign %s (the chat already has campaign %s)", c.Name, cur.Name))
			continue
		}
		chat, err := models.BotChatByID(ctx, tx, b.ID, c.ChatID)
		if err != nil || !chat.IsAdmin() || !chat.CanInviteUsers {
			res.Skipped = append(res.Skipped, fmt.Sprintf("campaign %s (the bot is not an administrator who may invite users to its chat)", c.Name))
			continue
		}
		res.Created = append(res.Created, "campaign "+c.Name)
		create = append(create, c)
	}
	return create, nil
}

// createCampaigns creates the campaigns an import found the bot can get;
// one Telegram refuses is moved from Created to Problems.
func (e *Exports) createCampaigns(ctx context.Context, b *models.Bot, list []contract.ExportCampaign, res *contract.ImportResultJSON) {
	for _, c := range list {
		_, err := e.campaigns.Create(ctx, b.OwnerID, contract.CreateCampaignRequest{BotID: b.ID, ChatID: c.ChatID,
			Name: strings.TrimSpace(c.Name), Greeting: strings.TrimSpace(c.Greeting), JoinRequest: c.JoinRequest})
		if err == nil {
			continue
		}
		label := "campaign " + c.Name
		if i := slices.Index(res.Created, label); i >= 0 {
			res.Created = slices.Delete(res.Created, i, i+1)
		}
		msg := "could not be created"
		if ae, ok := apperr.AsError(err); ok {
			msg = ae.Message
		} else {
			e.code.log.WarnContext(ctx, "create an imported campaign", "bot", b.ID, "err", err)
		}
		res.Problems = append(res.Problems, label+": "+msg)
	}
}

// prefixFields puts prefix before the field names of an *apperr.Error.
func prefixFields(err error, prefix string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	out := *ae
	out.Fields = apperr.FieldErrors{}
	for k, v := range ae.Fields {
		out.Fields[prefix+k] = v
	}
	return &out
}

func sameJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// CopySources lists the owner's other bots a setup can be copied from (the
// settings page's import form), by name.
func (c *Code) CopySources(ctx context.Context, ownerID, exceptID string) ([]models.Bot, error) {
	list, _, err := models.ListBots(ctx, c.db, ownerID, models.BotFilter{Sort: "name"}, models.Window{Limit: 200})
	out := list[:0]
	for _, b := range list {
		if b.ID != exceptID {
			out = append(out, b)
		}
	}
	return out, err
}

// Document is the setup to import from a form: the document sent (a file
// or the confirm step's copy), or else the owner's bot fromID exported now.
func (e *Exports) Document(ctx context.Context, ownerID, fromID string, raw []byte) (*contract.BotExport, error) {
	if len(raw) == 0 {
		if fromID == "" {
			return nil, apperr.Invalid("Choose a file or a bot to copy from.", apperr.FieldErrors{"file": "choose a file or a bot"})
		}
		from, err := e.Bot(ctx, ownerID, fromID)
		if err != nil {
			return nil, err
		}
		return e.Export(ctx, from)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	doc := new(contract.BotExport)
	if err := dec.Decode(doc); err != nil {
		return nil, apperr.Invalid("This file is not a Botdeck export: "+err.Error()+".", apperr.FieldErrors{"file": "is not a Botdeck export"})
	}
	return doc, nil
}
