package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"

	ta "github.com/mymmrac/telego/telegoapi"
)

// Upload is a file sent as bytes (multipart/form-data) in a method call.
type Upload struct {
	Field       string // the parameter it fills ("photo", "document")
	Name        string // file name Telegram shows
	ContentType string
	Data        []byte
}

// CallWithUpload invokes method with params and one file sent as bytes, and
// returns the raw result. Parameters that are not strings are sent
// JSON-encoded, as the Bot API expects in a multipart form (reply_markup).
func (c *Client) CallWithUpload(ctx context.Context, token, method string, params map[string]any, up Upload) (json.RawMessage, error) {
	if !methodName.MatchString(method) {
		return nil, errInvalidArgument("call", "method name must be 1-64 ASCII letters")
	}
	if !ValidTokenFormat(token) {
		return nil, errBadTokenFormat(method)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range params {
		if k == up.Field || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, errInvalidArgument(method, "parameter %s is not JSON-serializable", k)
			}
			s = string(b)
		}
		if err := mw.WriteField(k, s); err != nil {
			return nil, errInvalidArgument(method, "parameter %s: %s", k, err.Error())
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, up.Field, quoteless(up.Name)))
	ct := up.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(up.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, errInvalidArgument(method, "building the upload: %s", err.Error())
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	resp, err := c.caller.Call(ctx, c.methodURL(token, method), &ta.RequestData{
		ContentType: mw.FormDataContentType(),
		BodyRaw:     body.Bytes(),
	})
	if err != nil {
		return nil, mapError(method, token, err)
	}
	if !resp.Ok {
		return nil, fromAPIError(method, token, resp.Error)
	}
	return resp.Result, nil
}

// quoteless keeps a file name from breaking the part's header.
func quoteless(name string) string {
	name = strings.NewReplacer(`"`, "", "\r", "", "\n", "", `\`, "").Replace(name)
	if name == "" {
		return "file"
	}
	return name
}
