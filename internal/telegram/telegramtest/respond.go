package telegramtest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answer exactly as the Bot API shapes it.
type apiError struct {
	Code        int
	Description string
	RetryAfter  int   // seconds; sent as parameters.retry_after
	MigrateTo   int64 // sent as parameters.migrate_to_chat_id
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Description) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{Code: http.StatusBadRequest, Description: "Bad Request: " + fmt.Sprintf(format, args...)}
}

// Texts as real Telegram answers them.
var (
	errUnauthorized          = &apiError{Code: 401, Description: "Unauthorized"}
	errNotFound              = &apiError{Code: 404, Description: "Not Found"}
	errMethodNotFound        = &apiError{Code: 404, Description: "Not Found: method not found"}
	errChatNotFound          = badRequest("chat not found")
	errUserNotFound          = badRequest("user not found")
	errBlocked               = &apiError{Code: 403, Description: "Forbidden: bot was blocked by the user"}
	errDeactivated           = &apiError{Code: 403, Description: "Forbidden: user is deactivated"}
	errWebhookActive         = &apiError{Code: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	errTerminatedByOtherPoll = &apiError{Code: 409, Description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
	errTerminatedBySetHook   = &apiError{Code: 409, Description: "Conflict: terminated by setWebhook request"}
	errTextEmpty             = badRequest("message text is empty")
	errTextTooLong           = badRequest("message is too long")
	errUnsupportedParseMode  = badRequest("unsupported parse_mode")
	errNoInviteRights        = badRequest("not enough rights to manage chat invite link")
	errLimitWithJoinRequest  = badRequest("member limit can't be specified for links requiring administrator approval")
	errInviteNameTooLong     = badRequest("invite link name must be at most 32 characters long")
	errInviteLinkUnknown     = badRequest("INVITE_HASH_EXPIRED")
	errHideRequesterMissing  = badRequest("HIDE_REQUESTER_MISSING")
	errChatAdminRequired     = badRequest("CHAT_ADMIN_REQUIRED")
	errInvalidFileID         = badRequest("invalid file_id")
	errBadSecretToken        = badRequest("secret token contains unallowed characters")
)

func tooManyRequests(retryAfter int) *apiError {
	return &apiError{Code: 429, Description: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), RetryAfter: retryAfter}
}

// okAnswer is {"ok":true,"result":…} with the optional description some
// methods add ("Webhook was set").
type okAnswer struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result"`
	Description string `json:"description,omitempty"`
}

type errorAnswer struct {
	OK          bool              `json:"ok"`
	ErrorCode   int               `json:"error_code"`
	Description string            `json:"description"`
	Parameters  *answerParameters `json:"parameters,omitempty"`
}

type answerParameters struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

func writeResult(w http.ResponseWriter, result any, description string) {
	writeJSON(w, http.StatusOK, okAnswer{OK: true, Result: result, Description: description})
}

func writeError(w http.ResponseWriter, e *apiError) {
	ans := errorAnswer{ErrorCode: e.Code, Description: e.Description}
	if e.RetryAfter > 0 || e.MigrateTo != 0 {
		ans.Parameters = &answerParameters{RetryAfter: e.RetryAfter, MigrateToChatID: e.MigrateTo}
	}
	writeJSON(w, e.Code, ans)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
