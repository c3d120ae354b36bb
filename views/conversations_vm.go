package views

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// InboxVM is a bot's inbox: conversations newest first, open/done/all,
// search and pages.
type InboxVM struct {
	Bot     *models.Bot
	Rows    []models.InboxRow
	Q       string
	Status  string // open, done or all
	Page    int
	Limit   int // 0: the default
	Total   int
	HasNext bool
	Unread  int // conversations with unread messages
}

func (vm InboxVM) base() string { return "/bots/" + vm.Bot.ID + "/conversations" }

// URL is the inbox with status and page, keeping the search.
func (vm InboxVM) URL(status string, page int) string {
	q := url.Values{}
	if vm.Q != "" {
		q.Set("q", vm.Q)
	}
	if status != "" && status != models.ConversationOpen {
		q.Set("status", status)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if vm.Limit != 0 {
		q.Set("limit", strconv.Itoa(vm.Limit))
	}
	if len(q) == 0 {
		return vm.base()
	}
	return vm.base() + "?" + q.Encode()
}

// Self is this very page of the inbox (what live updates fetch again).
func (vm InboxVM) Self() string { return vm.URL(vm.Status, vm.Page) }

// StreamURL follows the bot's messages and conversation changes.
func (vm InboxVM) StreamURL() string {
	return "/api/events?" + url.Values{"bot": {vm.Bot.ID}, "kind": {"message", "conversation"}}.Encode()
}

// Tabs are Open, Done and All.
func (vm InboxVM) Tabs() []StatusTab {
	tabs := []StatusTab{{Label: "Open", Href: vm.URL(models.ConversationOpen, 1), Current: vm.Status == models.ConversationOpen}}
	tabs = append(tabs, StatusTab{Label: "Done", Href: vm.URL(models.ConversationDone, 1), Current: vm.Status == models.ConversationDone})
	tabs = append(tabs, StatusTab{Label: "All", Href: vm.URL("all", 1), Current: vm.Status == "all"})
	return tabs
}

// Summary is read out after each change of the list.
func (vm InboxVM) Summary() string {
	n := vm.Total
	s := Number(n) + " conversations"
	if n == 1 {
		s = "1 conversation"
	}
	if vm.Unread > 0 {
		s += ", " + Number(vm.Unread) + " with unread messages"
	}
	return s
}

// EmptyMessage explains an empty list.
func (vm InboxVM) EmptyMessage() string {
	switch {
	case vm.Q != "":
		return "No conversation matches “" + vm.Q + "”."
	case vm.Page > 1:
		return "This page is past the end of the list."
	case vm.Status == models.ConversationDone:
		return "No conversation is marked done."
	case vm.Status == models.ConversationOpen:
		return "Nothing waits for an answer. Messages people send " + vm.Bot.Handle() + " appear here as they arrive."
	}
	return "Nobody has written to " + vm.Bot.Handle() + " yet. Messages appear here as they arrive."
}

// ShowPager reports whether there is more than one page.
func (vm InboxVM) ShowPager() bool { return vm.Page > 1 || vm.HasNext }

// InboxRowVM is one conversation of the list.
type InboxRowVM struct {
	BotID string
	Row   models.InboxRow
}

// List is the conversations as rows.
func (vm InboxVM) List() []InboxRowVM {
	out := make([]InboxRowVM, len(vm.Rows))
	for i := range vm.Rows {
		out[i] = InboxRowVM{BotID: vm.Bot.ID, Row: vm.Rows[i]}
	}
	return out
}

func (r InboxRowVM) user() *models.BotUser {
	return &models.BotUser{UserID: r.Row.UserID, Name: r.Row.Name, FirstName: r.Row.FirstName, LastName: r.Row.LastName, Username: r.Row.Username}
}

// Name is who the conversation is with.
func (r InboxRowVM) Name() string { return UserDisplayName(r.user()) }

// Initials are the avatar's letters.
func (r InboxRowVM) Initials() string { return Initials(r.user()) }

// Href is the conversation's page.
func (r InboxRowVM) Href() string { return ConversationPath(r.BotID, r.Row.UserID) }

// PhotoURL is the user's photo through the proxy.
func (r InboxRowVM) PhotoURL() string { return UserPath(r.BotID, r.Row.UserID) + "/photo" }

// Excerpt is the latest message, "You: …" when the bot sent it.
func (r InboxRowVM) Excerpt() string {
	if r.Row.LastDirection == models.DirectionOut {
		return "You: " + r.Row.LastText
	}
	return r.Row.LastText
}

// When is how long ago the latest message was.
func (r InboxRowVM) When() string { return Ago(r.Row.LastAt) }

// UnreadLabel names the unread count for screen readers.
func (r InboxRowVM) UnreadLabel() string {
	if r.Row.Unread == 1 {
		return "1 unread message"
	}
	return Number(r.Row.Unread) + " unread messages"
}

// UserPath is the page of a bot's user.
func UserPath(botID string, userID int64) string {
	return "/bots/" + botID + "/users/" + strconv.FormatInt(userID, 10)
}

// ConversationPath is the page of the conversation with a bot's user.
func ConversationPath(botID string, userID int64) string {
	return UserPath(botID, userID) + "/messages"
}

// ThreadVM is the conversation with one user: bubbles oldest first with
// day separators, and the composer.
type ThreadVM struct {
	Bot          *models.Bot
	User         *models.BotUser
	Conversation *models.Conversation // nil when nothing was exchanged
	Bubbles      []BubbleVM           // oldest first
	OlderBefore  int64                // the before= of older messages, 0 when none
	Paged        bool                 // showing older messages (not the newest)
	Composer     ComposerVM
}

// BubbleVM is one message as a bubble.
type BubbleVM struct {
	ID       int64
	Out      bool
	HTML     string // the body drawn as safe HTML (handlers/preview.go)
	Kind     string
	PhotoURL string
	Via      string
	Error    string
	At       time.Time
	Day      string // set on the first message of a day: the separator's label
	// Pending: a member's message Telegram has not answered for yet (its
	// outcome, and a photo's file, are still to come).
	Pending bool
}

// pendingFor is how long a dashboard message without an outcome keeps its
// thread refreshing itself (the outbox settles every send well within it).
const pendingFor = 2 * time.Minute

// Pending reports whether a member's message still waits for Telegram: the
// thread then also refreshes itself every few seconds, so its outcome shows
// even when its event raced with the send's own refresh.
func (vm ThreadVM) Pending() bool {
	for _, b := range vm.Bubbles {
		if b.Pending {
			return true
		}
	}
	return false
}

// LiveTrigger is what makes the newest page fetch itself again.
func (vm ThreadVM) LiveTrigger() string {
	if vm.Pending() {
		return "sse:message, sse:reset, every 2s"
	}
	return "sse:message, sse:reset"
}

// ComposerVM is the answer form: what was typed and what is wrong.
type ComposerVM struct {
	Action    string
	Text      string
	ParseMode string
	Photo     string
	Fields    map[string]string
	Message   string
	Disabled  string // why the composer is off (the user blocked the bot), "" when on
}

// PhotoError is what is wrong with the attached photo: the upload (its
// size or type) or the photo as Telegram would take it.
func (c ComposerVM) PhotoError() string {
	if e := c.Fields["photo"]; e != "" {
		return e
	}
	return c.Fields["file"]
}

// NewThreadVM builds the conversation page from messages newest first;
// draw renders a message's body as safe HTML.
func NewThreadVM(b *models.Bot, u *models.BotUser, c *models.Conversation, newestFirst []models.Message, more, paged bool,
	draw func(*models.Message) string) ThreadVM {
	vm := ThreadVM{Bot: b, User: u, Conversation: c, Paged: paged}
	if more && len(newestFirst) > 0 {
		vm.OlderBefore = newestFirst[len(newestFirst)-1].ID
	}
	lastDay := ""
	for i := len(newestFirst) - 1; i >= 0; i-- {
		m := &newestFirst[i]
		bv := BubbleVM{ID: m.ID, Out: m.Direction == models.DirectionOut, HTML: draw(m), Kind: m.Kind, Via: m.Origin, Error: m.Error, At: m.CreatedAt}
		bv.Pending = bv.Out && m.Origin == models.OriginDashboard && m.TelegramID == 0 && m.Error == "" && time.Since(m.CreatedAt) < pendingFor
		if m.Kind == models.MessagePhoto && m.FileID != "" {
			bv.PhotoURL = ConversationPath(b.ID, u.UserID) + "/" + strconv.FormatInt(m.ID, 10) + "/photo"
		}
		if day := Date(m.CreatedAt); day != lastDay {
			bv.Day, lastDay = dayLabel(m.CreatedAt), day
		}
		vm.Bubbles = append(vm.Bubbles, bv)
	}
	vm.Composer = ComposerVM{Action: ConversationPath(b.ID, u.UserID)}
	if u.BotBlocked {
		vm.Composer.Disabled = UserDisplayName(u) + " blocked " + b.Handle() + " in Telegram: answers cannot reach them until they unblock it."
	}
	return vm
}

// dayLabel is "Today", "Yesterday" or the date.
func dayLabel(t time.Time) string {
	now := time.Now().UTC()
	switch Date(t) {
	case Date(now):
		return "Today"
	case Date(now.AddDate(0, 0, -1)):
		return "Yesterday"
	}
	return Date(t)
}

// Name is who the conversation is with.
func (vm ThreadVM) Name() string { return UserDisplayName(vm.User) }

// UserHref is the user's page.
func (vm ThreadVM) UserHref() string { return UserPath(vm.Bot.ID, vm.User.UserID) }

// InboxHref is the bot's inbox.
func (vm ThreadVM) InboxHref() string { return "/bots/" + vm.Bot.ID + "/conversations" }

// Self is the newest messages (what live updates fetch again).
func (vm ThreadVM) Self() string { return ConversationPath(vm.Bot.ID, vm.User.UserID) }

// OlderHref pages back.
func (vm ThreadVM) OlderHref() string {
	return vm.Self() + "?before=" + strconv.FormatInt(vm.OlderBefore, 10)
}

// StreamURL follows this conversation's messages.
func (vm ThreadVM) StreamURL() string {
	return eventsURL(vm.Bot.ID, "message", strconv.FormatInt(vm.User.UserID, 10))
}

// Status is open or done ("" when nothing was exchanged).
func (vm ThreadVM) Status() string {
	if vm.Conversation == nil {
		return ""
	}
	return vm.Conversation.Status
}

// Unread is the conversation's unread count.
func (vm ThreadVM) Unread() int64 {
	if vm.Conversation == nil {
		return 0
	}
	return vm.Conversation.Unread
}

// ActionPath is a POST route of the conversation (done, open, read).
func (vm ThreadVM) ActionPath(action string) string {
	return "/bots/" + vm.Bot.ID + "/conversations/" + strconv.FormatInt(vm.User.UserID, 10) + "/" + action
}

// SentVia says which path sent an outgoing message.
func SentVia(via string) string {
	switch via {
	case models.OriginDashboard:
		return "from the dashboard"
	case models.OriginReply:
		return "auto-reply"
	case models.OriginCode:
		return "bot code"
	case models.OriginBroadcast:
		return "broadcast"
	case models.OriginGreeting:
		return "campaign greeting"
	case models.OriginRelay, models.OriginProxy:
		return "your bot server"
	}
	return ""
}

// Time is a bubble's time of day (UTC).
func (b BubbleVM) Time() string { return b.At.UTC().Format("15:04") }

// ParseModes are the composer's formatting choices.
func (c ComposerVM) ParseModes() [][2]string {
	return [][2]string{{"", "Plain text"}, {"HTML", "HTML"}, {"MarkdownV2", "MarkdownV2"}}
}

// UserPageVM is one user of a bot: profile, where they came from,
// campaigns, message counts, the latest messages, block and "message".
type UserPageVM struct {
	Bot       *models.Bot
	User      *models.BotUser
	NoPhoto   bool
	Source    string // "start:<payload>", "campaign:<name>" or ""
	Campaigns []models.UserCampaignRow
	In, Out   int64
	Timeline  []BubbleVM // newest last
	Props     map[string]any
	Tags      []string
}

// Attributes is the properties and tags block.
func (vm UserPageVM) Attributes() UserAttributesVM {
	return UserAttributesVM{Base: vm.Base(), Props: vm.Props, Tags: vm.Tags}
}

// Name is the user's display name.
func (vm UserPageVM) Name() string { return UserDisplayName(vm.User) }

// Initials are the avatar's letters.
func (vm UserPageVM) Initials() string { return Initials(vm.User) }

// Base is the user's page.
func (vm UserPageVM) Base() string { return UserPath(vm.Bot.ID, vm.User.UserID) }

// ConversationHref is the conversation with the user.
func (vm UserPageVM) ConversationHref() string { return ConversationPath(vm.Bot.ID, vm.User.UserID) }

// SourceText says where the user came from.
func (vm UserPageVM) SourceText() string {
	kind, value, _ := strings.Cut(vm.Source, ":")
	switch kind {
	case "start":
		return "Deep link t.me/" + vm.Bot.Username + "?start=" + value
	case "campaign":
		return "Campaign “" + value + "”"
	}
	return "Unknown (they found the bot themselves)"
}

// Row is the user as a users-table row (for the block button).
func (vm UserPageVM) Row() UserRowVM {
	return UserRowVM{BotID: vm.Bot.ID, User: *vm.User, NoPhoto: vm.NoPhoto, Back: vm.Base()}
}

// blockAction is the route the block button posts to.
func blockAction(blocked bool) string {
	if blocked {
		return "unblock"
	}
	return "block"
}
