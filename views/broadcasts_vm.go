package views

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// MessageStyle is the CSS classes a message preview puts on what has no
// HTML element of its own.
type MessageStyle struct {
	Spoiler, Code, Pre, Link, Mention, Blockquote string
}

// MessageClasses style the message previews (Tailwind finds them here).
// The views own the look but do not draw messages: a preview reaches them
// already rendered as safe HTML (handlers/preview.go), so the views never
// parse Telegram markup.
var MessageClasses = MessageStyle{
	Spoiler:    "rounded bg-slate-300 px-0.5 text-slate-700 blur-[2px] transition hover:blur-none",
	Code:       "rounded bg-slate-100 px-1 font-mono text-[0.9em] text-rose-800",
	Pre:        "my-1 overflow-x-auto rounded-md bg-slate-100 p-2 font-mono text-[0.9em] text-slate-800",
	Link:       "text-sky-700 underline",
	Mention:    "text-sky-700",
	Blockquote: "my-1 border-l-4 border-sky-500 bg-sky-50 py-0.5 pl-2",
}

// PreviewVM is the message preview: the drawn message, or what is wrong
// with the draft.
type PreviewVM struct {
	HTML  string // safe HTML, rendered outside the views
	Error string // the markup or length problem, with line and column
	Empty bool   // nothing typed yet
}

// AudienceLabel names an audience for people.
func AudienceLabel(a string) string {
	switch a {
	case models.AudienceActive7Days:
		return "Active in the last 7 days"
	case models.AudienceActive30Days:
		return "Active in the last 30 days"
	}
	return "All users"
}

// AudienceOption is one choice of the compose form's audience.
type AudienceOption struct {
	Value, Label, Hint string
	Count              int64
	Checked            bool
}

// ComposeVM is the compose form with what was typed and its errors.
type ComposeVM struct {
	Text, ParseMode, Audience string
	DisablePreview            bool
	Errors                    apperr.FieldErrors
	Message                   string

	Segment                 string // segment id narrowing the audience
	FilterTag, FilterNotTag string // comma-separated
	Photo, Document         string // upload ids already attached
	Buttons                 [][2]string
	When                    string // now or later
	ScheduleDate            string // YYYY-MM-DD in ScheduleZone
	ScheduleTime            string // HH:MM
	ScheduleZone            string // IANA name; the member's zone by default
	ScheduledAt             *time.Time
	Segments                []models.Segment // the picker's choices
	Notice                  string           // a success note (a test was sent)
	EditID                  string           // the scheduled broadcast the form saves to ("" composes a new one)
}

// Action is where the form posts: the confirmation step of a new
// broadcast, or the scheduled broadcast it edits.
func (f ComposeVM) Action(base string) string {
	if f.EditID != "" {
		return "/broadcasts/" + f.EditID + "/edit"
	}
	return base + "/review"
}

// ButtonRows is the buttons editor's rows: those set and empty ones up to
// three.
func (f ComposeVM) ButtonRows() [][2]string {
	rows := append([][2]string(nil), f.Buttons...)
	for len(rows) < 3 {
		rows = append(rows, [2]string{})
	}
	return rows
}

// Scheduled reports whether the form schedules the broadcast.
func (f ComposeVM) Scheduled() bool { return f.When == "later" }

// ComposeFromRequest keeps what the owner typed.
func ComposeFromRequest(in contract.CreateBroadcastRequest, errs apperr.FieldErrors, msg string) ComposeVM {
	vm := ComposeVM{Text: in.Text, ParseMode: in.Mode(), Audience: in.Audience, DisablePreview: in.DisablePreview, Errors: errs, Message: msg,
		Segment: in.Segment, Photo: in.Photo, Document: in.Document, When: in.When, ScheduleDate: in.ScheduleDate,
		ScheduleTime: in.ScheduleTime, ScheduleZone: in.ScheduleZone, ScheduledAt: in.ScheduledAt}
	if in.Filter != nil {
		vm.FilterTag, vm.FilterNotTag = strings.Join(in.Filter.Tag, ", "), strings.Join(in.Filter.NotTag, ", ")
	}
	for _, row := range in.Buttons {
		for _, b := range row {
			vm.Buttons = append(vm.Buttons, [2]string{b.Text, b.URL})
		}
	}
	if in.ScheduledAt != nil && vm.When == "" {
		vm.When = "later"
		loc, err := time.LoadLocation(vm.ScheduleZone)
		if err != nil {
			loc = time.UTC
		}
		t := in.ScheduledAt.In(loc)
		vm.ScheduleDate, vm.ScheduleTime = t.Format("2006-01-02"), t.Format("15:04")
	}
	if vm.When == "" {
		vm.When = "now"
	}
	return vm
}

// CommonTimeZones are offered by the schedule's zone picker (any IANA name
// may be typed).
var CommonTimeZones = []string{"UTC", "Europe/London", "Europe/Berlin", "Europe/Moscow", "Europe/Kyiv", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Singapore", "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "America/New_York",
	"America/Chicago", "America/Denver", "America/Los_Angeles"}

// ReviewVM is the confirmation step.
type ReviewVM struct {
	ScheduledAt *time.Time
	Recipients  int64
	Sharing     int
	Duration    time.Duration
	Preview     string // safe HTML
}

// BroadcastsVM is a bot's broadcasts page: the compose form (or its
// confirmation), the preview and the history.
type BroadcastsVM struct {
	Bot        *models.Bot
	CanSend    bool
	Rate       float64
	Counts     map[string]int64
	Active     int // queued or running broadcasts of the bot
	Form       ComposeVM
	Preview    PreviewVM
	Review     *ReviewVM
	List       []BroadcastRowVM
	Pagination contract.Pagination
}

// BroadcastRowVM is one broadcast in the history.
type BroadcastRowVM struct {
	B       models.Broadcast
	ETA     *time.Duration
	Excerpt string // the start of the message, without markup
}

// Base is the page's URL.
func (vm BroadcastsVM) Base() string { return "/bots/" + vm.Bot.ID + "/broadcasts" }

// Audiences are the form's audience choices with their counts.
func (vm BroadcastsVM) Audiences() []AudienceOption {
	hints := map[string]string{
		models.AudienceAll:          "Everyone who can be messaged",
		models.AudienceActive7Days:  "Seen by the bot in the last 7 days",
		models.AudienceActive30Days: "Seen by the bot in the last 30 days",
	}
	out := make([]AudienceOption, len(models.Audiences))
	for i, a := range models.Audiences {
		out[i] = AudienceOption{Value: a, Label: AudienceLabel(a), Hint: hints[a], Count: vm.Counts[a], Checked: a == vm.selected()}
	}
	return out
}

func (vm BroadcastsVM) selected() string {
	if vm.Form.Audience == "" {
		return models.AudienceAll
	}
	return vm.Form.Audience
}

// AudienceSummary is the live line under the audience choice.
func (vm BroadcastsVM) AudienceSummary() string {
	return AudienceSummary(vm.Counts[vm.selected()], vm.Rate, vm.Active)
}

// AudienceSummary says how many users an audience holds and how long a
// broadcast to them takes at rate messages per second (shared with the
// bot's other active broadcasts).
func AudienceSummary(n int64, rate float64, active int) string {
	if n == 0 {
		return "Nobody to send to in this audience yet."
	}
	s := "Sends to " + countOf(n, "user", "users") + ", taking " + AboutDuration(sendDuration(n, rate, active+1)) + " at " + RateText(rate) + "."
	if active > 0 {
		s += " " + countOf(int64(active), "other broadcast", "other broadcasts") + " of this bot " + isOrAre(active) + " sending and share its rate."
	}
	return s
}

func isOrAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func sendDuration(n int64, rate float64, sharing int) time.Duration {
	if rate <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(n)/(rate/float64(max(1, sharing))))) * time.Second
}

// ParseModes are the formatting choices: value and label.
func ParseModes() [][2]string {
	return [][2]string{{"", "Plain text"}, {"HTML", "HTML"}, {"MarkdownV2", "MarkdownV2"}}
}

// Pager is the history's pagination.
func (vm BroadcastsVM) Pager() components.PagerVM {
	return components.PagerVM{Page: vm.Pagination.Page, TotalPages: vm.Pagination.TotalPages, Total: vm.Pagination.Total,
		Noun: "broadcasts", Href: func(p int) string { return vm.Base() + "?page=" + strconv.Itoa(p) }}
}

// BroadcastVM is one broadcast's page.
type BroadcastVM struct {
	Bot         *models.Bot
	B           *models.Broadcast
	Rate        float64
	CurrentRate *float64
	ETA         *time.Duration
	Preview     string // safe HTML of the message
	Seen        string // the status the page showed before this poll
	CanSend     bool
	Message     string // why the last action failed
}

// URL is the broadcast page.
func (vm BroadcastVM) URL() string { return "/broadcasts/" + vm.B.ID }

// PollURL is what the progress fragment polls.
func (vm BroadcastVM) PollURL() string { return vm.URL() + "?seen=" + vm.B.Status }

// CanResendUnconfirmed reports whether the owner may send the unconfirmed
// messages again: some exist and nothing is being sent (done or paused).
func (vm BroadcastVM) CanResendUnconfirmed() bool {
	return vm.B.Unconfirmed > 0 && (vm.B.Status == models.BroadcastDone || vm.B.Status == models.BroadcastPaused)
}

// StatusChanged reports whether a poll must announce the status and
// redraw the details.
func (vm BroadcastVM) StatusChanged() bool { return vm.Seen != "" && vm.Seen != vm.B.Status }

// ControlsChanged reports whether a poll must redraw the controls: only
// when they differ (queued and running have the same ones), so a
// confirmation open on the cancel button is not pulled from under the
// user by a broadcast that merely started.
func (vm BroadcastVM) ControlsChanged() bool {
	return vm.StatusChanged() && controlSet(vm.Seen) != controlSet(vm.B.Status)
}

func controlSet(status string) string {
	switch status {
	case models.BroadcastQueued, models.BroadcastRunning:
		return "active"
	case models.BroadcastPaused:
		return "paused"
	}
	return "finished"
}

// Title names the broadcast by when it was created.
func (vm BroadcastVM) Title() string { return BroadcastTitle(vm.B) }

// BroadcastTitle names a broadcast by when it was created.
func BroadcastTitle(b *models.Broadcast) string { return "Broadcast of " + DateTime(b.CreatedAt) }

// Percent is the share of recipients with an outcome.
func (vm BroadcastVM) Percent() int {
	if vm.notStarted() {
		return 0
	}
	return donePercent(vm.B.Done(), vm.B.Total)
}

// notStarted: scheduled, or its audience still being frozen — no total yet.
func (vm BroadcastVM) notStarted() bool {
	return vm.B.Status == models.BroadcastScheduled || vm.B.Status == models.BroadcastPreparing
}

func donePercent(done, total int64) int {
	if total == 0 {
		return 100
	}
	return int(done * 100 / total)
}

// ProgressText is the progress bar's value in words.
func (vm BroadcastVM) ProgressText() string {
	switch {
	case vm.B.Status == models.BroadcastPreparing:
		return "Preparing the audience…"
	case vm.B.Status == models.BroadcastScheduled && vm.B.ScheduledAt != nil:
		return "Not started: starts " + DateTime(*vm.B.ScheduledAt)
	case vm.B.Status == models.BroadcastScheduled:
		return "Not started"
	}
	return fmt.Sprintf("%s of %s done (%d%%)", Number(vm.B.Done()), Number(vm.B.Total), vm.Percent())
}

// BarSegment is one coloured part of the progress bar.
type BarSegment struct {
	X, W  string
	Class string
	Title string
}

// Bar is the progress bar's segments: sent, blocked, failed, then the
// rest with an outcome (skipped, unconfirmed), on a 1000-wide scale.
func (vm BroadcastVM) Bar() []BarSegment {
	b := vm.B
	parts := []struct {
		n           int64
		class, name string
	}{
		{b.Sent, "fill-emerald-600", "sent"},
		{b.Blocked, "fill-amber-500", "blocked the bot"},
		{b.Failed, "fill-red-600", "failed"},
		{b.Skipped + b.Unconfirmed, "fill-slate-500", "skipped or unconfirmed"},
	}
	var out []BarSegment
	x := 0.0
	for _, p := range parts {
		if p.n == 0 || b.Total == 0 {
			continue
		}
		w := float64(p.n) / float64(b.Total) * 1000
		out = append(out, BarSegment{X: strconv.FormatFloat(x, 'f', 1, 64), W: strconv.FormatFloat(w, 'f', 1, 64), Class: p.class,
			Title: Number(p.n) + " " + p.name})
		x += w
	}
	return out
}

// Stat is one number of the progress.
type Stat struct {
	ID, Label, Value, Hint string
}

// Stats are the progress numbers; the rare ones only when they happened.
func (vm BroadcastVM) Stats() []Stat {
	b := vm.B
	out := []Stat{
		{"stat-sent", "Sent", Number(b.Sent), ""},
		{"stat-blocked", "Blocked the bot", Number(b.Blocked), "Marked, and left out of later broadcasts"},
		{"stat-failed", "Failed", Number(b.Failed), "See the bot's log for Telegram's reasons"},
		{"stat-pending", "Waiting", Number(b.Pending()), ""},
	}
	if b.Skipped > 0 {
		out = append(out, Stat{"stat-skipped", "Skipped", Number(b.Skipped), "You blocked them after it was queued"})
	}
	if b.Unconfirmed > 0 {
		out = append(out, Stat{"stat-unconfirmed", "Unconfirmed", Number(b.Unconfirmed),
			"Botdeck stopped or lost Telegram's answer while sending; not sent again unless you ask, as some may already have it"})
	}
	return out
}

// RateLine is the measured rate while sending, else the configured one.
func (vm BroadcastVM) RateLine() string {
	if vm.CurrentRate != nil {
		return strconv.FormatFloat(*vm.CurrentRate, 'f', 1, 64) + " messages/s (limit " + RateText(vm.Rate) + ")"
	}
	return RateText(vm.Rate)
}

// TookLine is how long a finished broadcast took to send, from its
// first start (pauses included).
func (vm BroadcastVM) TookLine() string {
	b := vm.B
	if !b.Finished() || b.StartedAt == nil || b.FinishedAt == nil {
		return ""
	}
	return AboutDuration(b.FinishedAt.Sub(*b.StartedAt)) + " at up to " + RateText(vm.Rate)
}

// ETALine is the time left while sending.
func (vm BroadcastVM) ETALine() string {
	if vm.ETA == nil {
		return ""
	}
	if vm.B.Pending() == 0 {
		return "finishing"
	}
	return AboutDuration(*vm.ETA)
}

// StatusSentence announces the status (to assistive technology on change).
func (vm BroadcastVM) StatusSentence() string {
	b := vm.B
	switch b.Status {
	case models.BroadcastScheduled:
		if b.ScheduledAt != nil {
			return "Scheduled for " + DateTime(*b.ScheduledAt) + " (UTC); its audience is counted when it starts."
		}
		return "Scheduled."
	case models.BroadcastPreparing:
		return "Preparing audience…: its recipients are being stored; sending starts right after."
	case models.BroadcastQueued:
		return "Queued: sending starts in a moment."
	case models.BroadcastRunning:
		return "Sending."
	case models.BroadcastPaused:
		if b.StatusReason != "" {
			return b.StatusReason
		}
		return "Paused. Resume to send the rest."
	case models.BroadcastDone:
		return "Done: " + countOf(b.Sent, "message", "messages") + " sent."
	case models.BroadcastCancelled:
		return "Cancelled: " + countOf(b.Pending(), "user", "users") + " will not receive it."
	case models.BroadcastFailed:
		if b.StatusReason != "" {
			return b.StatusReason
		}
		return "Failed."
	}
	return ""
}

// BroadcastStatusLabel is a status for people.
func BroadcastStatusLabel(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// BroadcastStatusClass colours a status badge.
func BroadcastStatusClass(s string) string {
	switch s {
	case models.BroadcastRunning:
		return "bg-indigo-50 text-indigo-800 ring-indigo-600/20"
	case models.BroadcastQueued, models.BroadcastScheduled, models.BroadcastPreparing:
		return "bg-sky-50 text-sky-800 ring-sky-600/20"
	case models.BroadcastPaused:
		return "bg-amber-50 text-amber-900 ring-amber-600/30"
	case models.BroadcastDone:
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/20"
	case models.BroadcastFailed:
		return "bg-red-50 text-red-800 ring-red-600/20"
	}
	return "bg-slate-100 text-slate-700 ring-slate-500/20"
}

// ModeLabelOf names a parse mode.
func ModeLabelOf(mode string) string {
	if mode == "" {
		return "Plain text"
	}
	return mode
}

// countOf is "1 user" or "1,234 users".
// CancelConfirm is the question asked before cancelling: while the audience
// is still being prepared its size is not known yet.
func (vm BroadcastVM) CancelConfirm() string {
	if vm.B.Status == models.BroadcastPreparing {
		return "Cancel this broadcast? Its audience is still being prepared, so nobody has received it yet, and nobody will. This cannot be undone."
	}
	return "Cancel this broadcast? The " + countOf(vm.B.Pending(), "user", "users") + " who have not received it yet never will. This cannot be undone."
}

func countOf(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Number(n) + " " + many
}

// RateText is "25 messages per second".
func RateText(rate float64) string {
	return strconv.FormatFloat(rate, 'f', -1, 64) + " messages per second"
}

// AboutDuration is a rounded duration: "about 40 seconds", "about 7 minutes",
// "about 2 hours 5 minutes".
func AboutDuration(d time.Duration) string {
	switch {
	case d <= time.Second:
		return "about a second"
	case d < time.Minute:
		return "about " + strconv.Itoa(int(math.Ceil(d.Seconds()))) + " seconds"
	case d < time.Hour:
		m := int(math.Ceil(d.Minutes()))
		if m == 1 {
			return "about a minute"
		}
		return "about " + strconv.Itoa(m) + " minutes"
	}
	h := int(d.Hours())
	m := int(math.Ceil((d - time.Duration(h)*time.Hour).Minutes()))
	if m == 60 {
		h, m = h+1, 0
	}
	s := "about " + strconv.Itoa(h) + " hour"
	if h != 1 {
		s += "s"
	}
	if m > 0 {
		s += " " + strconv.Itoa(m) + " minute"
		if m != 1 {
			s += "s"
		}
	}
	return s
}

// AudienceCountText is "1 user" or "1,234 users".
func AudienceCountText(n int64) string { return countOf(n, "user", "users") }

func itoa(i int) string { return strconv.Itoa(i) }

// firstOf is the first error of keys.
func firstOf(errs apperr.FieldErrors, keys ...string) string {
	for _, k := range keys {
		if e := errs[k]; e != "" {
			return e
		}
	}
	return ""
}

// buttonErr is the error of the buttons editor's row i (one button per
// row: buttons[i][0]), or the form's buttonText[i]/buttonUrl[i].
func buttonErr(errs apperr.FieldErrors, i int, part string) string {
	return errs["buttons["+strconv.Itoa(i)+"][0]."+part]
}

func inputClassOf(invalid bool) string {
	base := "block w-full rounded-md border px-3 py-2 text-sm shadow-sm focus:outline-none focus:ring-2 "
	if invalid {
		return base + "border-red-500 focus:border-red-600 focus:ring-red-200"
	}
	return base + "border-slate-300 focus:border-indigo-600 focus:ring-indigo-200"
}

// FilterText says in words who the broadcast's filter (or segment) picks.
func (vm BroadcastVM) FilterText() string {
	f, err := contract.ParseSegmentFilter(vm.B.Filter)
	if err != nil {
		return "a filter"
	}
	return FilterSummary(f)
}

// ButtonList is the texts and links of the broadcast's buttons.
func (vm BroadcastVM) ButtonList() []string {
	var out []string
	for _, row := range contract.ParseButtons(vm.B.Buttons) {
		for _, b := range row {
			out = append(out, b.Text+" → "+b.URL)
		}
	}
	return out
}
