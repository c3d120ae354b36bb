package telegram

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"

	ta "github.com/mymmrac/telego/telegoapi"
)

// methodName is what a Bot API method name may be. Checking it keeps a
// caller-supplied name (from sandboxed user JavaScript) from adding path
// segments, a query string or a different host to the request URL.
var methodName = regexp.MustCompile(`^[A-Za-z]{1,64}$`)

// managedMethods are the ones Botdeck itself drives for every bot: update
// delivery and the bot's session with the Bot API server.
var managedMethods = map[string]bool{
	"getupdates": true, "setwebhook": true, "deletewebhook": true, "logout": true, "close": true,
}

// IsManagedMethod reports whether method (any case, as Telegram matches
// names case-insensitively) is one Botdeck manages itself. Sandboxed user
// code should be refused these: calling them would steal the bot's updates
// or log it out of the API server.
func IsManagedMethod(method string) bool {
	return managedMethods[strings.ToLower(method)]
}

// Call invokes any Bot API method with JSON parameters and returns the raw
// result. It serves bot.telegram.call in user handlers; typed methods are
// preferable everywhere else. params may be nil.
func (c *Client) Call(ctx context.Context, token, method string, params map[string]any) (json.RawMessage, error) {
	if !methodName.MatchString(method) {
		return nil, errInvalidArgument("call", "method name must be 1-64 ASCII letters")
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	return c.rawCall(ctx, token, method, params)
}

// rawCall posts params as JSON and returns the result unparsed. It is used
// where telego's typed methods would lose information: raw updates (unknown
// fields must survive) and explicitly empty lists that telego's omitempty tags
// would drop.
func (c *Client) rawCall(ctx context.Context, token, method string, params map[string]any) (json.RawMessage, error) {
	if !ValidTokenFormat(token) {
		return nil, errBadTokenFormat(method)
	}
	if params == nil {
		params = map[string]any{}
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, errInvalidArgument(method, "parameters are not JSON-serializable: %s", redact(err.Error(), token))
	}
	resp, err := c.caller.Call(ctx, c.methodURL(token, method), &ta.RequestData{
		ContentType: ta.ContentTypeJSON,
		BodyRaw:     body,
	})
	if err != nil {
		return nil, mapError(method, token, err)
	}
	if !resp.Ok {
		return nil, fromAPIError(method, token, resp.Error)
	}
	return resp.Result, nil
}
