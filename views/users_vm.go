package views

import (
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// UsersVM is the view model of a bot's users page.
type UsersVM struct {
	Bot             *models.Bot
	Q, Status, Sort string
	Limit           int // 0: the default
	Page            int
	Users           []models.BotUser
	NoPhoto         map[int64]bool
	Total           int
	TotalExact      bool
	HasNext         bool
	Audience        models.AudienceFilter // tag, notTag, source, language, prop.NAME

	// The time filters as given (dates in the member's zone).
	StartedFrom, StartedTo, LastSeenFrom string
	// Cols are the property columns shown; Props their values per user.
	Cols  []string
	Props map[int64]map[string]any
	// TagCounts are the bot's most used tags (filter chips), PropNames
	// the property names that can be columns.
	TagCounts []models.TagCount
	PropNames []string
	Segment   string // a saved segment the list is narrowed by
}

// NewUsersVM builds the users page view model.
func NewUsersVM(b *models.Bot, in contract.ListBotUsersRequest, users []models.BotUser, noPhoto map[int64]bool, total int, exact, hasNext bool) UsersVM {
	vm := UsersVM{Bot: b, Q: in.Q, Status: in.Status, Sort: in.Sort, Page: in.Number(), Users: users, NoPhoto: noPhoto,
		Total: total, TotalExact: exact, HasNext: hasNext, Audience: in.Filter().AudienceFilter,
		StartedFrom: in.StartedFrom, StartedTo: in.StartedTo, LastSeenFrom: in.LastSeenFrom, Cols: in.Cols, Segment: in.Segment}
	if in.Size() != contract.DefaultLimit {
		vm.Limit = in.Size()
	}
	return vm
}

func (vm UsersVM) base() string { return "/bots/" + vm.Bot.ID + "/users" }

func (vm UsersVM) query(status, sort string, page int) url.Values {
	v := url.Values{}
	if vm.Q != "" {
		v.Set("q", vm.Q)
	}
	if status != "" {
		v.Set("status", status)
	}
	if sort != "" {
		v.Set("sort", sort)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if vm.Limit != 0 {
		v.Set("limit", strconv.Itoa(vm.Limit))
	}
	a := vm.Audience
	v["tag"], v["notTag"] = a.Tags, a.NotTags
	if a.Source != "" {
		v.Set("source", a.Source)
	}
	if a.Language != "" {
		v.Set("language", a.Language)
	}
	for name, val := range a.Props {
		v.Set("prop."+name, val)
	}
	for k, val := range map[string]string{"startedFrom": vm.StartedFrom, "startedTo": vm.StartedTo, "lastSeenFrom": vm.LastSeenFrom} {
		if val != "" {
			v.Set(k, val)
		}
	}
	v["cols"] = vm.Cols
	if vm.Segment != "" {
		v.Set("segment", vm.Segment)
	}
	for k, vs := range v {
		if len(vs) == 0 {
			delete(v, k)
		}
	}
	return v
}

// FirstTag, FirstNotTag and FirstProp fill the filter form's fields; the
// others of a URL ride along as hidden fields (MoreTags, MoreNotTags,
// MoreProps).
func (vm UsersVM) FirstTag() string      { return first(vm.Audience.Tags) }
func (vm UsersVM) FirstNotTag() string   { return first(vm.Audience.NotTags) }
func (vm UsersVM) MoreTags() []string    { return rest(vm.Audience.Tags) }
func (vm UsersVM) MoreNotTags() []string { return rest(vm.Audience.NotTags) }

// FirstProp is the property filter shown in the form (by name order).
func (vm UsersVM) FirstProp() PropRow {
	if rows := vm.propRows(); len(rows) > 0 {
		return rows[0]
	}
	return PropRow{}
}

// MoreProps are the other property filters.
func (vm UsersVM) MoreProps() []PropRow { return rest(vm.propRows()) }

func (vm UsersVM) propRows() []PropRow {
	props := map[string]any{}
	for k, v := range vm.Audience.Props {
		props[k] = v
	}
	return UserAttributesVM{Props: props}.PropRows()
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func rest[T any](s []T) []T {
	if len(s) < 2 {
		return nil
	}
	return s[1:]
}

// URL is the list URL with the current search and the given changes.
func (vm UsersVM) URL(status, sort string, page int) string {
	if v := vm.query(status, sort, page); len(v) > 0 {
		return vm.base() + "?" + v.Encode()
	}
	return vm.base()
}

// Self is the URL of the list as shown.
func (vm UsersVM) Self() string { return vm.URL(vm.Status, vm.Sort, vm.Page) }

// PageURL links to another page of the same list.
func (vm UsersVM) PageURL(page int) string { return vm.URL(vm.Status, vm.Sort, page) }

// CSVURL exports the current filter (every page of it).
func (vm UsersVM) CSVURL() string {
	v := vm.query(vm.Status, vm.Sort, 1)
	v.Del("limit")
	if len(v) > 0 {
		return vm.base() + ".csv?" + v.Encode()
	}
	return vm.base() + ".csv"
}

func (vm UsersVM) clearSearchURL() string {
	cp := vm
	cp.Q = ""
	return cp.URL(vm.Status, vm.Sort, 1)
}

// Tabs lists "All" and each status.
func (vm UsersVM) Tabs() []StatusTab {
	tabs := []StatusTab{{Label: "All", Href: vm.URL("", vm.Sort, 1), Current: vm.Status == ""}}
	for _, s := range models.UserStatuses {
		tabs = append(tabs, StatusTab{Label: UserStatusLabel(s), Href: vm.URL(s, vm.Sort, 1), Current: vm.Status == s})
	}
	return tabs
}

// UserStatusLabel names a users filter.
func UserStatusLabel(s string) string {
	switch s {
	case models.UserStatusActive:
		return "Active"
	case models.UserStatusBlocked:
		return "Blocked by you"
	case models.UserStatusBotBlocked:
		return "Blocked the bot"
	}
	return s
}

// SortOptions are the choices of the sort select.
func (vm UsersVM) SortOptions() [][2]string {
	return [][2]string{{"", "Newest first"}, {"started", "Oldest first"}, {"-lastSeen", "Recently seen"}, {"lastSeen", "Longest unseen"}, {"name", "Name"}}
}

// NoUsersYet reports whether the bot has no users at all (rather than
// none matching).
func (vm UsersVM) NoUsersYet() bool {
	return len(vm.Users) == 0 && vm.Q == "" && vm.Status == "" && vm.Page == 1 && vm.Audience.Empty() &&
		vm.StartedFrom == "" && vm.StartedTo == "" && vm.LastSeenFrom == ""
}

// Summary is the result line, read out after every search.
func (vm UsersVM) Summary() string {
	noun := func(n int) string {
		if n == 1 {
			return "user"
		}
		return "users"
	}
	switch {
	case !vm.TotalExact && vm.Q != "":
		return "More than " + Number(vm.Total) + " users match “" + vm.Q + "”"
	case !vm.TotalExact:
		return "More than " + Number(vm.Total) + " users"
	case vm.Q != "" && vm.Total > 0:
		return Number(vm.Total) + " " + noun(vm.Total) + " match “" + vm.Q + "”"
	default:
		return Number(vm.Total) + " " + noun(vm.Total)
	}
}

// PagerText is "Page 2 of 7", or "Page 2" when the total is a lower bound.
func (vm UsersVM) PagerText() string {
	if !vm.TotalExact {
		return "Page " + Number(vm.Page)
	}
	return "Page " + Number(vm.Page) + " of " + Number(vm.TotalPages())
}

// TotalPages is the number of pages (a lower bound when the total is).
func (vm UsersVM) TotalPages() int {
	size := vm.Limit
	if size == 0 {
		size = contract.DefaultLimit
	}
	return max((vm.Total+size-1)/size, 1)
}

// ShowPager reports whether there is more than one page.
func (vm UsersVM) ShowPager() bool { return vm.Page > 1 || vm.HasNext }

// EmptyMessage explains an empty filtered list.
func (vm UsersVM) EmptyMessage() string {
	switch {
	case vm.Q != "" && vm.Status != "":
		return "No users in “" + UserStatusLabel(vm.Status) + "” match “" + vm.Q + "”."
	case vm.Q != "":
		return "No users match “" + vm.Q + "”. Search looks at names, usernames and exact user ids."
	case vm.Page > 1:
		return "This page is past the end of the list."
	case vm.Status == models.UserStatusBlocked:
		return "You have not blocked anyone. Blocked users' messages are recorded but not answered, and broadcasts skip them."
	case vm.Status == models.UserStatusBotBlocked:
		return "Nobody has blocked the bot in Telegram."
	case vm.Status == models.UserStatusActive:
		return "No active users: everyone has blocked the bot or been blocked."
	default:
		return "No users to show."
	}
}

// UserRowVM is one row of the users table.
type UserRowVM struct {
	BotID   string
	User    models.BotUser
	NoPhoto bool
	Cells   []string // the property columns' values, in the list's column order
	Back    string   // the list URL, where a form without JavaScript returns
	Focus   bool     // after an htmx swap: focus the row's action button
}

// Rows builds the table rows.
func (vm UsersVM) Rows() []UserRowVM {
	rows := make([]UserRowVM, len(vm.Users))
	for i, u := range vm.Users {
		rows[i] = UserRowVM{BotID: vm.Bot.ID, User: u, NoPhoto: vm.NoPhoto[u.UserID], Back: vm.Self()}
		for _, c := range vm.Cols {
			rows[i].Cells = append(rows[i].Cells, PropText(vm.Props[u.UserID][c]))
		}
	}
	return rows
}

// ID is the row's element id.
func (r UserRowVM) ID() string { return "user-" + strconv.FormatInt(r.User.UserID, 10) }

// Path is the user's URL below the bot.
func (r UserRowVM) Path(action string) string {
	return "/bots/" + r.BotID + "/users/" + strconv.FormatInt(r.User.UserID, 10) + "/" + action
}

// DisplayName is the name, or the user id when Telegram gave none.
func (r UserRowVM) DisplayName() string { return UserDisplayName(&r.User) }

// UserDisplayName is a user's name, or "User 123" without one.
func UserDisplayName(u *models.BotUser) string {
	if n := strings.TrimSpace(u.Name); n != "" {
		return n
	}
	if n := models.FullName(u.FirstName, u.LastName); n != "" {
		return n
	}
	return "User " + strconv.FormatInt(u.UserID, 10)
}

// Initials are up to two letters of the name for the avatar fallback.
func (r UserRowVM) Initials() string { return Initials(&r.User) }

// Initials are up to two letters from a user's first and last name.
func Initials(u *models.BotUser) string {
	first, last := u.FirstName, u.LastName
	if first == "" && last == "" {
		first, _, _ = strings.Cut(u.Name, " ")
	}
	var out []rune
	for _, s := range []string{first, last} {
		for _, r := range s {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// AvatarClass colours the initials fallback by user id, so neighbours
// differ; every pair has at least 4.5:1 contrast.
func (r UserRowVM) AvatarClass() string {
	classes := []string{
		"bg-indigo-100 text-indigo-900", "bg-emerald-100 text-emerald-900", "bg-amber-100 text-amber-900",
		"bg-rose-100 text-rose-900", "bg-sky-100 text-sky-900", "bg-violet-100 text-violet-900",
	}
	return classes[int(r.User.UserID%int64(len(classes)))]
}

// Language is the user's interface language, or an em dash.
func (r UserRowVM) Language() string {
	if r.User.LanguageCode == "" {
		return "—"
	}
	return r.User.LanguageCode
}

// LastSeenText is when the user was last active.
func (r UserRowVM) LastSeenText() string {
	if !r.User.Seen() {
		return "never" // imported, not yet seen by the bot
	}
	return Ago(r.User.LastSeenAt)
}

// CSVHeaderWith is the export's header with property columns after the
// user's fields, named prop.NAME.
func CSVHeaderWith(cols []string) []string {
	h := append([]string(nil), CSVHeader...)
	for _, c := range cols {
		h = append(h, "prop."+c)
	}
	return h
}

// CSVPropCells appends a user's property columns to a CSV record.
func CSVPropCells(rec []string, props map[string]any, cols []string) []string {
	for _, c := range cols {
		rec = append(rec, CSVText(PropText(props[c])))
	}
	return rec
}

// TagResult is the toast after a bulk tag change.
func TagResult(add, remove []string, changed int64) string {
	users := func(n int64) string {
		if n == 1 {
			return "1 user"
		}
		return Number(int(n)) + " users"
	}
	switch {
	case len(add) == 1 && len(remove) == 0:
		return "Added the tag “" + add[0] + "” to " + users(changed) + "."
	case len(remove) == 1 && len(add) == 0:
		return "Removed the tag “" + remove[0] + "” from " + users(changed) + "."
	case changed == 1:
		return "1 tag changed."
	}
	return Number(int(changed)) + " tags changed."
}

// CSVHeader is the first row of the users export: the JSON field names.
var CSVHeader = []string{"userId", "username", "firstName", "lastName", "name", "languageCode", "isPremium",
	"startedAt", "lastSeenAt", "blocked", "botBlocked"}

// CSVRecord is one user as a row of the export, in CSVHeader's order.
// Text a spreadsheet could run as a formula is neutralised.
func CSVRecord(u *models.BotUser, rec []string) []string {
	return append(rec[:0],
		strconv.FormatInt(u.UserID, 10), CSVText(u.Username), CSVText(u.FirstName), CSVText(u.LastName), CSVText(u.Name),
		CSVText(u.LanguageCode), strconv.FormatBool(u.IsPremium),
		u.StartedAt.UTC().Format(time.RFC3339), u.LastSeenAt.UTC().Format(time.RFC3339),
		strconv.FormatBool(u.Blocked), strconv.FormatBool(u.BotBlocked))
}

// CSVText guards a cell against formula injection (OWASP "CSV
// Injection"): a value starting with = + - @, a tab or a carriage return
// would be evaluated by Excel, LibreOffice or Google Sheets, so it is
// prefixed with a single quote and shown as text. Names come from Telegram
// users, who can type anything.
func CSVText(s string) string {
	if s == "" {
		return s
	}
	switch r, _ := utf8.DecodeRuneInString(s); r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// AvatarPlaceholderSVG is what the photo route serves to an <img> when
// there is no photo to show (none, unknown user, Telegram failed): the
// user's initials when known (u may be nil), else a neutral silhouette.
// An <img> runs no script in an SVG, and the text is escaped anyway.
func AvatarPlaceholderSVG(u *models.BotUser) string {
	const head = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">`
	if u == nil {
		return head + `<rect width="64" height="64" rx="32" fill="#e2e8f0"/>` +
			`<circle cx="32" cy="25" r="11" fill="#94a3b8"/><path d="M12 54c3-11 11-17 20-17s17 6 20 17" fill="#94a3b8"/></svg>`
	}
	return head + `<rect width="64" height="64" rx="32" fill="#e0e7ff"/>` +
		`<text x="32" y="32" dy="0.35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="24" font-weight="600" fill="#312e81">` +
		html.EscapeString(Initials(u)) + `</text></svg>`
}

// TagURL toggles a tag filter: the list narrowed to users with the tag,
// or, when it already is, without that narrowing.
func (vm UsersVM) TagURL(tag string) string {
	cp := vm
	cp.Audience.Tags = nil
	for _, t := range vm.Audience.Tags {
		if t != tag {
			cp.Audience.Tags = append(cp.Audience.Tags, t)
		}
	}
	if !vm.TagActive(tag) {
		cp.Audience.Tags = append(cp.Audience.Tags, tag)
	}
	return cp.URL(vm.Status, vm.Sort, 1)
}

// TagActive reports whether the list is narrowed to users with tag.
func (vm UsersVM) TagActive(tag string) bool { return slices.Contains(vm.Audience.Tags, tag) }

// ColShown reports whether a property is shown as a column.
func (vm UsersVM) ColShown(name string) bool { return slices.Contains(vm.Cols, name) }

// Field is a form field's name and value.
type Field struct{ Name, Value string }

// BulkFields are the list's filter as hidden fields of the bulk bar's
// form: "all matching" tags exactly what the list shows, and the answer
// is the same list again.
func (vm UsersVM) BulkFields() []Field {
	var out []Field
	q := vm.query(vm.Status, vm.Sort, vm.Page)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name := k
		if p, ok := strings.CutPrefix(k, "prop."); ok {
			name = "prop[" + p + "]" // a form body's map syntax (prop.NAME is a URL's)
		}
		for _, v := range q[k] {
			out = append(out, Field{name, v})
		}
	}
	return out
}

// TotalText is the number of matching users for the bulk bar's "all
// matching" choice.
func (vm UsersVM) TotalText() string {
	if !vm.TotalExact {
		return "more than " + Number(vm.Total)
	}
	return Number(vm.Total)
}

// TagsPath is the bulk tag route.
func (vm UsersVM) TagsPath() string { return vm.base() + "/tags" }

// ColumnsPath keeps the member's column choice (posted by the picker when
// the list is filtered, so the next visit shows the same columns).
func (vm UsersVM) ColumnsPath() string { return vm.base() + "/columns" }

// StreamURL is the event stream of the bot's new users.
func (vm UsersVM) StreamURL() string { return eventsURL(vm.Bot.ID, "users", "") }

// LiveTrigger refreshes the list when users join, at most every two
// seconds, and when the stream (re)connects.
func (vm UsersVM) LiveTrigger() string {
	return "sse:users throttle:2s, htmx:sseOpen from:#live"
}

// SaveSegmentURL opens the segment form with the list's audience filters,
// or "" when none is set.
func (vm UsersVM) SaveSegmentURL() string {
	if vm.Audience.Empty() {
		return ""
	}
	v := vm.query("", "", 0)
	v.Del("q")
	v.Del("segment")
	v.Del("limit")
	return "/bots/" + vm.Bot.ID + "/segments/new?" + v.Encode()
}
