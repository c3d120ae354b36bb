package views

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// BotListVM is the view model of the bot list.
type BotListVM struct {
	Q, Status, Sort string
	Bots            []models.Bot
	Counts          map[string]int
	Pagination      contract.Pagination
}

// NewBotListVM builds the list view model.
func NewBotListVM(in contract.ListBotsRequest, bots []models.Bot, counts map[string]int, p contract.Pagination) BotListVM {
	return BotListVM{Q: in.Q, Status: in.Status, Sort: in.Sort, Bots: bots, Counts: counts, Pagination: p}
}

// HasAnyBot reports whether the account has ever connected a bot.
func (vm BotListVM) HasAnyBot() bool {
	for _, n := range vm.Counts {
		if n > 0 {
			return true
		}
	}
	return false
}

// URL is the list URL with the current filters and the given changes.
func (vm BotListVM) URL(status, sort string, page int) string {
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
	if vm.Pagination.Limit != 0 && vm.Pagination.Limit != contract.DefaultLimit {
		v.Set("limit", strconv.Itoa(vm.Pagination.Limit))
	}
	if len(v) == 0 {
		return "/bots"
	}
	return "/bots?" + v.Encode()
}

// PageURL links to another page of the same list.
func (vm BotListVM) PageURL(page int) string { return vm.URL(vm.Status, vm.Sort, page) }

// StatusTab is one tab of the status filter.
type StatusTab struct {
	Label, Href string
	Count       int
	Counted     bool // show Count beside the label
	Current     bool
}

// Tabs lists "All" and each status with its count.
func (vm BotListVM) Tabs() []StatusTab {
	all := 0
	for _, s := range models.BotStatuses {
		if s != models.BotDeleted {
			all += vm.Counts[s]
		}
	}
	tabs := []StatusTab{{Label: "All", Href: vm.URL("", vm.Sort, 1), Count: all, Counted: true, Current: vm.Status == ""}}
	for _, s := range models.BotStatuses {
		tabs = append(tabs, StatusTab{Label: StatusLabel(s), Href: vm.URL(s, vm.Sort, 1), Count: vm.Counts[s], Counted: true, Current: vm.Status == s})
	}
	return tabs
}

// SortOptions are the choices of the sort select.
func (vm BotListVM) SortOptions() [][2]string {
	return [][2]string{{"", "Newest first"}, {"created", "Oldest first"}, {"name", "Name"}, {"users", "Most users"}}
}

// EmptyMessage explains an empty filtered list.
func (vm BotListVM) EmptyMessage() string {
	switch {
	case vm.Q != "" && vm.Status != "":
		return "No " + strings.ToLower(StatusLabel(vm.Status)) + " bots match “" + vm.Q + "”."
	case vm.Q != "":
		return "No bots match “" + vm.Q + "”. Search looks at names and usernames."
	case vm.Status == models.BotDeleted:
		return "No disconnected bots. Bots you disconnect are kept here and can be restored by adding their token again."
	case vm.Status != "":
		return "No bots are " + strings.ToLower(StatusLabel(vm.Status)) + " right now."
	default:
		return "No bots to show."
	}
}

// StatusLabel is how a status reads in the interface.
func StatusLabel(s string) string {
	switch s {
	case models.BotActive:
		return "Active"
	case models.BotStopped:
		return "Stopped"
	case models.BotWarning:
		return "Warning"
	case models.BotError:
		return "Error"
	case models.BotDeleted:
		return "Disconnected"
	}
	return s
}

// statusClass colours a status badge; the label always carries the
// meaning, never the colour alone.
func statusClass(s string) string {
	switch s {
	case models.BotActive:
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/30"
	case models.BotStopped:
		return "bg-slate-100 text-slate-700 ring-slate-500/30"
	case models.BotWarning:
		return "bg-amber-50 text-amber-900 ring-amber-600/40"
	case models.BotError:
		return "bg-red-50 text-red-800 ring-red-600/30"
	default:
		return "bg-slate-50 text-slate-600 ring-slate-400/30"
	}
}

// ModeLabel names an update mode.
func ModeLabel(m string) string {
	if m == models.ModeWebhook {
		return "Webhook"
	}
	return "Long polling"
}

// ConnectBotVM is the view model of the connect form.
type ConnectBotVM struct {
	Token   string
	Errors  map[string]string
	Message string
	Polling bool // no public URL: bots will be long-polled
}
