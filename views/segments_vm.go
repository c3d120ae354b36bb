package views

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// SegmentsVM is the view model of a bot's segments page.
type SegmentsVM struct {
	Bot        *models.Bot
	Rows       []SegmentRowVM
	Pagination contract.Pagination
}

// SegmentRowVM is one segment of the list.
type SegmentRowVM struct {
	ID, Name, Summary, UsersURL string
	Users                       int64
}

// SegmentItem is a segment with its filter and live count.
type SegmentItem struct {
	Segment *models.Segment
	Filter  contract.SegmentFilter
	Users   int64
}

// NewSegmentsVM builds the segments page view model.
func NewSegmentsVM(b *models.Bot, list []SegmentItem, p contract.Pagination) SegmentsVM {
	vm := SegmentsVM{Bot: b, Pagination: p}
	for _, s := range list {
		vm.Rows = append(vm.Rows, SegmentRowVM{ID: s.Segment.ID, Name: s.Segment.Name, Summary: FilterSummary(s.Filter),
			Users: s.Users, UsersURL: "/bots/" + b.ID + "/users?segment=" + url.QueryEscape(s.Segment.ID)})
	}
	return vm
}

// NewURL is the segment form's address.
func (vm SegmentsVM) NewURL() string { return "/bots/" + vm.Bot.ID + "/segments/new" }

// Pager is the list's pager.
func (vm SegmentsVM) Pager() components.PagerVM {
	return components.PagerVM{Page: vm.Pagination.Page, TotalPages: vm.Pagination.TotalPages, Total: vm.Pagination.Total,
		Noun: "segments", Href: func(p int) string { return "/bots/" + vm.Bot.ID + "/segments?page=" + strconv.Itoa(p) }}
}

// FilterSummary says in words who a filter matches.
func FilterSummary(f contract.SegmentFilter) string {
	var parts []string
	if len(f.Tag) > 0 {
		parts = append(parts, "tagged "+strings.Join(f.Tag, " and "))
	}
	if len(f.NotTag) > 0 {
		parts = append(parts, "not tagged "+strings.Join(f.NotTag, " or "))
	}
	if f.Source != "" {
		parts = append(parts, "from source "+f.Source)
	}
	if f.Language != "" {
		parts = append(parts, "language "+f.Language)
	}
	names := make([]string, 0, len(f.Prop))
	for n := range f.Prop {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		parts = append(parts, n+" = "+f.Prop[n])
	}
	if len(parts) == 0 {
		return "Every user of the bot"
	}
	s := strings.Join(parts, ", ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// SegmentCountText is a live count in words.
func SegmentCountText(n int64) string {
	return countOf(n, "user matches", "users match")
}

// SegmentFormVM is the view model of the segment form (new or edit).
type SegmentFormVM struct {
	Bot                 *models.Bot
	ID                  string // "" for a new segment
	Name                string
	Tags, NotTags       string // comma-separated
	Source, Language    string
	PropName, PropValue string
	MoreProps           map[string]string // further property conditions, kept as hidden fields
	Count               *int64            // nil when the filter has errors
	Errors              apperr.FieldErrors
	Message             string
}

// NewSegmentFormVM builds the form; s is nil for a new segment.
func NewSegmentFormVM(b *models.Bot, s *models.Segment, name string, f contract.SegmentFilter, fields apperr.FieldErrors, msg string) SegmentFormVM {
	vm := SegmentFormVM{Bot: b, Name: name, Tags: strings.Join(f.Tag, ", "), NotTags: strings.Join(f.NotTag, ", "),
		Source: f.Source, Language: f.Language, Errors: fields, Message: msg, MoreProps: map[string]string{}}
	if s != nil {
		vm.ID = s.ID
	}
	names := make([]string, 0, len(f.Prop))
	for n := range f.Prop {
		names = append(names, n)
	}
	slices.Sort(names)
	for i, n := range names {
		if i == 0 {
			vm.PropName, vm.PropValue = n, f.Prop[n]
		} else {
			vm.MoreProps[n] = f.Prop[n]
		}
	}
	for k, v := range fields {
		switch {
		case strings.HasPrefix(k, "tag"):
			vm.Errors["tag"] = v
		case strings.HasPrefix(k, "notTag"):
			vm.Errors["notTag"] = v
		case strings.HasPrefix(k, "prop"):
			vm.Errors["propName"] = v
		}
	}
	return vm
}

// Action is where the form posts.
func (vm SegmentFormVM) Action() string {
	if vm.ID == "" {
		return "/bots/" + vm.Bot.ID + "/segments"
	}
	return "/segments/" + vm.ID
}

// CountURL is the live count's address.
func (vm SegmentFormVM) CountURL() string { return "/bots/" + vm.Bot.ID + "/segments/count" }

// ListURL is the segments page.
func (vm SegmentFormVM) ListURL() string { return "/bots/" + vm.Bot.ID + "/segments" }

// UsersURL lists the segment's users.
func (vm SegmentFormVM) UsersURL() string {
	return "/bots/" + vm.Bot.ID + "/users?segment=" + url.QueryEscape(vm.ID)
}

// Title is the form's heading.
func (vm SegmentFormVM) Title() string {
	if vm.ID == "" {
		return "New segment"
	}
	return "Edit segment"
}

// CountText is the count in words.
func (vm SegmentFormVM) CountText() string {
	if vm.Count == nil {
		return "Fix the highlighted fields to see how many users match."
	}
	return SegmentCountText(*vm.Count)
}
