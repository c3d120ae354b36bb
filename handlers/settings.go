package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Settings lists, sets and deletes a bot's settings (env.NAME in its code).
// A secret's value is write-only: no answer carries it.
type Settings struct {
	respond *web.Responder
	bind    *web.Binder
	code    *core.Code
}

// NewSettings returns the settings handlers.
func NewSettings(d Deps) *Settings { return &Settings{respond: d.Respond, bind: d.Bind, code: d.Code} }

// page draws the settings page around vm (the settings loaded when drawn).
func (h *Settings) page(r *http.Request, b *models.Bot, edit func(*views.SettingsVM)) web.View {
	userID := web.OwnerOf(r)
	return web.Render(func(ctx context.Context) (views.SettingsVM, error) {
		p, err := h.code.Settings(ctx, userID, b.ID)
		if err != nil {
			return views.SettingsVM{}, err
		}
		vm := views.NewSettingsVM(p.Bot, p.Settings)
		if vm.Sources, err = h.code.CopySources(ctx, userID, b.ID); err != nil {
			return vm, err
		}
		if edit != nil {
			edit(&vm)
		}
		return vm, nil
	}, views.SettingsPage)
}

// List shows the settings; the API answers [{name, value, secret, updatedAt}].
func (h *Settings) List(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	p, err := h.code.Settings(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(ctx context.Context) (views.SettingsVM, error) {
		vm := views.NewSettingsVM(p.Bot, p.Settings)
		var err error
		vm.Sources, err = h.code.CopySources(ctx, p.Bot.OwnerID, p.Bot.ID)
		return vm, err
	}
	data, pagination := contract.Slice(contract.SettingsJSON(p.Settings), in)
	h.respond.Respond(w, r, web.Response{Title: "Settings · " + p.Bot.Name, Page: web.Render(vm, views.SettingsPage),
		Data: data, Pagination: &pagination})
}

// Put sets one setting: PUT /api/bots/{id}/settings/{name}, or the page's
// form with the name as a field.
func (h *Settings) Put(w http.ResponseWriter, r *http.Request) {
	b, err := h.code.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.PutSettingRequest
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		return web.Response{Title: "Settings · " + b.Name, Page: h.page(r, b, func(vm *views.SettingsVM) {
			vm.Name, vm.Secret, vm.Fields, vm.Message = in.Name, in.Secret, fields, msg
			if in.Value != nil && !in.Secret {
				vm.Value = *in.Value
			}
		})}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	name := r.PathValue("name")
	if name == "" {
		name = in.Name
	}
	s, err := h.code.PutSetting(r.Context(), b, name, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.SettingJSONOf(s), Redirect: "/bots/" + b.ID + "/settings", Flash: "Setting " + s.Name + " saved."})
}

// Delete deletes one setting.
func (h *Settings) Delete(w http.ResponseWriter, r *http.Request) {
	b, err := h.code.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	name := r.PathValue("name")
	if err := h.code.DeleteSetting(r.Context(), b, name); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"deleted": true}, Redirect: "/bots/" + b.ID + "/settings", Flash: "Setting " + name + " deleted."})
}
