package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/mymmrac/telego"
)

// DefaultMaxDownloadBytes is the Bot API's own limit for files bots download.
const DefaultMaxDownloadBytes = 20 << 20

// GetUserProfilePhotos returns up to limit (1-100) of the user's profile
// photos, newest first, each in several sizes.
func (c *Client) GetUserProfilePhotos(ctx context.Context, token string, userID int64, limit int) (*telego.UserProfilePhotos, error) {
	const method = "getUserProfilePhotos"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	photos, err := b.GetUserProfilePhotos(ctx, &telego.GetUserProfilePhotosParams{UserID: userID, Limit: limit})
	return photos, mapError(method, token, err)
}

// GetFile resolves a file_id to a File whose FilePath DownloadFile accepts.
func (c *Client) GetFile(ctx context.Context, token, fileID string) (*telego.File, error) {
	const method = "getFile"
	b, err := c.bot(method, token)
	if err != nil {
		return nil, err
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()
	f, err := b.GetFile(ctx, &telego.GetFileParams{FileID: fileID})
	return f, mapError(method, token, err)
}

// DownloadFile fetches a file by the FilePath from GetFile and returns its
// bytes and content type. The download URL embeds the token, so it is built,
// used and dropped here: proxy the bytes, never the URL. maxBytes <= 0 means
// DefaultMaxDownloadBytes; a larger file fails with ErrFileTooLarge.
func (c *Client) DownloadFile(ctx context.Context, token, filePath string, maxBytes int64) ([]byte, string, error) {
	const method = "downloadFile"
	if !ValidTokenFormat(token) {
		return nil, "", errBadTokenFormat(method)
	}
	escaped, ok := escapeFilePath(filePath)
	if !ok {
		return nil, "", errInvalidArgument(method, "invalid file path")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxDownloadBytes
	}
	ctx, cancel := c.withTimeout(ctx, 0)
	defer cancel()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/file/bot"+token+"/"+escaped, nil)
	if err != nil {
		return nil, "", mapError(method, token, transportError(ctx, err))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, "", mapError(method, token, transportError(ctx, err))
	}
	defer func() { _ = resp.Body.Close() }()

	if resp.StatusCode != http.StatusOK {
		return nil, "", mapError(method, token, downloadFailure(resp))
	}
	if resp.ContentLength > maxBytes {
		return nil, "", tooLarge(method, maxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, "", mapError(method, token, transportError(ctx, err))
	}
	if int64(len(data)) > maxBytes {
		return nil, "", tooLarge(method, maxBytes)
	}
	return data, contentType(resp, data), nil
}

// escapeFilePath accepts the relative paths getFile returns ("photos/file_3.jpg")
// and refuses anything that could step out of the bot's file directory.
func escapeFilePath(p string) (string, bool) {
	if p == "" || len(p) > 1024 {
		return "", false
	}
	segments := strings.Split(p, "/")
	for i, s := range segments {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "\\?#%") {
			return "", false
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				return "", false
			}
		}
		segments[i] = url.PathEscape(s)
	}
	return strings.Join(segments, "/"), true
}

// downloadFailure reads a non-200 file answer: the Bot API's JSON error when
// there is one, otherwise a network error (a proxy's page, not Telegram).
func downloadFailure(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var env envelope
	if json.Unmarshal(raw, &env) == nil && env.OK != nil && !*env.OK && env.ErrorCode != 0 {
		return &Error{Code: env.ErrorCode, Description: env.Description}
	}
	return notAnAnswer(resp)
}

func tooLarge(method string, maxBytes int64) error {
	return &Error{
		Method:      method,
		Description: fmt.Sprintf("file larger than %d bytes", maxBytes),
		cause:       ErrFileTooLarge,
	}
}

// contentType prefers the server's type and sniffs when it is missing or generic.
func contentType(resp *http.Response, data []byte) string {
	ct := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil && mt != "application/octet-stream" {
		return ct
	}
	return http.DetectContentType(data)
}
