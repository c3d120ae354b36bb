// Package outbox is the one way a bot says anything: replies, the bot's
// code, campaign greetings, dashboard messages, proxied calls and
// notifications are queued here and sent by one sender per bot, with one
// rate limiter per bot in which a person waiting for an answer goes first.
// (Broadcasts keep their own sender, internal/jobs.Broadcaster, and share
// the bot's limiter: see "Broadcasts" below.)
//
// # Queueing
//
// Enqueue inserts rows (models.OutboxMessage: bot, chat, Bot API method
// and JSON parameters or an upload reference, priority, origin, an
// idempotency key unique per bot) inside the caller's transaction, so an
// update and the answer it decided commit together or not at all, and a
// replayed update (same key) queues nothing twice. It wakes the sender at
// once: on this instance directly, on every instance of a PostgreSQL
// deployment by a NOTIFY delivered when the transaction commits. A wake-up
// that finds nothing (the transaction has not committed yet) is followed
// by a few quick looks (2 ms, 5 ms … 160 ms), so an answer leaves within
// milliseconds of its update's commit, not on a poll tick; a scan every
// second catches anything else (messages due later, retries).
//
// EnqueueQuiet (the answering hook and the bot's code) queues the same
// rows without waking anyone: the caller calls the returned function
// after its commit, so the sender finds the messages at its first look,
// and the NOTIFY is sent then, on its own, only when another instance
// holds the bot's lease. A NOTIFY inside a transaction takes PostgreSQL's
// database-wide notification lock at commit and keeps it until the commit
// is flushed, so transactions that notify commit one at a time: with
// answers for many bots at once that queue was most of the latency.
//
// # Who sends what
//
// Sending is leased per bot (outbox_leases): the instance holding a bot's
// lease sends all its messages, lowest priority number first, then oldest
// (PriorityPerson, PriorityGreeting, PriorityBroadcast). So the bot's rate
// is enforced in one place however many instances run. A holder renews
// its lease every Lease/3 and gives it up after IdleRelease with nothing
// to send; after a crash another instance takes over once the lease
// expires. Messages are claimed by a conditional UPDATE that also
// requires the lease to be held in the sender's epoch and the row to be
// still queued: several at once when the gate lets a batch of answers
// through together (at most one per chat, as many as workers are free), so
// the answers of one processing batch cost one look and one claim.
//
// Pacing: each call takes a slot of the bot's Gate (Config.Rate per
// second, default 30 — Telegram's limit across chats: never more in any
// one second; broadcasts and greetings evenly spaced, answers to people
// up to 4 back to back while the last second leaves room for them, so a
// batch's answers leave together), and
// a chat gets at most one call in flight (its messages arrive in order)
// and its own pace (1 message/s with a burst of 3 in private chats, 20 a
// minute in groups). A 429 holds the whole gate for retry_after and
// queues the same message again, not counted as an attempt.
//
// # Outcomes, and why a message is never sent twice
//
// A message goes out in three steps: claim (committed, status sending),
// the call, record the answer. Once claimed, the call and the record run
// to the end even if the sender is stopped. Final outcomes are written by
// one recorder per instance in batches (every outcome that arrived while
// the previous batch was written, all bots together: one commit for the
// outcomes, one for their observers such as the conversation record); a
// bot's sender waits for its outcomes to be written before it gives up
// the lease. Telegram's answer decides:
//
//   - ok: sent, with the message_id;
//   - 429: queued again after retry_after;
//   - 403 "blocked by the user" / "user is deactivated": failed, and the
//     bot user is marked as having blocked the bot;
//   - 401: failed, and the bot is put in error (its other queued messages
//     fail with the reason when the sender next reads the bot);
//   - 5xx, or a transport failure before the request left (dial, DNS):
//     retried with back-off, MaxAttempts in all, then failed;
//   - 400 and other refusals: failed, with Telegram's reason kept and
//     logged in the bot's log;
//   - no answer after the request left (a timeout, a connection broken
//     mid-request), or a sender that died between claim and record: the
//     message is "unconfirmed" and never repeated. The Bot API has no
//     idempotency key and no way to ask whether a message arrived, so
//     repeating could say the same thing twice in a person's chat — worse
//     than a gap, which is bounded (Workers messages per bot per crash)
//     and shown in the bot's log.
//
// # Uploads
//
// A message may name a stored upload (a reply's photo or document). The
// first send for a bot posts its bytes (multipart); the file_id Telegram
// answers with is remembered per bot (Files) and used from then on.
//
// # Broadcasts
//
// The broadcaster sends through the same Gate of the bot at
// PriorityBroadcast, so on one instance every free slot goes to a waiting
// reply first: a broadcast never makes a /start wait more than one slot.
// Across instances a gate is per process, so the two leases are kept on
// one instance: the outbox lease is not taken while another instance holds
// the bot's broadcast lease, and the broadcaster does not take a bot whose
// outbox lease another instance holds (it waits for that lease to be
// released, at most IdleRelease after the last reply). Both checks are
// made before taking a lease, not atomically with it, so two instances
// starting at the same instant may send for one bot side by side until
// the outbox lease is next released; a 429 then holds that instance's
// gate and nothing is lost. And an instance that dies holding a bot's
// broadcast lease holds up that bot's replies too, until the lease expires
// (the broadcaster's Lease, 30 s by default).
package outbox
