// Package telegram is Botdeck's Bot API client.
//
// One Client serves every bot: methods take the bot token as their first
// argument after the context. Bot API objects are telego's types
// (github.com/mymmrac/telego); the client only adds what Botdeck needs on
// top: raw update JSON for the ingest pipeline, one error type with
// errors.Is classes (ErrUnauthorized, ErrForbidden, ErrTooManyRequests, …),
// per-call deadlines that fit long polling, and the guarantee that a token
// never shows up in an error string.
//
// Consumers own the interfaces they need; tests point a
// Client at a telegramtest.Server through Options.BaseURL.
package telegram
