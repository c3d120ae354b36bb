package views

import (
	"net/url"
	"strconv"
	"time"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
)

// RelayVM is the view model of a bot's Relay tab.
type RelayVM struct {
	Bot   *models.Bot
	Relay contract.RelayJSON // what the API answers: url, secret, state, backlog…

	// The form, as typed when it failed.
	FormURL     string
	FormEnabled bool
	Fields      apperr.FieldErrors
	Message     string

	Status     string // deliveries filter: "", ok or failed
	Deliveries []models.RelayDelivery
	Pagination contract.Pagination
}

// NewRelayVM builds the tab's view model; the form shows the saved values.
func NewRelayVM(b *models.Bot, rel contract.RelayJSON, in contract.ListRelayDeliveriesRequest, ds []models.RelayDelivery, p contract.Pagination) RelayVM {
	return RelayVM{Bot: b, Relay: rel, FormURL: rel.URL, FormEnabled: rel.Enabled || rel.URL == "", Status: in.Status,
		Deliveries: ds, Pagination: p}
}

// WithForm keeps what was typed in a form that failed, with its errors.
func (vm RelayVM) WithForm(in contract.PutRelayRequest, fields apperr.FieldErrors, msg string) RelayVM {
	vm.FormURL, vm.FormEnabled, vm.Fields, vm.Message = in.URL, in.Enabled, fields, msg
	return vm
}

// Base is the tab's URL.
func (vm RelayVM) Base() string { return "/bots/" + vm.Bot.ID + "/relay" }

// PageURL links to a page of deliveries with the same filter.
func (vm RelayVM) PageURL(page int) string {
	v := url.Values{}
	if vm.Status != "" {
		v.Set("status", vm.Status)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if vm.Pagination.Limit != 0 && vm.Pagination.Limit != contract.DefaultLimit {
		v.Set("limit", strconv.Itoa(vm.Pagination.Limit))
	}
	if len(v) == 0 {
		return vm.Base() + "#deliveries"
	}
	return vm.Base() + "?" + v.Encode() + "#deliveries"
}

// StateLabel names the relay's state for people.
func (vm RelayVM) StateLabel() string {
	switch vm.Relay.State {
	case "ok":
		return "Delivering"
	case "failing":
		return "Failing, retrying"
	}
	return "Off"
}

// StateClass colours the state badge (the label carries the meaning).
func (vm RelayVM) StateClass() string {
	switch vm.Relay.State {
	case "ok":
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/30"
	case "failing":
		return "bg-amber-50 text-amber-900 ring-amber-600/30"
	}
	return "bg-slate-50 text-slate-700 ring-slate-500/30"
}

// StatusOptions are the choices of the deliveries filter.
func (vm RelayVM) StatusOptions() [][2]string {
	return [][2]string{{"", "All attempts"}, {models.DeliveryOK, "Delivered"}, {models.DeliveryFailed, "Failed"}}
}

// Example is one framework's way to use the Bot API proxy.
type Example struct{ Framework, Code string }

// ProxyExamples are one-liners pointing popular frameworks at the proxy.
// The token stays a placeholder: it never belongs in a page.
func (vm RelayVM) ProxyExamples() []Example {
	base := vm.Relay.ProxyBase
	return []Example{
		{"grammY (Node.js)", `const bot = new Bot(process.env.BOT_TOKEN, { client: { apiRoot: "` + base + `" } });`},
		{"python-telegram-bot", `app = Application.builder().token(TOKEN).base_url("` + base + `/bot").base_file_url("` + base + `/file/bot").build()`},
		{"aiogram", `bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base("` + base + `")))`},
		{"telego (Go)", `bot, err := telego.NewBot(token, telego.WithAPIServer("` + base + `"))`},
	}
}

// DeliveryLabel names a delivery outcome.
func DeliveryLabel(status string) string {
	if status == models.DeliveryOK {
		return "Delivered"
	}
	return "Failed"
}

func deliveryClass(status string) string {
	if status == models.DeliveryOK {
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/30"
	}
	return "bg-red-50 text-red-800 ring-red-600/30"
}

// HTTPStatusText shows an answer's status, or that none came.
func HTTPStatusText(code int) string {
	if code == 0 {
		return "—"
	}
	return strconv.Itoa(code)
}

// Millis shows a duration given in milliseconds.
func Millis(ms int) string {
	if ms < 1 {
		return "< 1 ms"
	}
	if ms < 10_000 {
		return strconv.Itoa(ms) + " ms"
	}
	return (time.Duration(ms) * time.Millisecond).Round(100 * time.Millisecond).String()
}
