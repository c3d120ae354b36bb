package events

import "strconv"

// The data of each kind, and constructors that build a publishable Event.
// A page reacting to an event usually fetches its fragment again; the data
// lets API clients (and pages that need no more) act without a request.

// BotData is the data of a KindBot event.
type BotData struct {
	Status       string `json:"status"`       // active, stopped, warning, error, deleted
	StatusReason string `json:"statusReason"` // why, for warning and error
}

// BotStatus is the event of a bot whose status (or its reason) changed.
func BotStatus(scope, botID, status, reason string) Event {
	return Event{Scope: scope, BotID: botID, Kind: KindBot, Subject: botID,
		Data: marshal(BotData{Status: status, StatusReason: reason})}
}

// BroadcastData is the data of a KindBroadcast event.
type BroadcastData struct {
	ID           string `json:"id"`
	Status       string `json:"status"` // queued, running, paused, done, cancelled, failed
	StatusReason string `json:"statusReason"`
	Total        int64  `json:"total"`
	Sent         int64  `json:"sent"`
	Failed       int64  `json:"failed"`
	Blocked      int64  `json:"blocked"`
	Skipped      int64  `json:"skipped"`
	Unconfirmed  int64  `json:"unconfirmed"`
	Pending      int64  `json:"pending"`
}

// BroadcastProgress is the event of a broadcast whose status or counts
// changed. Its subject is the broadcast id.
func BroadcastProgress(scope, botID string, d BroadcastData) Event {
	return Event{Scope: scope, BotID: botID, Kind: KindBroadcast, Subject: d.ID, Data: marshal(d)}
}

// MessageData is the data of a KindMessage event: messages were recorded
// in the conversation with UserID (several, when one batch of updates
// carried more than one), the latest being MessageID.
type MessageData struct {
	UserID    int64  `json:"userId"`
	MessageID int64  `json:"messageId"` // the latest message
	Direction string `json:"direction"` // of the latest: in or out
	Count     int    `json:"count"`     // how many messages this event stands for
}

// Message is the event of messages recorded in a conversation. Its
// subject is the Telegram user id, so a conversation's page can follow
// only its own.
func Message(scope, botID string, d MessageData) Event {
	return Event{Scope: scope, BotID: botID, Kind: KindMessage, Subject: strconv.FormatInt(d.UserID, 10), Data: marshal(d)}
}

// ConversationData is the data of a KindConversation event.
type ConversationData struct {
	UserID int64  `json:"userId"`
	Status string `json:"status"` // open or done
	Unread int64  `json:"unread"`
}

// ConversationChanged is the event of a conversation marked read, open or
// done. Its subject is the Telegram user id.
func ConversationChanged(scope, botID string, d ConversationData) Event {
	return Event{Scope: scope, BotID: botID, Kind: KindConversation, Subject: strconv.FormatInt(d.UserID, 10), Data: marshal(d)}
}

// UsersData is the data of a KindUsers event.
type UsersData struct {
	TotalUsers int64 `json:"totalUsers"` // the bot's audience now
}

// UsersJoined is the event of people joining a bot's audience (new users
// seen for the first time). It is throttled: one event stands for every
// user who joined since the previous one.
func UsersJoined(scope, botID string, totalUsers int64) Event {
	return Event{Scope: scope, BotID: botID, Kind: KindUsers, Subject: botID, Data: marshal(UsersData{TotalUsers: totalUsers})}
}
