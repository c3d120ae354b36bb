// Package relay delivers each bot's updates to the owner's own bot server,
// so a bot written with any framework keeps working behind Botdeck.
//
// Every stored update, after Botdeck processed it, is POSTed to the relay
// URL exactly as Telegram sent it (the same JSON, header
// X-Telegram-Bot-Api-Secret-Token with the relay's secret), in update_id
// order per bot. A 2xx answer means delivered; a Bot API method call in a
// 2xx JSON body (a "webhook reply") is executed through Botdeck
// (botapi.Forwarder). Anything else is retried with exponential backoff
// while later updates of that bot wait behind it; an update still failing
// 24 hours after it was received is given up on (as Telegram does), logged,
// and the line moves on. Delivery failing for 10 minutes puts the bot in
// warning with the reason, and back when an update gets through.
//
// State lives in bot_relays: the cursor (delivered_through), the retry
// state of the head update and a lease, so a restart resumes and exactly
// one instance delivers a bot's updates at a time (the cursor only moves
// while the lease is held). Every attempt is logged in relay_deliveries.
// Retention keeps updates an enabled relay has not delivered yet.
//
// The worker wakes when this instance processes an update (Worker.Handle is
// an ingest hook) and scans every second besides, which covers updates
// processed on another instance. Outgoing requests go through
// internal/safehttp: 10 s timeout, bounded answers, no redirects, and no
// private, loopback or link-local targets unless BOTDECK_RELAY_ALLOW_PRIVATE.
package relay
