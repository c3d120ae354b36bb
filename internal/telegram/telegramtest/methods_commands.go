package telegramtest

import (
	"encoding/json"
	"net/http"
	"regexp"

	"github.com/mymmrac/telego"
)

// commandName is what Telegram accepts as a menu command.
var commandName = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// setMyCommands keeps the bot's menu (the default scope only), checking it
// as Telegram does: at most 100 commands, names of 1–32 of a-z, 0-9 and _,
// descriptions of 1–256 characters.
func (s *Server) setMyCommands(_ *http.Request, b *botState, p params) (any, string, *apiError) {
	raw := p.object("commands")
	if raw == nil {
		return nil, "", badRequest("parameter \"commands\" is required")
	}
	var cmds []telego.BotCommand
	if err := json.Unmarshal(raw, &cmds); err != nil {
		return nil, "", badRequest("can't parse commands JSON object")
	}
	if len(cmds) > 100 {
		return nil, "", badRequest("too many commands specified")
	}
	for _, c := range cmds {
		if !commandName.MatchString(c.Command) {
			return nil, "", badRequest("BOT_COMMAND_INVALID")
		}
		if n := len([]rune(c.Description)); n == 0 || n > 256 {
			return nil, "", badRequest("BOT_COMMAND_DESCRIPTION_INVALID")
		}
	}
	if cmds == nil {
		cmds = []telego.BotCommand{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b.commands = cmds
	return true, "", nil
}

// Commands returns the menu the bot last published with setMyCommands (nil
// when it never did).
func (s *Server) Commands(token string) []telego.BotCommand {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.anyBotLocked(token); b != nil && b.commands != nil {
		return append([]telego.BotCommand(nil), b.commands...)
	}
	return nil
}
