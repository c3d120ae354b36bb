package contract

import (
	"time"

	"github.com/botdeck/botdeck/models"
)

// NotificationJSON is the API shape of a notification (schema Notification
// in handlers/openapi/notifications.yaml).
type NotificationJSON struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	BotID     string     `json:"botId"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	URL       string     `json:"url"`
	ReadAt    *time.Time `json:"readAt"`
	CreatedAt time.Time  `json:"createdAt"`
}

// NotificationOf is the API shape of n.
func NotificationOf(n *models.Notification) NotificationJSON {
	return NotificationJSON{ID: n.ID, Kind: n.Kind, BotID: n.BotID, Title: n.Title, Body: n.Body, URL: n.URL,
		ReadAt: n.ReadAt, CreatedAt: n.CreatedAt}
}

// ListNotificationsRequest pages a member's notifications, optionally
// only the unread ones.
type ListNotificationsRequest struct {
	Unread bool `json:"unread" form:"unread"`
	Page   `form:",inline"`
}

// MarkNotificationsReadRequest names the notifications to mark read: ids,
// or all of them.
type MarkNotificationsReadRequest struct {
	IDs []string `json:"ids" form:"ids" validate:"required_without=All,excluded_with=All,max=100,dive,max=64"`
	All bool     `json:"all" form:"all"`
}

// NotificationSetting is what a member wants for one kind of notification.
type NotificationSetting struct {
	InApp    bool `json:"inApp" form:"inApp"`
	Telegram bool `json:"telegram" form:"telegram"`
}

// NotificationSettingsRequest sets some kinds (kinds left out keep their
// setting). The settings page's form sends every kind, with Form set: a
// kind whose boxes are all unchecked arrives as nothing and means off.
type NotificationSettingsRequest struct {
	BotWarning      *NotificationSetting `json:"bot_warning" form:"bot_warning"`
	BotError        *NotificationSetting `json:"bot_error" form:"bot_error"`
	RelayFailing    *NotificationSetting `json:"relay_failing" form:"relay_failing"`
	HandlerErrors   *NotificationSetting `json:"handler_errors" form:"handler_errors"`
	BroadcastDone   *NotificationSetting `json:"broadcast_done" form:"broadcast_done"`
	BroadcastFailed *NotificationSetting `json:"broadcast_failed" form:"broadcast_failed"`
	NewConversation *NotificationSetting `json:"new_conversation" form:"new_conversation"`
	Form            bool                 `json:"-" form:"form"`
}

// Kinds returns the settings the request names, by kind.
func (r *NotificationSettingsRequest) Kinds() map[string]NotificationSetting {
	out := map[string]NotificationSetting{}
	for kind, s := range map[string]*NotificationSetting{
		models.NotifyBotWarning: r.BotWarning, models.NotifyBotError: r.BotError, models.NotifyRelayFailing: r.RelayFailing,
		models.NotifyHandlerErrors: r.HandlerErrors, models.NotifyBroadcastDone: r.BroadcastDone,
		models.NotifyBroadcastFailed: r.BroadcastFailed, models.NotifyNewConversation: r.NewConversation,
	} {
		switch {
		case s != nil:
			out[kind] = *s
		case r.Form:
			out[kind] = NotificationSetting{}
		}
	}
	return out
}

// NotificationSettingsJSON is every kind's setting, by kind.
type NotificationSettingsJSON map[string]NotificationSetting
