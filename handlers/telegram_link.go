package handlers

import (
	"context"
	"net/http"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// TelegramLink shows the member's linked Telegram account as JSON (the
// account page shows it in its Telegram card).
func (h *Me) TelegramLink(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	l, err := h.accounts.TelegramLinkOf(r.Context(), web.UserOf(r).ID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.TelegramLinkOf(l)})
}

// StartTelegramLink makes a single-use t.me link that links the member's
// Telegram account when opened; the page shows it to open or copy.
func (h *Me) StartTelegramLink(w http.ResponseWriter, r *http.Request) {
	var in contract.TelegramLinkRequest
	form := func(_ apperr.FieldErrors, msg string) web.Response {
		return h.page(r, views.AccountVM{Telegram: views.TelegramCardVM{Message: msg}})
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	link, err := h.accounts.NewTelegramLink(r.Context(), web.OwnerOf(r), web.UserOf(r).ID, in.BotID)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	resp := h.page(r, views.AccountVM{Telegram: views.TelegramCardVM{LinkURL: link.URL, LinkBot: link.Bot,
		LinkUntil: views.DateTime(link.ExpiresAt)}})
	resp.Data = link
	h.respond.Respond(w, r, resp)
}

// UnlinkTelegram forgets the member's Telegram account.
func (h *Me) UnlinkTelegram(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.accounts.UnlinkTelegram(r.Context(), web.UserOf(r).ID); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.TelegramLinkOf(nil), Redirect: "/account",
		Flash: "Telegram unlinked."})
}

// fillTelegramCard adds the member's link and the bots they may link
// through to the account page's Telegram card.
func (h *Me) fillTelegramCard(ctx context.Context, ownerID, userID string, vm *views.TelegramCardVM) error {
	l, err := h.accounts.TelegramLinkOf(ctx, userID)
	if err != nil {
		return err
	}
	if l != nil {
		vm.Linked, vm.Who, vm.Since = true, l.FirstName, views.Date(l.LinkedAt)
		if l.Username != "" {
			vm.Who = "@" + l.Username
		}
		vm.Through = "your bot"
	}
	bots, err := h.accounts.LinkableBots(ctx, ownerID)
	if err != nil {
		return err
	}
	for _, b := range bots {
		vm.Bots = append(vm.Bots, views.BotOption{ID: b.ID, Label: b.Name + " (" + b.Handle() + ")"})
		if l != nil && b.ID == l.BotID {
			vm.Through = b.Handle()
		}
	}
	return nil
}
