package views

import (
	"net/url"
	"strings"

	"github.com/botdeck/botdeck/models"
)

// Pages that update live name their GET /api/events stream with
// layout.Stream; the layout opens it (with the member's notifications) on
// #live, around the whole page, with the htmx SSE extension, and the parts
// that change fetch themselves again on hx-trigger="sse:<kind>".

// eventsURL is the stream of one bot's events of one kind, optionally
// about one object.
func eventsURL(botID, kind, subject string) string {
	q := url.Values{"bot": {botID}, "kind": {kind}}
	if subject != "" {
		q.Set("subject", subject)
	}
	return "/api/events?" + q.Encode()
}

// Live reports whether the broadcast can still change, so its page
// follows the event stream.
// A preparing broadcast follows it too: its page learns when its audience
// is frozen.
func (vm BroadcastVM) Live() bool {
	return vm.B.Active() || vm.B.Status == models.BroadcastPaused || vm.B.Status == models.BroadcastPreparing
}

// StreamURL is the event stream of this broadcast.
func (vm BroadcastVM) StreamURL() string { return eventsURL(vm.Bot.ID, "broadcast", vm.B.ID) }

// LiveTrigger refreshes the progress on each of the broadcast's events,
// and when the stream (re)connects: whatever happened before is caught up.
func (vm BroadcastVM) LiveTrigger() string {
	return "sse:broadcast, sse:reset, htmx:sseOpen from:#live"
}

// StreamURL is the event stream of the bot's status.
func (vm BotVM) StreamURL() string { return eventsURL(vm.Bot.ID, "bot", "") }

// StreamURL is the event stream of the bot's relay.
func (vm RelayVM) StreamURL() string { return eventsURL(vm.Bot.ID, "relay", "") }

// LiveURL is the tab as shown (filter and page kept), which the delivery
// state fetches again, with the deliveries table, on each relay event.
func (vm RelayVM) LiveURL() string {
	return strings.TrimSuffix(vm.PageURL(vm.Pagination.Page), "#deliveries")
}

// LiveTrigger refreshes on each relay event, and when the stream
// (re)connects: whatever happened before is caught up.
func (vm RelayVM) LiveTrigger() string {
	return "sse:relay, sse:reset, htmx:sseOpen from:#live"
}
