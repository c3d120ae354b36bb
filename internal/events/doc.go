// Package events tells open pages and API clients what just happened — a
// message arrived, a broadcast moved on, a bot changed status — on every
// instance of a deployment.
//
// # Raising an event
//
// A feature publishes inside the transaction that makes the change:
//
//	err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
//		… the change …
//		return bus.Publish(ctx, tx, events.BotStatus(bot.OwnerID, bot.ID, bot.Status, bot.StatusReason))
//	})
//
// Publish appends a row to the events table, inside the transaction: an
// event of a change that rolls back is never seen by anyone. On
// PostgreSQL it then has the instance's notifier send a NOTIFY, outside
// the transaction, a few times over the next moments (notify.go): a NOTIFY
// inside it would make every publishing transaction of the database commit
// one at a time.
//
// # Delivery
//
// Each instance runs one reader (started by its first subscriber) that
// reads new rows of the events table in id order and hands each event to
// the subscribers of its scope on this instance. It is woken
//
//   - on PostgreSQL by LISTEN on one dedicated connection per instance
//     (github.com/jackc/pgxlisten): the publisher's notifier sends NOTIFYs
//     at once and 5, 25, 100, 400 and 1,500 ms after its latest publish,
//     so the readers of every instance look soon after the publishing
//     transaction has committed. After the connection is lost
//     (a PostgreSQL restart) the listener reconnects and the reader catches
//     up from the table;
//   - on SQLite (one process) by Publish itself, then by a short poll that
//     backs off while an event published inside a transaction has not
//     committed yet;
//   - and, on both, by a slow safety poll.
//
// Ids come from a sequence, so on PostgreSQL a transaction that took id 10
// may commit after one that took id 11. The reader remembers ids it skipped
// ("gaps") for a while (Config.GapHorizon) and reads them again, so an event
// that commits late is still delivered; an id that never appears (its
// transaction rolled back) is forgotten after the horizon.
//
// # Streams
//
// A subscriber gets only its scope's events (the owning account today; a
// workspace later), optionally narrowed by bot, kinds and subject. Its
// buffer is bounded: a subscriber that falls Config.Buffer deliveries behind
// is dropped (Subscription.Err is ErrLagging) rather than ever slowing the
// reader, the publishers or other subscribers; it reconnects and replays.
//
// Every delivery carries a Cursor: the last id the reader has passed plus
// the gaps it still waits for. Sent as the SSE id, it comes back as
// Last-Event-ID when the browser reconnects (to any instance), and
// Subscribe replays exactly the events of the scope the client has not
// seen — none twice, none lost, even for events that committed out of id
// order. A cursor older than the table keeps (Retention), or one needing
// more than Config.ReplayLimit events, gets a KindReset event instead: the
// page reloads what it shows.
//
// Close (at shutdown) ends every subscription at once, so streams end
// cleanly without holding the server's shutdown; Publish keeps working.
package events
