// Package botapi is the Bot API as Botdeck offers it to bots it manages:
// the proxy at /botapi/bot{TOKEN}/{method} (a framework pointed at it keeps
// working while Botdeck takes the updates) and the Forwarder, the one place
// where what a bot's own code asks of Telegram leaves Botdeck.
package botapi
