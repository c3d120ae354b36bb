package views

import (
	"net/url"
	"strconv"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// NotificationsVM is the notifications page: one page of the member's
// notifications, all or only unread.
type NotificationsVM struct {
	Items      []models.Notification
	UnreadOnly bool
	Page       int
	Limit      int
	Total      int
	Unread     int64 // unread in all
}

// Self is the URL of this page of the list.
func (vm NotificationsVM) Self() string { return vm.href(vm.UnreadOnly, vm.Page) }

func (vm NotificationsVM) href(unread bool, page int) string {
	q := url.Values{}
	if unread {
		q.Set("unread", "true")
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if vm.Limit != 0 && vm.Limit != contract.DefaultLimit {
		q.Set("limit", strconv.Itoa(vm.Limit))
	}
	if len(q) == 0 {
		return "/notifications"
	}
	return "/notifications?" + q.Encode()
}

// Tabs are All and Unread (with the unread count).
func (vm NotificationsVM) Tabs() []StatusTab {
	return []StatusTab{
		{Label: "All", Href: vm.href(false, 1), Current: !vm.UnreadOnly},
		{Label: "Unread", Href: vm.href(true, 1), Count: int(vm.Unread), Counted: true, Current: vm.UnreadOnly},
	}
}

// Pager pages the list.
func (vm NotificationsVM) Pager() components.PagerVM {
	limit := vm.Limit
	if limit == 0 {
		limit = contract.DefaultLimit
	}
	return components.PagerVM{Page: vm.Page, TotalPages: (vm.Total + limit - 1) / limit, Total: vm.Total,
		Noun: "notifications", Href: func(p int) string { return vm.href(vm.UnreadOnly, p) }}
}

// EmptyTitle and EmptyText are the empty state of the list.
func (vm NotificationsVM) EmptyTitle() string {
	if vm.UnreadOnly {
		return "All caught up"
	}
	return "No notifications yet"
}

// EmptyText says what will appear here.
func (vm NotificationsVM) EmptyText() string {
	if vm.UnreadOnly {
		return "Nothing unread. New notifications appear here and on the bell at the top of every page."
	}
	return "Botdeck tells you here when a bot needs attention, its relay or code fails, a broadcast ends or someone writes to a bot for the first time."
}

// Summary is the list's state for screen readers.
func (vm NotificationsVM) Summary() string {
	switch vm.Unread {
	case 0:
		return "No unread notifications."
	case 1:
		return "1 unread notification."
	}
	return Number(vm.Unread) + " unread notifications."
}

// KindLabel names a notification kind for people.
func KindLabel(kind string) string {
	switch kind {
	case models.NotifyBotWarning:
		return "Bot warnings"
	case models.NotifyBotError:
		return "Bot errors"
	case models.NotifyRelayFailing:
		return "Relay failures"
	case models.NotifyHandlerErrors:
		return "Code errors"
	case models.NotifyBroadcastDone:
		return "Broadcasts finished"
	case models.NotifyBroadcastFailed:
		return "Broadcasts stopped"
	case models.NotifyNewConversation:
		return "New conversations"
	}
	return kind
}

// KindHint explains a kind on the settings page.
func KindHint(kind string) string {
	switch kind {
	case models.NotifyBotWarning:
		return "A bot's webhook stops delivering or it loses admin rights in a tracked chat, and when that is fixed."
	case models.NotifyBotError:
		return "Telegram rejects a bot's token, and when it accepts it again."
	case models.NotifyRelayFailing:
		return "Updates stop reaching your own server, and when they reach it again."
	case models.NotifyHandlerErrors:
		return "A bot's code throws: at most one notification per bot every 10 minutes."
	case models.NotifyBroadcastDone:
		return "A broadcast reached everyone it could."
	case models.NotifyBroadcastFailed:
		return "Botdeck paused a broadcast because too many messages failed."
	case models.NotifyNewConversation:
		return "Someone writes to a bot for the first time."
	}
	return ""
}

// NotificationSettingsVM is the settings page: each kind's choices.
type NotificationSettingsVM struct {
	Settings       map[string]contract.NotificationSetting
	TelegramLinked bool // the member linked a Telegram account
}

// SettingRow is one kind on the settings page.
type SettingRow struct {
	Kind string
	contract.NotificationSetting
}

// Rows lists the kinds in order.
func (vm NotificationSettingsVM) Rows() []SettingRow {
	out := make([]SettingRow, 0, len(models.NotificationKinds))
	for _, k := range models.NotificationKinds {
		out = append(out, SettingRow{Kind: k, NotificationSetting: vm.Settings[k]})
	}
	return out
}

// BellVM is the header's bell: the unread count.
type BellVM struct {
	Unread int64
}
