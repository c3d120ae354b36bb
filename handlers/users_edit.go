package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// Edit changes a user's properties and tags: PATCH with JSON from the
// API, one property or tag per form post from the user page (htmx swaps
// the properties and tags block; without JavaScript the page reloads).
func (h *Users) Edit(w http.ResponseWriter, r *http.Request) {
	var in contract.EditBotUserRequest
	userID, ok := userIDOf(r)
	if !ok {
		h.respond.Fail(w, r, apperr.NotFound("user"))
		return
	}
	// htmx: a refused edit redraws the block with what is wrong (a
	// browser without JavaScript gets the error page and goes back).
	var form web.FormView
	if web.IsFragment(r) {
		form = func(f apperr.FieldErrors, msg string) web.Response {
			return web.Response{Fragment: web.Render(func(ctx context.Context) (views.UserAttributesVM, error) {
				props, tags, err := h.audience.Attributes(ctx, web.OwnerOf(r), r.PathValue("id"), userID)
				return views.UserAttributesVM{Base: views.UserPath(r.PathValue("id"), userID), Props: props, Tags: tags,
					Error: views.FieldsText(msg, f)}, err
			}, views.UserAttributes)}
		}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	edit, err := in.Edit()
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	res, err := h.audience.EditUser(r.Context(), web.OwnerOf(r), r.PathValue("id"), userID, edit)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	base := views.UserPath(res.Bot.ID, userID)
	block := func(context.Context) (views.UserAttributesVM, error) {
		return views.UserAttributesVM{Base: base, Props: res.Props, Tags: res.Tags}, nil
	}
	h.respond.Respond(w, r, web.Response{
		Data: contract.BotUserAttributesJSON{
			BotUserJSON: contract.BotUserOf(res.User, apiPhotoURL(res.Bot.ID, userID, map[int64]bool{userID: res.NoPhoto}), res.Tags),
			Props:       res.Props, Tags: res.Tags,
		},
		Fragment: web.Render(block, views.UserAttributes),
		Redirect: base,
		Flash:    "Saved.",
	})
}
