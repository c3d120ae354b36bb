package views

import (
	"strconv"

	"github.com/botdeck/botdeck/models"
)

// RepliesVM is a bot's Replies tab: the replies in match order and the
// "try it" simulator.
type RepliesVM struct {
	Bot  *models.Bot
	Rows []ReplyRowVM
	Try  TryPanelVM
}

// Base is the tab's path.
func (vm RepliesVM) Base() string { return "/bots/" + vm.Bot.ID + "/replies" }

// ReplyRowVM is one reply in the list.
type ReplyRowVM struct {
	ID, Label, Kind, Excerpt string
	Media                    string // "photo", "document" or ""
	Enabled, InMenu          bool
	Uses                     int64
	LastUsed                 string // "" when never
	First, Last              bool
	Position                 int
}

// UsesText says how often the reply answered.
func (r ReplyRowVM) UsesText() string {
	switch r.Uses {
	case 0:
		return "Not used yet"
	case 1:
		return "Used once"
	}
	return "Used " + Number(r.Uses) + " times"
}

// PositionText is the 1-based position.
func (r ReplyRowVM) PositionText() string { return strconv.Itoa(r.Position) }

// TryPanelVM is the simulator: the form and the last exchange (drawn by the
// server when the page is posted without JavaScript).
type TryPanelVM struct {
	Action   string
	Text     string
	Awaiting string
	Error    string
	Last     *TryExchangeVM
}

// TryExchangeVM is one message or button press and the bot's answer.
type TryExchangeVM struct {
	You      string // what was typed, or the pressed button's text
	Pressed  bool
	Messages []TryMessageVM
	Note     string // why nothing was said, or what happens next
	Awaiting string
	Action   string // where the answer's buttons post
	OOB      bool   // an htmx fragment: also replace the form's pending ask
}

// TryMessageVM is one message of the bot, drawn as Telegram would.
type TryMessageVM struct {
	HTML        string // safe HTML, rendered outside the views
	PhotoURL    string
	DocumentURL string
	Buttons     [][]TryButtonVM
	Keyboard    [][]string
	Remove      bool
}

// TryButtonVM is an inline button: it opens URL or posts CallbackData.
type TryButtonVM struct {
	Text, URL, CallbackData string
}

// ReplyEditorVM is the editor of one reply (or a new one), with what was
// typed and the errors by form field.
type ReplyEditorVM struct {
	Bot     *models.Bot
	IsNew   bool
	ID      string
	Message string
	Errors  map[string]string

	Kind, Command, Keywords, Text, ParseMode  string
	Upload, Media, UploadName                 string
	Buttons                                   []ButtonSlotVM
	KeyboardMode, Keyboard                    string
	AskProperty, AskKind, AskThen, AskInvalid string
	Actions                                   []ActionSlotVM
	ShowInMenu                                bool
	Description                               string
	Groups, Enabled                           bool

	Targets      []ReplyOptionVM // the other replies, for "go to reply" and "then"
	Preview      ReplyPreviewVM
	Placeholders [][2]string
}

// Base is the Replies tab's path.
func (vm ReplyEditorVM) Base() string { return "/bots/" + vm.Bot.ID + "/replies" }

// Action is where the form posts.
func (vm ReplyEditorVM) Action() string {
	if vm.IsNew {
		return vm.Base()
	}
	return vm.Base() + "/" + vm.ID
}

// Title is the page's heading.
func (vm ReplyEditorVM) Title() string {
	if vm.IsNew {
		return "New reply"
	}
	return "Edit reply"
}

// Err is the error of a form field.
func (vm ReplyEditorVM) Err(name string) string { return vm.Errors[name] }

// ButtonSlotVM is one inline button slot of the editor.
type ButtonSlotVM struct {
	Index            int
	Text, URL, Reply string
	Row              int
}

// Name is the form name of one of the slot's fields.
func (b ButtonSlotVM) Name(field string) string { return "btn[" + strconv.Itoa(b.Index) + "]." + field }

// ID is the element id of one of the slot's fields.
func (b ButtonSlotVM) ID(field string) string { return "btn-" + strconv.Itoa(b.Index) + "-" + field }

// Key is the slot's key in ReplyEditorVM.Errors.
func (b ButtonSlotVM) Key() string { return "btn." + strconv.Itoa(b.Index) }

// Number is the 1-based slot number.
func (b ButtonSlotVM) Number() string { return strconv.Itoa(b.Index + 1) }

// RowText is the row number as the input shows it.
func (b ButtonSlotVM) RowText() string { return strconv.Itoa(b.Row) }

// ActionSlotVM is one action slot of the editor.
type ActionSlotVM struct {
	Index           int
	Op, Name, Value string
}

// FieldName is the form name of one of the slot's fields.
func (a ActionSlotVM) FieldName(field string) string {
	return "act[" + strconv.Itoa(a.Index) + "]." + field
}

// ID is the element id of one of the slot's fields.
func (a ActionSlotVM) ID(field string) string { return "act-" + strconv.Itoa(a.Index) + "-" + field }

// Key is the slot's key in ReplyEditorVM.Errors.
func (a ActionSlotVM) Key() string { return "act." + strconv.Itoa(a.Index) }

// Number is the 1-based slot number.
func (a ActionSlotVM) Number() string { return strconv.Itoa(a.Index + 1) }

// ReplyOptionVM is a reply in a picker.
type ReplyOptionVM struct{ ID, Label string }

// ReplyPreviewVM is the editor's preview: the message and its buttons'
// texts.
type ReplyPreviewVM struct {
	Message     PreviewVM
	Buttons     [][]string
	PhotoURL    string // the attached photo, shown above the caption
	DocumentURL string // the attached document
}
