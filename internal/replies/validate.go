package replies

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/telegram"
)

// Limits Botdeck keeps on a reply, Telegram's where it has one.
const (
	MaxCaptionLength        = 1024 // a photo's or document's caption, after formatting
	MaxTextBytes            = 32 << 10
	MaxKeywords             = 50
	MaxKeywordLength        = 100
	MaxButtonTextLength     = 64
	MaxURLLength            = 2048
	MaxInlineButtons        = 100 // per message
	MaxInlineButtonsPerRow  = 8
	MaxKeyboardButtons      = 300
	MaxKeyboardButtonsInRow = 12
	MaxActions              = 20
	MaxValueTextLength      = 1024 // a set action's text value
	MaxInvalidTextLength    = 1024
	MaxMenuCommands         = 100 // setMyCommands
	MaxUploadIDLength       = 64
)

// FieldErrors maps the JSON path of a field ("trigger.command",
// "buttons[0][1].url", "ask.then") to what is wrong with it.
type FieldErrors map[string]string

// InvalidError is a reply that breaks a rule (HTTP 422).
type InvalidError struct{ Fields FieldErrors }

func (e *InvalidError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+" "+e.Fields[k])
	}
	return "replies: invalid reply: " + strings.Join(parts, "; ")
}

// TakenError is a trigger another reply of the bot already has: the same
// command, or a second fallback (HTTP 409 trigger_taken).
type TakenError struct {
	Field   string // "trigger.command" or "trigger.kind"
	By      string // the id of the reply that has it
	Message string
}

func (e *TakenError) Error() string { return "replies: " + e.Message }

// Validate checks a reply before it is saved, in the context of the bot's
// replies (set; the stored version of r, with r's id, is ignored), and
// returns it normalized — what to store: the command without "/" in lower
// case, keywords trimmed and deduplicated, names in lower case, empty lists
// dropped. The error is an *InvalidError listing every problem, or, when
// nothing else is wrong, a *TakenError (disabled replies count: enabling
// one later must not make two answers to one command).
func Validate(r Reply, set []Reply) (Reply, error) {
	r = normalizeReply(r)
	v := validator{r: &r, fields: FieldErrors{}, byID: map[string]*Reply{}}
	for i := range set {
		if set[i].ID != "" && set[i].ID != r.ID {
			v.byID[set[i].ID] = &set[i]
		}
	}
	if r.ID != "" {
		v.byID[r.ID] = &r
	}
	v.trigger()
	v.text()
	v.media()
	v.buttons()
	v.keyboard()
	v.ask()
	v.actions()
	v.menu(set)
	if len(v.fields) > 0 {
		return r, &InvalidError{Fields: v.fields}
	}
	if err := taken(r, set); err != nil {
		return r, err
	}
	return r, nil
}

// normalizeReply canonicalizes what an owner may type several ways.
func normalizeReply(r Reply) Reply {
	r.Trigger.Kind = TriggerKind(strings.ToLower(strings.TrimSpace(string(r.Trigger.Kind))))
	if r.Trigger.Command != "" {
		r.Trigger.Command = NormalizeCommand(r.Trigger.Command)
	}
	if r.Trigger.Keywords != nil {
		kws := make([]string, 0, len(r.Trigger.Keywords))
		seen := map[string]bool{}
		for _, k := range r.Trigger.Keywords {
			k = strings.TrimSpace(k)
			n := NormalizeKeyword(k)
			if n != "" && seen[n] {
				continue
			}
			seen[n] = true
			kws = append(kws, k)
		}
		r.Trigger.Keywords = kws
	}
	switch strings.ToLower(string(r.Mode)) {
	case "html":
		r.Mode = ModeHTML
	case "markdownv2":
		r.Mode = ModeMarkdownV2
	}
	r.Photo = strings.TrimSpace(r.Photo)
	r.Document = strings.TrimSpace(r.Document)
	r.Description = strings.TrimSpace(r.Description)
	if len(r.Buttons) == 0 {
		r.Buttons = nil
	} else {
		rows := make([][]Button, len(r.Buttons))
		for i, row := range r.Buttons {
			rows[i] = make([]Button, len(row))
			for j, b := range row {
				rows[i][j] = Button{Text: strings.TrimSpace(b.Text), URL: strings.TrimSpace(b.URL), Reply: strings.TrimSpace(b.Reply)}
			}
		}
		r.Buttons = rows
	}
	if k := r.Keyboard; k != nil {
		nk := &Keyboard{Remove: k.Remove, other: k.other}
		for _, row := range k.Rows {
			texts := make([]string, len(row))
			for j, t := range row {
				texts[j] = strings.TrimSpace(t)
			}
			nk.Rows = append(nk.Rows, texts)
		}
		if !nk.Remove && nk.other == nil && len(nk.Rows) == 0 {
			nk = nil
		}
		r.Keyboard = nk
	}
	if a := r.Ask; a != nil {
		r.Ask = &Ask{
			Property: NormalizeProperty(a.Property),
			Kind:     AskKind(strings.ToLower(strings.TrimSpace(string(a.Kind)))),
			Then:     strings.TrimSpace(a.Then),
			Invalid:  strings.TrimSpace(a.Invalid),
		}
	}
	if len(r.Actions) == 0 {
		r.Actions = nil
	} else {
		acts := make([]Action, len(r.Actions))
		for i, a := range r.Actions {
			acts[i] = Action{
				Tag:   strings.ToLower(strings.TrimSpace(a.Tag)),
				Name:  NormalizeTag(a.Name),
				Set:   NormalizeProperty(a.Set),
				Value: a.Value,
			}
		}
		r.Actions = acts
	}
	return r
}

type validator struct {
	r      *Reply
	fields FieldErrors
	byID   map[string]*Reply // the bot's replies as they will be, by id
}

func (v *validator) fail(path, format string, args ...any) {
	if _, dup := v.fields[path]; !dup {
		v.fields[path] = fmt.Sprintf(format, args...)
	}
}

func (v *validator) trigger() {
	t := v.r.Trigger
	switch t.Kind {
	case TriggerCommand:
		switch {
		case t.Command == "":
			v.fail("trigger.command", "is required for a command reply")
		case !ValidCommand(t.Command):
			v.fail("trigger.command", "must be 1–%d characters of a-z, 0-9 and _ (Telegram's rule for commands)", MaxCommandLength)
		}
		if len(t.Keywords) > 0 {
			v.fail("trigger.keywords", "belong to keyword replies only")
		}
	case TriggerKeyword:
		if t.Command != "" {
			v.fail("trigger.command", "belongs to command replies only")
		}
		if len(t.Keywords) == 0 {
			v.fail("trigger.keywords", "needs at least one word or phrase")
		}
		if len(t.Keywords) > MaxKeywords {
			v.fail("trigger.keywords", "has %d keywords; a reply has at most %d", len(t.Keywords), MaxKeywords)
		}
		for i, k := range t.Keywords {
			path := fmt.Sprintf("trigger.keywords[%d]", i)
			switch {
			case utf8.RuneCountInString(k) > MaxKeywordLength:
				v.fail(path, "is longer than %d characters", MaxKeywordLength)
			case NormalizeKeyword(k) == "":
				v.fail(path, "has no letters or digits to match")
			}
		}
	case TriggerButton, TriggerFallback:
		if t.Command != "" {
			v.fail("trigger.command", "belongs to command replies only")
		}
		if len(t.Keywords) > 0 {
			v.fail("trigger.keywords", "belong to keyword replies only")
		}
	case "":
		v.fail("trigger.kind", "is required: command, keyword, button or fallback")
	default:
		v.fail("trigger.kind", "must be command, keyword, button or fallback")
	}
}

// text checks the placeholders, the formatting (as Telegram will parse it)
// and the length of the text.
func (v *validator) text() {
	r := v.r
	switch r.Mode {
	case ModePlain, ModeHTML, ModeMarkdownV2:
	default:
		v.fail("parseMode", "must be HTML, MarkdownV2 or null (plain text)")
		return
	}
	media := r.Photo != "" || r.Document != ""
	if strings.TrimSpace(r.Text) == "" {
		if !media {
			v.fail("text", "is required (or attach a photo or a document)")
		}
		return
	}
	if len(r.Text) > MaxTextBytes {
		v.fail("text", "is far longer than Telegram allows (%s characters)", thousands(telegram.MaxMessageLength))
		return
	}
	if !utf8.ValidString(r.Text) {
		v.fail("text", "is not valid UTF-8")
		return
	}
	segs, terr := parseTemplate(r.Text, r.Mode, false)
	if terr != nil {
		v.fail("text", "%s", terr.Error())
		return
	}
	p := makeProbe(segs, probeSameLength, r.Mode)
	limit, what := telegram.MaxMessageLength, "message"
	var plain string
	var err error
	if media {
		limit, what = MaxCaptionLength, "caption"
		plain, _, err = telegram.ParseMarkup(string(r.Mode), p.text)
	} else {
		plain, _, err = telegram.ValidateText(string(r.Mode), p.text)
	}
	var me *telegram.MarkupError
	var te *telegram.TextError
	switch {
	case errors.As(err, &me):
		line, col := locate(r.Text, p.templateOffset(me.Offset))
		v.fail("text", "has invalid %s at line %d, column %d: %s", r.Mode, line, col, p.unprobe(me.Message))
		return
	case errors.As(err, &te):
		v.fail("text", "%s", te.Message)
		return
	case err != nil:
		v.fail("text", "%s", err.Error())
		return
	}
	if n := utf8.RuneCountInString(plain); n > limit {
		v.fail("text", "is %s characters long%s; Telegram allows at most %s in a %s", thousands(n), withoutFormatting(r.Mode), thousands(limit), what)
		return
	}
	if r.Mode != ModePlain {
		// A value is escaped for the parse mode, but inside an unquoted
		// attribute, say, even an escaped value breaks the markup.
		h := makeProbe(segs, probeHostile, r.Mode)
		if _, _, err := telegram.ParseMarkup(string(r.Mode), h.text); errors.As(err, &me) {
			line, col := locate(r.Text, h.templateOffset(me.Offset))
			v.fail("text", "has a placeholder where a value with spaces or symbols would break the %s, at line %d, column %d: "+
				"use placeholders in the text, in quoted attributes, or in a link's address after its host", r.Mode, line, col)
			return
		}
	}
	// Placeholders that can be empty must leave valid markup and, without
	// an attachment, some text.
	empty := makeProbe(segs, probeEmpty, r.Mode)
	plain, _, err = telegram.ParseMarkup(string(r.Mode), empty.text)
	switch {
	case errors.As(err, &me):
		line, col := locate(r.Text, empty.templateOffset(me.Offset))
		v.fail("text", "has a placeholder that breaks the %s when it is empty ({args}, {last_name}, {source} and properties can be), at line %d, column %d: %s",
			r.Mode, line, col, me.Message)
	case err == nil && !media && strings.TrimFunc(plain, unicode.IsSpace) == "":
		v.fail("text", "is empty when its placeholders are ({args}, {last_name}, {source} and properties can be): add some text around them")
	}
}

func withoutFormatting(m ParseMode) string {
	if m == ModePlain {
		return ""
	}
	return " without its formatting"
}

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (v *validator) media() {
	r := v.r
	if r.Photo != "" && r.Document != "" {
		v.fail("document", "cannot go with a photo: a message carries one attachment")
	}
	if len(r.Photo) > MaxUploadIDLength {
		v.fail("photo", "is not an upload id")
	}
	if len(r.Document) > MaxUploadIDLength {
		v.fail("document", "is not an upload id")
	}
}

func (v *validator) buttons() {
	r := v.r
	total := 0
	for i, row := range r.Buttons {
		if len(row) == 0 {
			v.fail(fmt.Sprintf("buttons[%d]", i), "is an empty row")
			continue
		}
		if len(row) > MaxInlineButtonsPerRow {
			v.fail(fmt.Sprintf("buttons[%d]", i), "has %d buttons; Telegram allows at most %d in a row", len(row), MaxInlineButtonsPerRow)
		}
		total += len(row)
		for j, b := range row {
			path := fmt.Sprintf("buttons[%d][%d]", i, j)
			v.buttonText(path+".text", b.Text)
			switch {
			case b.URL != "" && b.Reply != "":
				v.fail(path, "opens a url or goes to a reply, not both")
			case b.URL == "" && b.Reply == "":
				v.fail(path, "needs a url to open or a reply to go to")
			case b.URL != "":
				if why := checkButtonURL(b.URL); why != "" {
					v.fail(path+".url", "%s", why)
				}
			default:
				v.reference(path+".reply", b.Reply)
			}
		}
	}
	if total > MaxInlineButtons {
		v.fail("buttons", "has %d buttons; Telegram allows at most %d on a message", total, MaxInlineButtons)
	}
}

func (v *validator) buttonText(path, text string) {
	switch {
	case text == "":
		v.fail(path, "is required")
	case utf8.RuneCountInString(text) > MaxButtonTextLength:
		v.fail(path, "is longer than %d characters", MaxButtonTextLength)
	case !utf8.ValidString(text):
		v.fail(path, "is not valid UTF-8")
	}
}

// checkButtonURL says what is wrong with a URL button's address, or "".
// Telegram opens http(s) and tg:// links from buttons.
func checkButtonURL(raw string) string {
	if len(raw) > MaxURLLength {
		return fmt.Sprintf("is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "is not a valid URL"
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return "has no host"
		}
	case "tg":
		if u.Host == "" && u.Opaque == "" {
			return "is not a valid tg:// link"
		}
	case "":
		return "must start with https://, http:// or tg://"
	default:
		return "must be an http, https or tg link"
	}
	return ""
}

// reference checks that id names a reply of the bot and fits in a button's
// callback data.
func (v *validator) reference(path, id string) {
	switch {
	case len(id) > MaxReplyIDLength:
		v.fail(path, "is too long to be a reply id (buttons carry at most %d bytes)", MaxReplyIDLength)
	case v.byID[id] == nil:
		v.fail(path, "names no reply of this bot")
	}
}

func (v *validator) keyboard() {
	k := v.r.Keyboard
	if k == nil {
		return
	}
	if len(v.r.Buttons) > 0 {
		v.fail("keyboard", "cannot go with inline buttons: Telegram attaches one keyboard to a message (put it on another reply)")
		return
	}
	if k.other != nil {
		v.fail("keyboard", "must be rows of button texts, or \"remove\"")
		return
	}
	total := 0
	for i, row := range k.Rows {
		if len(row) == 0 {
			v.fail(fmt.Sprintf("keyboard[%d]", i), "is an empty row")
			continue
		}
		if len(row) > MaxKeyboardButtonsInRow {
			v.fail(fmt.Sprintf("keyboard[%d]", i), "has %d buttons; Telegram allows at most %d in a row", len(row), MaxKeyboardButtonsInRow)
		}
		total += len(row)
		for j, t := range row {
			v.buttonText(fmt.Sprintf("keyboard[%d][%d]", i, j), t)
		}
	}
	if total > MaxKeyboardButtons {
		v.fail("keyboard", "has %d buttons; Telegram allows at most %d", total, MaxKeyboardButtons)
	}
}

func (v *validator) ask() {
	a := v.r.Ask
	if a == nil {
		return
	}
	if !ValidProperty(a.Property) {
		v.fail("ask.property", "must be a lower-case letter, then up to %d of a-z, 0-9 and _", MaxPropertyLength-1)
	}
	switch a.Kind {
	case AskText, AskNumber, AskEmail, AskPhone:
	default:
		v.fail("ask.kind", "must be text, number, email or phone")
	}
	if a.Then != "" {
		v.reference("ask.then", a.Then)
		if _, ok := v.fields["ask.then"]; !ok {
			if loop := v.thenLoop(); loop != "" {
				v.fail("ask.then", "makes a loop: %s", loop)
			}
		}
	}
	if a.Invalid != "" {
		if utf8.RuneCountInString(a.Invalid) > MaxInvalidTextLength {
			v.fail("ask.invalid", "is longer than %d characters", MaxInvalidTextLength)
		} else if _, err := parseTemplate(a.Invalid, ModePlain, false); err != nil {
			v.fail("ask.invalid", "%s", err.Error())
		}
	}
}

// thenLoop follows the "then" chain from the reply being saved and returns
// the loop it closes ("/quiz → q2 → /quiz"), or "". Every reply has at most
// one "then", so a loop that the new reply makes passes through it.
func (v *validator) thenLoop() string {
	start := v.r
	if start.ID == "" {
		return ""
	}
	path := []*Reply{start}
	seen := map[string]bool{start.ID: true}
	for cur := start; cur.Ask != nil && cur.Ask.Then != ""; {
		next := v.byID[cur.Ask.Then]
		if next == nil {
			return ""
		}
		if seen[next.ID] {
			if next.ID != start.ID {
				return "" // an older loop the new reply only leads into
			}
			labels := make([]string, 0, len(path)+1)
			for _, r := range path {
				labels = append(labels, Label(r))
			}
			return strings.Join(append(labels, Label(start)), " → ")
		}
		seen[next.ID] = true
		path = append(path, next)
		cur = next
	}
	return ""
}

func (v *validator) actions() {
	acts := v.r.Actions
	if len(acts) > MaxActions {
		v.fail("actions", "has %d actions; a reply has at most %d", len(acts), MaxActions)
	}
	for i, a := range acts {
		path := fmt.Sprintf("actions[%d]", i)
		switch {
		case a.IsTag() && a.IsSet():
			v.fail(path, "either changes a tag ({tag, name}) or sets a property ({set, value}), not both")
		case a.IsTag():
			if a.Tag != TagAdd && a.Tag != TagRemove {
				v.fail(path+".tag", "must be add or remove")
			}
			if !ValidTag(a.Name) {
				v.fail(path+".name", "must be 1–%d letters, digits, _ or -", MaxTagLength)
			}
		case a.IsSet():
			if !ValidProperty(a.Set) {
				v.fail(path+".set", "must be a lower-case letter, then up to %d of a-z, 0-9 and _", MaxPropertyLength-1)
			}
			if why := checkValue(a.Value); why != "" {
				v.fail(path+".value", "%s", why)
			}
		default:
			v.fail(path, "is empty: write {tag: \"add\"|\"remove\", name} or {set: property, value}")
		}
	}
}

// checkValue says what is wrong with a set action's value, or "".
func checkValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "is required (null removes the property)"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return "is not valid JSON"
	}
	switch val := x.(type) {
	case nil, bool:
	case json.Number:
		if _, err := val.Float64(); err != nil {
			return "is too large a number"
		}
	case string:
		if utf8.RuneCountInString(val) > MaxValueTextLength {
			return fmt.Sprintf("is longer than %d characters", MaxValueTextLength)
		}
		if _, err := parseTemplate(val, ModePlain, false); err != nil {
			return err.Error()
		}
	default:
		return "must be text, a number, true, false or null"
	}
	return ""
}

func (v *validator) menu(set []Reply) {
	r := v.r
	if utf8.RuneCountInString(r.Description) > MaxDescriptionLength {
		v.fail("description", "is longer than %d characters (Telegram's limit)", MaxDescriptionLength)
	}
	if !r.ShowInMenu {
		return
	}
	if r.Trigger.Kind != TriggerCommand {
		v.fail("showInMenu", "is for command replies only: the menu lists commands")
		return
	}
	if r.Description == "" {
		v.fail("description", "is required to show the command in the menu (1–%d characters)", MaxDescriptionLength)
	}
	n := 1
	for i := range set {
		o := &set[i]
		if o.ID != r.ID && o.ShowInMenu && o.Trigger.Kind == TriggerCommand && NormalizeCommand(o.Trigger.Command) != r.Trigger.Command {
			n++
		}
	}
	if n > MaxMenuCommands {
		v.fail("showInMenu", "would make %d commands in the menu; Telegram shows at most %d", n, MaxMenuCommands)
	}
}

// taken reports a command or fallback another reply already has.
func taken(r Reply, set []Reply) error {
	for i := range set {
		o := &set[i]
		if o.ID == r.ID && r.ID != "" {
			continue
		}
		switch {
		case r.Trigger.Kind == TriggerCommand && o.Trigger.Kind == TriggerCommand && NormalizeCommand(o.Trigger.Command) == r.Trigger.Command:
			return &TakenError{Field: "trigger.command", By: o.ID, Message: "/" + r.Trigger.Command + " already answers with another reply"}
		case r.Trigger.Kind == TriggerFallback && o.Trigger.Kind == TriggerFallback:
			return &TakenError{Field: "trigger.kind", By: o.ID, Message: "the bot already has a fallback reply"}
		}
	}
	return nil
}

// Label names a reply for people: "/start", "“price”", "the fallback
// reply", or its id for a button reply.
func Label(r *Reply) string {
	switch r.Trigger.Kind {
	case TriggerCommand:
		return "/" + NormalizeCommand(r.Trigger.Command)
	case TriggerKeyword:
		if len(r.Trigger.Keywords) > 0 {
			return "“" + r.Trigger.Keywords[0] + "”"
		}
	case TriggerFallback:
		return "the fallback reply"
	}
	return r.ID
}

// References lists where the bot's other replies point at reply id (button
// and "then" targets), as "Label: path", so that deleting it can be refused
// or the references cleaned first.
func References(set []Reply, id string) []string {
	var out []string
	for i := range set {
		o := &set[i]
		if o.ID == id {
			continue
		}
		for ri, row := range o.Buttons {
			for bi, b := range row {
				if b.Reply == id {
					out = append(out, fmt.Sprintf("%s: buttons[%d][%d]", Label(o), ri, bi))
				}
			}
		}
		if o.Ask != nil && o.Ask.Then == id {
			out = append(out, Label(o)+": ask.then")
		}
	}
	return out
}

// CheckButtonURL says what is wrong with a URL button's address, or ""
// (broadcasts' buttons follow the replies' rules).
func CheckButtonURL(raw string) string { return checkButtonURL(raw) }
