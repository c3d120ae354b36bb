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

// APIKeys lists, creates and revokes the user's API keys.
type APIKeys struct {
	respond   *web.Responder
	bind      *web.Binder
	accounts  *core.Accounts
	publicURL string
}

// NewAPIKeys returns the API key handlers.
func NewAPIKeys(d Deps) *APIKeys {
	return &APIKeys{respond: d.Respond, bind: d.Bind, accounts: d.Accounts, publicURL: d.PublicURL}
}

// page is the API keys page (or its panel) around vm, with the keys keys
// loads when it is drawn.
func (h *APIKeys) page(r *http.Request, vm views.APIKeysVM, keys func(context.Context) ([]models.APIKey, error)) web.Response {
	build := func(ctx context.Context) (views.APIKeysVM, error) {
		list, err := keys(ctx)
		if err != nil {
			return vm, err
		}
		out := vm
		for _, k := range list {
			row := views.APIKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt.Format("2 Jan 2006 15:04 UTC"), LastUsed: "never"}
			if k.LastUsedAt != nil {
				row.LastUsed = k.LastUsedAt.Format("2 Jan 2006 15:04 UTC")
			}
			out.Keys = append(out.Keys, row)
		}
		out.BaseURL = baseURL(r, h.publicURL)
		return out, nil
	}
	return web.Response{Title: "API keys", Page: web.Render(build, views.APIKeysPage), Fragment: web.Render(build, views.APIKeysPanel)}
}

// keysOf loads the signed-in user's keys.
func (h *APIKeys) keysOf(r *http.Request) func(context.Context) ([]models.APIKey, error) {
	userID, wsID := web.UserOf(r).ID, web.OwnerOf(r)
	return func(ctx context.Context) ([]models.APIKey, error) { return h.accounts.APIKeys(ctx, userID, wsID) }
}

// List shows the keys (never the secrets).
func (h *APIKeys) List(w http.ResponseWriter, r *http.Request) {
	var in contract.Page
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	keys, err := h.accounts.APIKeys(r.Context(), web.UserOf(r).ID, web.OwnerOf(r))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.APIKeyJSON, len(keys))
	for i := range keys {
		out[i] = contract.APIKeyOf(&keys[i])
	}
	res := h.page(r, views.APIKeysVM{}, func(context.Context) ([]models.APIKey, error) { return keys, nil })
	data, pagination := contract.Slice(out, in)
	res.Data, res.Pagination = data, &pagination
	h.respond.Respond(w, r, res)
}

// Create makes a key and shows it this once. The browser gets the page
// (or panel) with the key rather than a redirect, so the secret never has
// to be stored anywhere to survive one.
func (h *APIKeys) Create(w http.ResponseWriter, r *http.Request) {
	var in contract.APIKeyCreateRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		return h.page(r, views.APIKeysVM{FormName: in.Name, Errors: f, Message: msg}, h.keysOf(r))
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	key, err := h.accounts.CreateAPIKey(r.Context(), web.UserOf(r).ID, web.OwnerOf(r), in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	res := h.page(r, views.APIKeysVM{NewKey: key.Key, NewKeyName: key.Name}, h.keysOf(r))
	res.Status, res.Data = http.StatusCreated, key
	h.respond.Respond(w, r, res)
}

// Revoke deletes a key; anything using it gets 401 from then on.
func (h *APIKeys) Revoke(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.accounts.RevokeAPIKey(r.Context(), web.UserOf(r).ID, r.PathValue("id")); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: map[string]any{"revoked": true}, Redirect: "/account/api-keys", Flash: "API key revoked."})
}
