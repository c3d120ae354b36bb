package outbox

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/botdeck/botdeck/internal/telegram"
)

// outcome is what a sendMessage answer means for the recipient.
type outcome int

const (
	outcomeSent         outcome = iota
	outcomeFlood                // 429: wait retry_after, send the same message again
	outcomeBlocked              // 403 blocked by the user / user deactivated: mark and move on
	outcomeUnauthorized         // 401: the token was revoked; stop the bot's broadcasts
	outcomeRetry                // not delivered, may work later: Bot API 5xx, or the request never left
	outcomeUnknown              // no answer after the request left: may have been delivered
	outcomeFailed               // refused for good (400 chat not found, other 403s, …)
)

// classify decides what a sendMessage error means. Only answers from
// Telegram, or failures that prove the request never reached it, allow a
// resend; anything else could deliver the message twice.
func classify(err error) outcome {
	if err == nil {
		return outcomeSent
	}
	var te *telegram.Error
	if !errors.As(err, &te) {
		return outcomeUnknown
	}
	switch {
	case errors.Is(err, telegram.ErrTooManyRequests):
		return outcomeFlood
	case errors.Is(err, telegram.ErrUnauthorized):
		return outcomeUnauthorized
	case errors.Is(err, telegram.ErrForbidden):
		d := strings.ToLower(te.Description)
		if strings.Contains(d, "blocked by the user") || strings.Contains(d, "user is deactivated") {
			return outcomeBlocked
		}
		return outcomeFailed
	case errors.Is(err, telegram.ErrServer):
		return outcomeRetry
	case errors.Is(err, telegram.ErrNetwork):
		if neverSent(err) {
			return outcomeRetry
		}
		return outcomeUnknown
	}
	return outcomeFailed
}

// neverSent reports whether a transport failure happened before the
// request could reach the Bot API: the connection was never established.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// describe is Telegram's words for a failure (never the token).
func describe(err error) string {
	if err == nil {
		return ""
	}
	var te *telegram.Error
	if errors.As(err, &te) {
		if te.Code == 0 {
			return "network error: " + te.Description
		}
		return fmt.Sprintf("%d %s", te.Code, te.Description)
	}
	return err.Error()
}
