package telegramtest

import (
	"net/http"
	"regexp"
	"strings"
)

// methodHandler answers one Bot API method. Handlers are called without
// Server.mu held and take it themselves; getUpdates must release it while
// it waits.
type methodHandler func(s *Server, r *http.Request, b *botState, p params) (result any, description string, err *apiError)

type methodEntry struct {
	name    string // canonical spelling, used for call counts and failures
	handler methodHandler
}

// methods is the implemented subset of the Bot API, keyed by lower-case name
// because Telegram matches method names case-insensitively.
var methods = func() map[string]methodEntry {
	m := map[string]methodEntry{}
	for name, h := range map[string]methodHandler{
		"getMe":                  (*Server).getMe,
		"setWebhook":             (*Server).setWebhook,
		"deleteWebhook":          (*Server).deleteWebhook,
		"getWebhookInfo":         (*Server).getWebhookInfo,
		"getUpdates":             (*Server).getUpdates,
		"sendMessage":            (*Server).sendMessage,
		"sendPhoto":              (*Server).sendPhoto,
		"sendDocument":           (*Server).sendDocument,
		"answerCallbackQuery":    (*Server).answerCallbackQuery,
		"deleteMessage":          (*Server).deleteMessage,
		"getChat":                (*Server).getChat,
		"getChatMember":          (*Server).getChatMember,
		"getChatAdministrators":  (*Server).getChatAdministrators,
		"getChatMemberCount":     (*Server).getChatMemberCount,
		"leaveChat":              (*Server).leaveChat,
		"createChatInviteLink":   (*Server).createChatInviteLink,
		"revokeChatInviteLink":   (*Server).revokeChatInviteLink,
		"approveChatJoinRequest": (*Server).approveChatJoinRequest,
		"declineChatJoinRequest": (*Server).declineChatJoinRequest,
		"getUserProfilePhotos":   (*Server).getUserProfilePhotos,
		"getFile":                (*Server).getFile,
		"setMyCommands":          (*Server).setMyCommands,
	} {
		m[strings.ToLower(name)] = methodEntry{name: name, handler: h}
	}
	return m
}()

// tokenShape is what Telegram's router accepts as a token at all; anything
// else is a 404 rather than a 401.
var tokenShape = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

// serveBotAPI answers /bot<token>/<method>.
func (s *Server) serveBotAPI(w http.ResponseWriter, r *http.Request, rest string) {
	token, method, ok := strings.Cut(rest, "/")
	if !ok || method == "" || strings.Contains(method, "/") || !tokenShape.MatchString(token) {
		writeError(w, errNotFound)
		return
	}
	entry, known := methods[strings.ToLower(method)]
	name := method
	if known {
		name = entry.name
	}

	// Reading the body first also lets net/http notice a client that hangs
	// up, which cancels r.Context() during an injected delay.
	p, perr := parseParams(r)

	s.mu.Lock()
	b, active := s.w.botsByToken[token]
	if !active {
		b = s.w.revoked[token]
	}
	var fail *FailSpec
	if b != nil {
		b.calls[name]++
		if active {
			fail = b.takeFailureLocked(name)
		}
	}
	s.mu.Unlock()

	if !active {
		writeError(w, errUnauthorized)
		return
	}
	if fail != nil && applyFailure(w, r, fail) {
		return
	}
	if !known {
		writeError(w, errMethodNotFound)
		return
	}
	if perr != nil {
		writeError(w, perr)
		return
	}
	result, desc, aerr := entry.handler(s, r, b, p)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	writeResult(w, result, desc)
}

// anyBotLocked finds a bot by its current or a revoked token, for setup and
// inspection calls that should keep working after RevokeToken.
func (s *Server) anyBotLocked(token string) *botState {
	if b, ok := s.w.botsByToken[token]; ok {
		return b
	}
	return s.w.revoked[token]
}

func (s *Server) getMe(_ *http.Request, b *botState, _ params) (any, string, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.user, "", nil
}
