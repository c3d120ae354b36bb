package contract

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/botdeck/botdeck/models"
)

// BroadcastJSON is the API shape of a broadcast (schema Broadcast in handlers/openapi/broadcasts.yaml),
// with the message, the outcome counters and, while it runs, the rate and
// the estimated time left.
type BroadcastJSON struct {
	ID             string     `json:"id"`
	BotID          string     `json:"botId"`
	Status         string     `json:"status"`
	StatusReason   string     `json:"statusReason"`
	Text           string     `json:"text"`
	ParseMode      *string    `json:"parseMode"`
	DisablePreview bool       `json:"disablePreview"`
	Audience       string     `json:"audience"`
	Total          int64      `json:"total"`
	Sent           int64      `json:"sent"`
	Failed         int64      `json:"failed"`
	Blocked        int64      `json:"blocked"`
	Skipped        int64      `json:"skipped"`
	Unconfirmed    int64      `json:"unconfirmed"`
	Pending        int64      `json:"pending"`
	Rate           float64    `json:"rate"`        // the bot's configured messages per second
	CurrentRate    *float64   `json:"currentRate"` // measured over the last seconds, while running
	ETA            *int64     `json:"eta"`         // seconds left, while queued or running
	CreatedAt      time.Time  `json:"createdAt"`
	StartedAt      *time.Time `json:"startedAt"`
	FinishedAt     *time.Time `json:"finishedAt"`

	ScheduledAt *time.Time     `json:"scheduledAt"`
	Segment     *string        `json:"segment"`
	Filter      *SegmentFilter `json:"filter"`
	Photo       *string        `json:"photo"`
	Document    *string        `json:"document"`
	Buttons     [][]URLButton  `json:"buttons"`
}

// URLButton is a button under a broadcast that opens a link.
type URLButton struct {
	Text string `json:"text" validate:"required,max=64"`
	URL  string `json:"url" validate:"required,max=2048"`
}

// ParseButtons reads stored buttons ("" is none).
func ParseButtons(s string) [][]URLButton {
	out := [][]URLButton{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &out)
	}
	return out
}

// BroadcastOf is the API shape of b; the rates and eta are computed by the
// caller.
func BroadcastOf(b *models.Broadcast, rate float64, current *float64, eta *int64) BroadcastJSON {
	var mode *string
	if b.ParseMode != "" {
		m := b.ParseMode
		mode = &m
	}
	j := BroadcastJSON{ID: b.ID, BotID: b.BotID, Status: b.Status, StatusReason: b.StatusReason, Text: b.Text,
		ParseMode: mode, DisablePreview: b.DisablePreview, Audience: b.Audience, Total: b.Total, Sent: b.Sent,
		Failed: b.Failed, Blocked: b.Blocked, Skipped: b.Skipped, Unconfirmed: b.Unconfirmed, Pending: b.Pending(),
		Rate: rate, CurrentRate: current, ETA: eta, CreatedAt: b.CreatedAt, StartedAt: b.StartedAt, FinishedAt: b.FinishedAt,
		ScheduledAt: b.ScheduledAt, Segment: b.SegmentID, Photo: nonEmpty(b.Photo), Document: nonEmpty(b.Document),
		Buttons: ParseButtons(b.Buttons)}
	if b.Filter != "" {
		if f, err := ParseSegmentFilter(b.Filter); err == nil {
			j.Filter = &f
		}
	}
	return j
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateBroadcastRequest is the body of POST /api/bots/{id}/broadcasts and
// of the compose form. The markup and the length after entities parsing
// are checked by core (internal/telegram.ValidateText).
type CreateBroadcastRequest struct {
	Text           string  `json:"text" form:"text" validate:"max=32768"`
	ParseMode      *string `json:"parseMode" form:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2"`
	DisablePreview bool    `json:"disablePreview" form:"disablePreview"`
	Audience       string  `json:"audience" form:"audience" validate:"required,oneof=all activeLast7Days activeLast30Days"`

	// The audience narrowed by a segment of the bot, or by a filter (not
	// both).
	Segment string         `json:"segment" form:"segment" validate:"max=64"`
	Filter  *SegmentFilter `json:"filter" form:"-"`
	// A photo or a document (upload ids from POST /api/uploads; not
	// both): the text becomes its caption.
	Photo    string `json:"photo" form:"photo" validate:"max=64"`
	Document string `json:"document" form:"document" validate:"max=64"`
	// URL buttons, rows of buttons.
	Buttons [][]URLButton `json:"buttons" form:"-" validate:"max=10,dive,max=8,dive"`
	// When to start (RFC 3339; status scheduled until then). The form
	// sends a date, a time and a time zone instead.
	ScheduledAt *time.Time `json:"scheduledAt" form:"-"`
	// Test sends the message once to the signed-in member's own linked
	// Telegram account, and nobody else.
	Test bool `json:"test" form:"test"`

	// The compose form's flat fields.
	FilterTag    string   `json:"-" form:"filterTag" validate:"max=200"`
	FilterNotTag string   `json:"-" form:"filterNotTag" validate:"max=200"`
	ButtonText   []string `json:"-" form:"buttonText" validate:"max=10,dive,max=64"`
	ButtonURL    []string `json:"-" form:"buttonUrl" validate:"max=10,dive,max=2048"`
	When         string   `json:"-" form:"when" validate:"omitempty,oneof=now later"`
	ScheduleDate string   `json:"-" form:"scheduleDate" validate:"max=10"`
	ScheduleTime string   `json:"-" form:"scheduleTime" validate:"max=8"`
	ScheduleZone string   `json:"-" form:"scheduleZone" validate:"max=64"`
	Media        string   `json:"-" form:"media" validate:"omitempty,oneof=photo document"`
	DropUpload   bool     `json:"-" form:"dropUpload"`
	// ScheduleProblem is why the form's date, time and zone do not make a
	// time (set by Normalize).
	ScheduleProblem map[string]string `json:"-" form:"-"`
}

// Normalize makes an empty parse mode mean plain text and defaults the
// audience to everyone. The text is kept as typed: spaces and line breaks
// are part of the message. The compose form's flat fields become the
// filter, the buttons and the start time.
func (r *CreateBroadcastRequest) Normalize() {
	if r.ParseMode != nil && *r.ParseMode == "" {
		r.ParseMode = nil
	}
	if r.Audience == "" {
		r.Audience = models.AudienceAll
	}
	r.Segment, r.Photo, r.Document = strings.TrimSpace(r.Segment), strings.TrimSpace(r.Photo), strings.TrimSpace(r.Document)
	if r.DropUpload {
		r.Photo, r.Document = "", ""
	}
	if r.FilterTag != "" || r.FilterNotTag != "" {
		f := SegmentFilter{Tag: strings.FieldsFunc(r.FilterTag, isListSep), NotTag: strings.FieldsFunc(r.FilterNotTag, isListSep)}
		r.Filter = &f
	}
	if r.Filter != nil {
		r.Filter.Normalize()
		if r.Filter.Empty() {
			r.Filter = nil
		}
	}
	for i := range min(len(r.ButtonText), len(r.ButtonURL)) {
		t, u := strings.TrimSpace(r.ButtonText[i]), strings.TrimSpace(r.ButtonURL[i])
		if t != "" || u != "" {
			r.Buttons = append(r.Buttons, []URLButton{{Text: t, URL: u}})
		}
	}
	if r.When == "later" {
		r.ScheduledAt, r.ScheduleProblem = scheduleOf(r.ScheduleDate, r.ScheduleTime, r.ScheduleZone)
	}
}

func isListSep(r rune) bool { return r == ',' || r == ' ' || r == ';' }

// scheduleOf reads the form's date (YYYY-MM-DD), time (HH:MM) and IANA
// time zone as a UTC instant, or says which field is wrong.
func scheduleOf(date, clock, zone string) (*time.Time, map[string]string) {
	loc := time.UTC
	if zone == "Local" {
		return nil, map[string]string{"scheduleZone": "is not a time zone"}
	}
	if zone != "" {
		l, err := time.LoadLocation(zone)
		if err != nil {
			return nil, map[string]string{"scheduleZone": "is not a time zone"}
		}
		loc = l
	}
	if date == "" {
		return nil, map[string]string{"scheduleDate": "is required to schedule the broadcast"}
	}
	if clock == "" {
		return nil, map[string]string{"scheduleTime": "is required to schedule the broadcast"}
	}
	layout := "2006-01-02 15:04"
	if len(clock) == 8 {
		layout += ":05" // the time picker with seconds
	}
	t, err := time.ParseInLocation(layout, date+" "+clock, loc)
	if err != nil {
		return nil, map[string]string{"scheduleDate": "and time must be a date and a time"}
	}
	t = t.UTC()
	return &t, nil
}

// UpdateBroadcastRequest is the body of PATCH /api/broadcasts/{id}: what
// changes in a scheduled broadcast (fields not given stay; "" clears the
// segment, photo or document, [] the buttons, {} the filter).
type UpdateBroadcastRequest struct {
	Text           *string        `json:"text" validate:"omitempty,max=32768"`
	ParseMode      *string        `json:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2 ''"`
	DisablePreview *bool          `json:"disablePreview"`
	Audience       *string        `json:"audience" validate:"omitempty,oneof=all activeLast7Days activeLast30Days"`
	Segment        *string        `json:"segment" validate:"omitempty,max=64"`
	Filter         *SegmentFilter `json:"filter"`
	Photo          *string        `json:"photo" validate:"omitempty,max=64"`
	Document       *string        `json:"document" validate:"omitempty,max=64"`
	Buttons        *[][]URLButton `json:"buttons" validate:"omitempty,max=10,dive,max=8,dive"`
	ScheduledAt    *time.Time     `json:"scheduledAt"`
}

// Merge is the create request that the broadcast b, changed by r, would
// be.
func (r UpdateBroadcastRequest) Merge(b *models.Broadcast) CreateBroadcastRequest {
	c := CreateBroadcastRequest{Text: b.Text, DisablePreview: b.DisablePreview, Audience: b.Audience,
		Photo: b.Photo, Document: b.Document, Buttons: ParseButtons(b.Buttons), ScheduledAt: b.ScheduledAt}
	if b.ParseMode != "" {
		m := b.ParseMode
		c.ParseMode = &m
	}
	if b.SegmentID != nil {
		c.Segment = *b.SegmentID
	} else if b.Filter != "" {
		if f, err := ParseSegmentFilter(b.Filter); err == nil {
			c.Filter = &f
		}
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Text, r.Text)
	set(&c.Audience, r.Audience)
	set(&c.Photo, r.Photo)
	set(&c.Document, r.Document)
	if r.ParseMode != nil {
		c.ParseMode = r.ParseMode
	}
	if r.DisablePreview != nil {
		c.DisablePreview = *r.DisablePreview
	}
	// A new segment replaces the filter and a new filter the segment; both
	// at once stay both, which prepare refuses as a create would.
	if r.Segment != nil && *r.Segment != "" {
		c.Filter = nil
	}
	if r.Filter != nil && !r.Filter.Empty() {
		c.Segment = ""
	}
	if r.Segment != nil {
		c.Segment = *r.Segment
	}
	if r.Filter != nil {
		c.Filter = r.Filter
	}
	if r.Buttons != nil {
		c.Buttons = *r.Buttons
	}
	if r.ScheduledAt != nil {
		c.ScheduledAt = r.ScheduledAt
	}
	c.Normalize()
	return c
}

// EditOf is the PATCH that the edit form (the whole composer, filled in)
// asks of the scheduled broadcast cur: every field the form has replaces
// the broadcast's. The form edits only the filter's tags, so the rest of
// a filter set through the API (source, language, properties) is kept.
func (r CreateBroadcastRequest) EditOf(cur *models.Broadcast) UpdateBroadcastRequest {
	mode := r.Mode()
	buttons := append([][]URLButton{}, r.Buttons...)
	u := UpdateBroadcastRequest{Text: &r.Text, ParseMode: &mode, DisablePreview: &r.DisablePreview, Audience: &r.Audience,
		Segment: &r.Segment, Photo: &r.Photo, Document: &r.Document, Buttons: &buttons, ScheduledAt: r.ScheduledAt}
	f := SegmentFilter{}
	if cur.SegmentID == nil && cur.Filter != "" {
		if old, err := ParseSegmentFilter(cur.Filter); err == nil {
			f = old
		}
	}
	f.Tag, f.NotTag = nil, nil
	if r.Filter != nil {
		f.Tag, f.NotTag = r.Filter.Tag, r.Filter.NotTag
	}
	if r.Segment != "" && r.Filter == nil {
		f = SegmentFilter{} // the segment replaces the filter
	}
	u.Filter = &f
	return u
}

// Mode is the parse mode, "" for plain text.
func (r *CreateBroadcastRequest) Mode() string {
	if r.ParseMode == nil {
		return ""
	}
	return *r.ParseMode
}

// PreviewBroadcastRequest is what the compose form's live preview sends.
type PreviewBroadcastRequest struct {
	Text      string  `json:"text" form:"text" validate:"max=32768"`
	ParseMode *string `json:"parseMode" form:"parseMode" validate:"omitempty,oneof=HTML MarkdownV2"`
}

// Normalize makes an empty parse mode mean plain text.
func (r *PreviewBroadcastRequest) Normalize() {
	if r.ParseMode != nil && *r.ParseMode == "" {
		r.ParseMode = nil
	}
}

// ListBroadcastsRequest pages a bot's broadcasts, newest first.
type ListBroadcastsRequest struct {
	Page `form:",inline"`
}

// AudienceRequest asks how many users an audience holds (the compose
// form's live count).
type AudienceRequest struct {
	Audience     string `json:"audience" form:"audience" validate:"omitempty,oneof=all activeLast7Days activeLast30Days"`
	Segment      string `json:"-" form:"segment" validate:"max=64"`
	FilterTag    string `json:"-" form:"filterTag" validate:"max=200"`
	FilterNotTag string `json:"-" form:"filterNotTag" validate:"max=200"`
}

// ShowBroadcastRequest carries the status the broadcast page last showed,
// so its progress poll redraws the controls only when the status changed.
type ShowBroadcastRequest struct {
	Seen string `json:"-" form:"seen" validate:"omitempty,max=16"`
}

// BroadcastTestJSON is the answer to a test broadcast (test: true): where
// the one message went.
type BroadcastTestJSON struct {
	Test           bool   `json:"test"`
	TelegramUserID int64  `json:"telegramUserId"`
	Username       string `json:"username"`
	MessageID      int64  `json:"messageId"`
}
