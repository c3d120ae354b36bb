package botapi

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
)

// Sends is what the proxy does around a call that says something to
// someone (sendMessage, sendPhoto, copyMessage, forwardMessage…): the
// bot's own server shares the bot's rate limit with everything Botdeck
// sends for it (Pace waits for a slot, as a person waiting: before
// broadcasts), and what it sent appears in the bot's conversations
// (Record gets Telegram's answer). Either may be nil.
type Sends struct {
	Pace   func(ctx context.Context, botID string) error
	Record func(ctx context.Context, botID string, answer []byte)
}

// maxRecorded bounds the answer read whole for recording; a larger one is
// streamed through unrecorded (no message answer comes near it).
const maxRecorded = 1 << 20

// isSend reports whether a Bot API method sends a message to a chat.
func isSend(method string) bool {
	m := strings.ToLower(method)
	return strings.HasPrefix(m, "send") && m != "sendchataction" ||
		m == "copymessage" || m == "copymessages" || m == "forwardmessage" || m == "forwardmessages"
}

// recordAnswer passes a successful answer to Record and returns the body
// to send on to the caller.
func (s Sends) recordAnswer(ctx context.Context, botID string, resp *http.Response) io.Reader {
	if s.Record == nil || resp.StatusCode != http.StatusOK {
		return resp.Body
	}
	head, err := io.ReadAll(io.LimitReader(resp.Body, maxRecorded+1))
	if err != nil || len(head) > maxRecorded {
		return io.MultiReader(bytes.NewReader(head), resp.Body)
	}
	s.Record(ctx, botID, head)
	return bytes.NewReader(head)
}
