package handlers

import (
	"net/http"

	"github.com/botdeck/botdeck/internal/web"
)

// Routes registers every route. Each feature mounts its own group; a
// handler serving both a page and an /api route is mounted with Both.
func Routes(d Deps) *web.Router {
	rt := web.NewRouter(d.Respond.RequireUser, RoutePerms)
	rt.SetFallback(func(w http.ResponseWriter, r *http.Request, err error) { d.Respond.Fail(w, r, err) })
	mountOperations(rt, d)
	mountAccounts(rt, d)
	mountBots(rt, d)
	mountAudience(rt, d)
	mountSegments(rt, d)
	mountConversations(rt, d)
	mountInsights(rt, d)
	mountBroadcasts(rt, d)
	mountCampaigns(rt, d)
	mountCode(rt, d)
	mountReplies(rt, d)
	mountRelay(rt, d)
	mountNotifications(rt, d)
	mountWorkspaces(rt, d)
	rt.Private("GET /api/events", http.HandlerFunc(NewEvents(d).Stream))
	rt.Public("POST /tg/{botId}", http.HandlerFunc(NewWebhook(d).Receive))
	if d.BotAPI != nil {
		rt.Public("/botapi/", d.BotAPI)
	}
	return rt
}

func mountOperations(rt *web.Router, d Deps) {
	health := NewHealth(d.Ready, d.Ping)
	rt.Public("GET /healthz", http.HandlerFunc(health.Live))
	rt.Public("GET /readyz", http.HandlerFunc(health.Ready))
	if d.Metrics != nil {
		rt.Public("GET /metrics", d.Metrics)
	}
	rt.Public("GET /api/openapi.json", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Write(d.OpenAPI.JSON)
	}))
	rt.Public("GET /static/", d.Assets)
}

func mountAccounts(rt *web.Router, d Deps) {
	home := NewHome(d, d.AnyUser)
	auth := NewAuth(d)
	me := NewMe(d)
	keys := NewAPIKeys(d)

	rt.Public("GET /{$}", http.HandlerFunc(home.Show))
	rt.Public("GET /signup", http.HandlerFunc(auth.SignupForm))
	rt.Both("POST /signup", "POST /api/auth/signup", auth.Signup, false)
	rt.Public("GET /login", http.HandlerFunc(auth.LoginForm))
	rt.Public("POST /theme", http.HandlerFunc(NewTheme(d).Set))
	rt.Both("POST /login", "POST /api/auth/login", auth.Login, false)
	rt.Public("POST /login/code", http.HandlerFunc(auth.LoginCode))
	rt.Both("POST /logout", "POST /api/auth/logout", auth.Logout, false)
	rt.Both("POST /logout-all", "POST /api/auth/logout-all", auth.LogoutAll, true)

	reset := NewPasswordReset(d)
	rt.Public("GET /forgot-password", http.HandlerFunc(reset.ForgotForm))
	rt.Both("POST /forgot-password", "POST /api/auth/password-reset", reset.Request, false)
	rt.Public("GET /password-reset/{token}", http.HandlerFunc(reset.Form))
	rt.Both("POST /password-reset", "POST /api/auth/password-reset/confirm", reset.Confirm, false)

	rt.Both("GET /account", "GET /api/me", me.Show, true)
	rt.Both("POST /account", "PATCH /api/me", me.Update, true)
	rt.Both("POST /account/password", "POST /api/me/password", me.ChangePassword, true)

	totp := NewTOTP(d)
	rt.Private("GET /api/me/telegram-link", http.HandlerFunc(me.TelegramLink))
	rt.Both("POST /account/telegram-link", "POST /api/me/telegram-link", me.StartTelegramLink, true)
	rt.Both("POST /account/telegram-link/delete", "DELETE /api/me/telegram-link", me.UnlinkTelegram, true)
	rt.Both("POST /account/totp", "POST /api/me/totp", totp.Start, true)
	rt.Both("POST /account/totp/confirm", "POST /api/me/totp/confirm", totp.Confirm, true)
	rt.Both("POST /account/totp/disable", "DELETE /api/me/totp", totp.Disable, true)

	rt.Both("GET /account/api-keys", "GET /api/api-keys", keys.List, true)
	rt.Both("POST /account/api-keys", "POST /api/api-keys", keys.Create, true)
	rt.Both("POST /account/api-keys/{id}/revoke", "DELETE /api/api-keys/{id}", keys.Revoke, true)
}

func mountBots(rt *web.Router, d Deps) {
	bots := NewBots(d)
	rt.Both("GET /bots", "GET /api/bots", bots.List, true)
	rt.Private("GET /bots/new", http.HandlerFunc(bots.NewForm))
	rt.Both("POST /bots", "POST /api/bots", bots.Connect, true)
	rt.Both("", "POST /api/bots/batch", bots.Batch, true)
	rt.Both("GET /bots/{id}", "GET /api/bots/{id}", bots.Show, true)
	rt.Private("GET /bots/{id}/webhook-info", http.HandlerFunc(bots.WebhookInfo))
	rt.Private("GET /bots/{id}/status", http.HandlerFunc(bots.Status))
	rt.Both("POST /bots/{id}", "PATCH /api/bots/{id}", bots.Update, true)
	rt.Both("POST /bots/{id}/stop", "POST /api/bots/{id}/stop", bots.Stop, true)
	rt.Both("POST /bots/{id}/start", "POST /api/bots/{id}/start", bots.Start, true)
	rt.Both("POST /bots/{id}/delete", "DELETE /api/bots/{id}", bots.Delete, true)
}
