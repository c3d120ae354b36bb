package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/replies"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

// replyEditorJS is the built script the editor page loads.
var replyEditorJS []string

// tryState is the simulator's last exchange, drawn on the list page.
type tryState struct {
	in  contract.TryRepliesRequest
	out *replies.TryResult
}

func (h *Replies) listPage(*http.Request, *models.Bot, []models.Reply, *tryState) web.View {
	return nil
}

func (h *Replies) listFragment(*http.Request, *models.Bot, []models.Reply) web.View { return nil }

func (h *Replies) editorPage(*http.Request, *models.Bot, *models.Reply, *contract.ReplyRequest, apperr.FieldErrors, string) web.View {
	return nil
}

func (h *Replies) formAgain(*http.Request, *models.Bot, *models.Reply, *contract.ReplyRequest) web.FormView {
	return nil
}

func (h *Replies) tryAgain(*http.Request, *models.Bot, *contract.TryRepliesRequest) web.FormView {
	return nil
}

func (h *Replies) tryFragment(contract.TryRepliesRequest, replies.TryResult) web.View { return nil }
