package handlers

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/telegram"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// replyEditorJS is no extra script: the formatting toolbar is part of
// app.js (static/src/format.js).
var replyEditorJS []string

// Empty slots the editor adds after a reply's buttons and actions.
const (
	spareButtonSlots = 3
	spareActionSlots = 2
)

// tryState is the simulator's last exchange, drawn on the list page when
// it was posted without JavaScript.
type tryState struct {
	in    contract.TryRepliesRequest
	out   *replies.TryResult
	error string
}

// NewForm is the editor of a new reply.
func (h *Replies) NewForm(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	h.respond.Respond(w, r, web.Response{Title: "New reply · " + b.Name, Page: h.editorPage(r, b, nil, nil, nil, "")})
}

// Preview is the editor's live preview (an htmx fragment).
func (h *Replies) Preview(w http.ResponseWriter, r *http.Request) {
	b, ok := h.bot(w, r)
	if !ok {
		return
	}
	var in contract.ReplyRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	spec, err := in.Spec(replies.NewReply())
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.ReplyPreview(replyPreviewOf(spec, b.Username)))})
}

// replyPreviewOf draws a draft for the preview.
func replyPreviewOf(spec replies.Reply, botUsername string) views.ReplyPreviewVM {
	var out views.ReplyPreviewVM
	if models.LooksLikeID(models.UploadIDPrefix, spec.Photo) {
		out.PhotoURL = core.UploadPath(spec.Photo)
	}
	if models.LooksLikeID(models.UploadIDPrefix, spec.Document) {
		out.DocumentURL = core.UploadPath(spec.Document)
	}
	if strings.TrimSpace(spec.Text) == "" {
		out.Message = views.PreviewVM{Empty: true}
		return out
	}
	text, mode, buttons, problem := core.PreviewReply(spec, botUsername)
	out.Buttons = buttons
	if problem != "" {
		out.Message = views.PreviewVM{Error: problem}
		return out
	}
	out.Message = views.PreviewVM{HTML: messageHTML(text, mode)}
	return out
}

// messageHTML draws a message's text as Telegram would show it.
func messageHTML(text string, mode replies.ParseMode) string {
	plain, ents, err := telegram.ParseMarkup(string(mode), text)
	if err != nil {
		plain, ents = text, nil
	}
	return renderMessage(plain, ents)
}

// replyExcerpt is the start of a reply's text, without markup.
func replyExcerpt(r *replies.Reply) string {
	plain, _, err := telegram.ParseMarkup(string(r.Mode), r.Text)
	if err != nil {
		plain = r.Text
	}
	plain = strings.Join(strings.Fields(plain), " ")
	if utf8.RuneCountInString(plain) <= excerptRunes {
		return plain
	}
	return strings.TrimSpace(string([]rune(plain)[:excerptRunes])) + "…"
}

var triggerKinds = map[replies.TriggerKind]string{
	replies.TriggerCommand: "Command", replies.TriggerKeyword: "Keywords",
	replies.TriggerButton: "Button only", replies.TriggerFallback: "Fallback",
}

// listPage is the Replies tab; rows nil loads them when drawn.
func (h *Replies) listPage(r *http.Request, b *models.Bot, rows []models.Reply, try *tryState) web.View {
	vm := func(ctx context.Context) (views.RepliesVM, error) {
		if rows == nil {
			var err error
			if rows, err = h.replies.List(ctx, b); err != nil {
				return views.RepliesVM{}, err
			}
		}
		vm := views.RepliesVM{Bot: b, Rows: make([]views.ReplyRowVM, len(rows))}
		for i := range rows {
			s := &rows[i].Spec
			row := views.ReplyRowVM{ID: s.ID, Label: replyLabel(s), Kind: triggerKinds[s.Trigger.Kind], Excerpt: replyExcerpt(s),
				Enabled: s.Enabled, InMenu: s.ShowInMenu && s.Trigger.Kind == replies.TriggerCommand, Uses: rows[i].Uses,
				First: i == 0, Last: i == len(rows)-1, Position: i + 1}
			if rows[i].LastUsedAt != nil {
				row.LastUsed = views.Ago(*rows[i].LastUsedAt)
			}
			switch {
			case s.Photo != "":
				row.Media = "photo"
			case s.Document != "":
				row.Media = "document"
			}
			vm.Rows[i] = row
		}
		vm.Try = views.TryPanelVM{Action: repliesPath(b.ID) + "/try"}
		if try != nil {
			vm.Try.Error = try.error
			if try.out != nil {
				x := tryExchangeOf(repliesPath(b.ID)+"/try", try.in, *try.out, rows)
				vm.Try.Last, vm.Try.Awaiting = &x, x.Awaiting
			} else {
				vm.Try.Text, vm.Try.Awaiting = try.in.Text, try.in.Awaiting
			}
		}
		return vm, nil
	}
	return web.Render(vm, views.RepliesPage)
}

// replyLabel names a reply in lists and pickers: its trigger, or the start
// of its text for a button-only reply.
func replyLabel(s *replies.Reply) string {
	if s.Trigger.Kind == replies.TriggerButton {
		ex := replyExcerpt(s)
		if utf8.RuneCountInString(ex) > 30 {
			ex = strings.TrimSpace(string([]rune(ex)[:30])) + "…"
		}
		return "Button reply: " + ex
	}
	return replies.Label(s)
}

// tryFragment is one exchange of the simulator, appended by htmx.
func (h *Replies) tryFragment(r *http.Request, b *models.Bot, in contract.TryRepliesRequest, out replies.TryResult) web.View {
	vm := func(ctx context.Context) (views.TryExchangeVM, error) {
		var rows []models.Reply
		if in.CallbackData != "" {
			var err error
			if rows, err = h.replies.List(ctx, b); err != nil {
				return views.TryExchangeVM{}, err
			}
		}
		x := tryExchangeOf(repliesPath(b.ID)+"/try", in, out, rows)
		x.OOB = true
		return x, nil
	}
	return web.Render(vm, views.TryExchange)
}

// tryExchangeOf draws a simulator answer; rows name a pressed button's
// target.
func tryExchangeOf(action string, in contract.TryRepliesRequest, out replies.TryResult, rows []models.Reply) views.TryExchangeVM {
	x := views.TryExchangeVM{You: in.Text, Action: action}
	if in.CallbackData != "" {
		x.Pressed, x.You = true, "a button"
		if id, ok := replies.ParseCallbackData(in.CallbackData); ok {
			for i := range rows {
				if rows[i].ID == id {
					x.You = "a button to " + replyLabel(&rows[i].Spec)
				}
			}
		}
	}
	if out.Awaiting != nil {
		x.Awaiting = *out.Awaiting
	}
	for _, m := range out.Messages {
		vm := views.TryMessageVM{HTML: messageHTML(m.Text, m.ParseMode)}
		if m.PhotoURL != nil {
			vm.PhotoURL = *m.PhotoURL
		}
		if m.DocumentURL != nil {
			vm.DocumentURL = *m.DocumentURL
		}
		for _, row := range m.Buttons {
			br := make([]views.TryButtonVM, 0, len(row))
			for _, b := range row {
				br = append(br, views.TryButtonVM{Text: b.Text, URL: b.URL, CallbackData: b.CallbackData})
			}
			vm.Buttons = append(vm.Buttons, br)
		}
		if m.Keyboard != nil {
			vm.Keyboard, vm.Remove = m.Keyboard.Rows, m.Keyboard.Remove
		}
		x.Messages = append(x.Messages, vm)
	}
	switch {
	case out.By == replies.ByNothing:
		x.Note = "No reply answers this. Add a keyword reply or a fallback."
	case out.By == replies.ByCode:
		x.Note = "The bot's code would answer this."
	case x.Awaiting != "":
		x.Note = "The bot now waits for an answer."
	}
	return x
}

// tryAgain shows the simulator's error.
func (h *Replies) tryAgain(r *http.Request, b *models.Bot, in *contract.TryRepliesRequest) web.FormView {
	return func(fields apperr.FieldErrors, msg string) web.Response {
		if f := fields["text"]; f != "" && msg == "" {
			msg = "The message " + f + "."
		}
		return web.Response{Title: "Replies · " + b.Name, Page: h.listPage(r, b, nil, &tryState{in: *in, error: msg}),
			Fragment: web.Static(views.TryProblem(msg))}
	}
}

// formAgain re-renders the editor with what was sent and the errors.
func (h *Replies) formAgain(r *http.Request, b *models.Bot, cur *models.Reply, in *contract.ReplyRequest) web.FormView {
	return func(fields apperr.FieldErrors, msg string) web.Response {
		title := "New reply · " + b.Name
		if cur != nil {
			title = "Reply · " + b.Name
		}
		return web.Response{Title: title, Page: h.editorPage(r, b, cur, in, fields, msg), PageJS: replyEditorJS}
	}
}

// editorPage is the editor of cur (nil: a new reply), showing in — what was
// sent — instead when it is set, with the errors by field.
func (h *Replies) editorPage(r *http.Request, b *models.Bot, cur *models.Reply, in *contract.ReplyRequest, fields apperr.FieldErrors, msg string) web.View {
	vm := func(ctx context.Context) (views.ReplyEditorVM, error) {
		rows, err := h.replies.List(ctx, b)
		if err != nil {
			return views.ReplyEditorVM{}, err
		}
		vm := views.ReplyEditorVM{Bot: b, IsNew: cur == nil, Message: msg, Placeholders: replies.Placeholders}
		if cur != nil {
			vm.ID = cur.ID
		}
		for i := range rows {
			if cur == nil || rows[i].ID != cur.ID {
				vm.Targets = append(vm.Targets, views.ReplyOptionVM{ID: rows[i].ID, Label: replyLabel(&rows[i].Spec)})
			}
		}
		var spec replies.Reply
		switch {
		case in != nil && !in.IsJSON() && in.Only == "":
			fillFromForm(&vm, in)
			spec, _ = in.Spec(replies.NewReply())
		case cur != nil:
			spec = cur.Spec
			fillFromSpec(&vm, spec)
		default:
			spec = replies.NewReply()
			spec.Mode = replies.ModeHTML
			spec.Trigger.Kind = replies.TriggerCommand
			fillFromSpec(&vm, spec)
		}
		if vm.Upload != "" {
			vm.UploadName = vm.Upload
			if u, err := h.replies.Upload(ctx, b.OwnerID, vm.Upload); err == nil {
				vm.UploadName = u.Name
			}
		}
		vm.Errors, vm.Message = editorErrors(fields, in, msg)
		vm.Preview = replyPreviewOf(spec, b.Username)
		return vm, nil
	}
	return web.Render(vm, views.ReplyEditorPage)
}

// fillFromSpec shows a stored reply in the editor.
func fillFromSpec(vm *views.ReplyEditorVM, s replies.Reply) {
	vm.Kind, vm.Command, vm.Keywords = string(s.Trigger.Kind), s.Trigger.Command, strings.Join(s.Trigger.Keywords, "\n")
	if vm.Command != "" {
		vm.Command = "/" + vm.Command
	}
	vm.Text, vm.ParseMode = s.Text, string(s.Mode)
	vm.Upload, vm.Media = s.Photo, "photo"
	if s.Document != "" {
		vm.Upload, vm.Media = s.Document, "document"
	}
	for ri, row := range s.Buttons {
		for _, b := range row {
			vm.Buttons = append(vm.Buttons, views.ButtonSlotVM{Index: len(vm.Buttons), Text: b.Text, URL: b.URL, Reply: b.Reply, Row: ri + 1})
		}
	}
	addButtonSlots(vm, len(s.Buttons))
	if k := s.Keyboard; k != nil {
		if k.Remove {
			vm.KeyboardMode = "remove"
		} else {
			vm.KeyboardMode = "rows"
			lines := make([]string, len(k.Rows))
			for i, row := range k.Rows {
				lines[i] = strings.Join(row, " | ")
			}
			vm.Keyboard = strings.Join(lines, "\n")
		}
	}
	if a := s.Ask; a != nil {
		vm.AskProperty, vm.AskKind, vm.AskThen, vm.AskInvalid = a.Property, string(a.Kind), a.Then, a.Invalid
	}
	for _, a := range s.Actions {
		slot := views.ActionSlotVM{Index: len(vm.Actions)}
		if a.IsTag() {
			slot.Op, slot.Name = "tag_"+a.Tag, a.Name
		} else {
			slot.Op, slot.Name = "set", a.Set
			if v := a.Decoded(); v != nil {
				slot.Value = formatActionValue(v)
			}
		}
		vm.Actions = append(vm.Actions, slot)
	}
	addActionSlots(vm)
	vm.ShowInMenu, vm.Description, vm.Groups, vm.Enabled = s.ShowInMenu, s.Description, s.Groups, s.Enabled
}

func formatActionValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// fillFromForm shows what the form sent, as it was typed.
func fillFromForm(vm *views.ReplyEditorVM, in *contract.ReplyRequest) {
	vm.Kind, vm.Command, vm.Keywords, vm.Text, vm.ParseMode = in.Kind, in.Command, in.Keywords, in.Text, in.ParseMode
	vm.Upload, vm.Media = in.Upload, in.Media
	if in.DropUpload {
		vm.Upload = ""
	}
	rows := 0
	for i, b := range in.Buttons {
		vm.Buttons = append(vm.Buttons, views.ButtonSlotVM{Index: i, Text: b.Text, URL: b.URL, Reply: b.Reply, Row: b.Row})
		rows = max(rows, b.Row)
	}
	if len(in.Buttons) == 0 {
		addButtonSlots(vm, 0)
	}
	vm.KeyboardMode, vm.Keyboard = in.KeyboardMode, in.Keyboard
	vm.AskProperty, vm.AskKind, vm.AskThen, vm.AskInvalid = in.AskProperty, in.AskKind, in.AskThen, in.AskInvalid
	for i, a := range in.Actions {
		vm.Actions = append(vm.Actions, views.ActionSlotVM{Index: i, Op: a.Op, Name: a.Name, Value: a.Value})
	}
	if len(in.Actions) == 0 {
		addActionSlots(vm)
	}
	vm.ShowInMenu, vm.Description, vm.Groups, vm.Enabled = in.ShowInMenu, in.Description, in.Groups, in.Enabled
}

func addButtonSlots(vm *views.ReplyEditorVM, rows int) {
	for i := 0; i < spareButtonSlots; i++ {
		vm.Buttons = append(vm.Buttons, views.ButtonSlotVM{Index: len(vm.Buttons), Row: rows + 1})
	}
}

func addActionSlots(vm *views.ReplyEditorVM) {
	for i := 0; i < spareActionSlots; i++ {
		vm.Actions = append(vm.Actions, views.ActionSlotVM{Index: len(vm.Actions)})
	}
}

var (
	buttonPath = regexp.MustCompile(`^buttons\[(\d+)\]\[(\d+)\]`)
	actionPath = regexp.MustCompile(`^actions\[(\d+)\]`)
)

// editorErrors maps the engine's field paths ("buttons[0][1].url",
// "ask.then") to the editor's fields; what maps to none joins the summary.
func editorErrors(fields apperr.FieldErrors, in *contract.ReplyRequest, msg string) (map[string]string, string) {
	out := map[string]string{}
	var rest []string
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, path := range keys {
		text := fields[path]
		key := editorField(path, in)
		if key == "" {
			rest = append(rest, path+" "+text)
			continue
		}
		if out[key] == "" {
			out[key] = text
		}
	}
	if len(rest) > 0 {
		if msg == "" || msg == "Some fields need attention." {
			msg = "Some fields need attention:"
		}
		msg += " " + strings.Join(rest, "; ") + "."
	}
	return out, msg
}

func editorField(path string, in *contract.ReplyRequest) string {
	if m := buttonPath.FindStringSubmatch(path); m != nil && in != nil {
		row, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if slot := contract.ButtonSlot(in.Buttons, row, col); slot >= 0 {
			return "btn." + strconv.Itoa(slot)
		}
		return "buttons"
	}
	if m := actionPath.FindStringSubmatch(path); m != nil && in != nil {
		i, _ := strconv.Atoi(m[1])
		if slot := contract.ActionSlot(in.Actions, i); slot >= 0 {
			return "act." + strconv.Itoa(slot)
		}
	}
	head, _, _ := strings.Cut(path, "[")
	switch head {
	case "trigger.kind", "trigger":
		return "kind"
	case "trigger.command":
		return "command"
	case "trigger.keywords":
		return "keywords"
	case "text":
		return "text"
	case "parseMode":
		return "parseMode"
	case "photo", "document", "file", "upload":
		return "upload"
	case "buttons":
		return "buttons"
	case "keyboard":
		return "keyboard"
	case "ask", "ask.property":
		return "askProperty"
	case "ask.kind":
		return "askKind"
	case "ask.then":
		return "askThen"
	case "ask.invalid":
		return "askInvalid"
	case "showInMenu", "description":
		return "description"
	}
	return ""
}
