package handlers

import (
	"context"
	"encoding/csv"
	"net/http"
	"strconv"
	"time"

	"github.com/mymmrac/telego"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Campaigns handles join-tracking campaigns.
type Campaigns struct {
	respond   *web.Responder
	bind      *web.Binder
	campaigns *core.Campaigns
	bots      *core.Bots
	insights  *core.Insights
}

// NewCampaigns returns the campaign handlers.
func NewCampaigns(d Deps) *Campaigns {
	return &Campaigns{respond: d.Respond, bind: d.Bind, campaigns: d.Campaigns, bots: d.Bots, insights: d.Insights}
}

func mountCampaigns(rt *web.Router, d Deps) {
	h := NewCampaigns(d)
	rt.Both("GET /campaigns", "GET /api/campaigns", h.List, true)
	rt.Private("GET /campaigns/new", http.HandlerFunc(h.NewForm))
	rt.Private("GET /campaigns/chats", http.HandlerFunc(h.ChatPicker))
	rt.Private("GET /campaigns/greeting-preview", http.HandlerFunc(h.GreetingPreview))
	rt.Both("POST /campaigns", "POST /api/campaigns", h.Create, true)
	rt.Both("GET /campaigns/{id}", "GET /api/campaigns/{id}", h.Show, true)
	rt.Both("POST /campaigns/{id}", "PATCH /api/campaigns/{id}", h.Update, true)
	rt.Both("POST /campaigns/{id}/archive", "POST /api/campaigns/{id}/archive", h.Archive, true)
	rt.Both("GET /campaigns/{id}/leads", "GET /api/campaigns/{id}/leads", h.Leads, true)
	rt.Both("GET /campaigns/{id}/leads.csv", "GET /api/campaigns/{id}/leads.csv", h.LeadsCSV, true)
}

// List shows the campaigns, filtered by bot, status and a search.
func (h *Campaigns) List(w http.ResponseWriter, r *http.Request) {
	var in contract.ListCampaignsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	owner := web.OwnerOf(r)
	list, total, err := h.campaigns.List(r.Context(), owner, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.CampaignJSON, len(list))
	for i := range list {
		out[i] = contract.CampaignOf(&list[i])
	}
	p := contract.Paginate(in.Page, total)
	vm := func(ctx context.Context) (views.CampaignListVM, error) {
		bots, err := h.ownBots(ctx, owner)
		return views.CampaignListVM{In: in, Campaigns: list, Bots: bots, Pagination: p}, err
	}
	h.respond.Respond(w, r, web.Response{Title: "Campaigns", Data: out, Pagination: &p,
		Page: web.Render(vm, views.CampaignsPage), Fragment: web.Render(vm, views.CampaignsPanel)})
}

// ownBots lists the account's bots for pickers (disconnected ones left out).
func (h *Campaigns) ownBots(ctx context.Context, ownerID string) ([]models.Bot, error) {
	list, err := h.bots.List(ctx, ownerID, contract.ListBotsRequest{Sort: "name", Page: contract.Page{LimitParam: ptr(100)}})
	if err != nil {
		return nil, err
	}
	return list.Bots, nil
}

func ptr[T any](v T) *T { return &v }

// NewForm shows the campaign form: bot, chat picker, name, greeting, mode.
func (h *Campaigns) NewForm(w http.ResponseWriter, r *http.Request) {
	in := contract.CreateCampaignRequest{BotID: r.URL.Query().Get("botId")}
	h.respond.Respond(w, r, h.formPage(r, in, nil, ""))
}

// formPage is the campaign form with what was typed and what is wrong
// with it, built when it is drawn.
func (h *Campaigns) formPage(r *http.Request, in contract.CreateCampaignRequest, fields apperr.FieldErrors, msg string) web.Response {
	owner := web.OwnerOf(r)
	vm := func(ctx context.Context) (views.CampaignFormVM, error) {
		bots, err := h.ownBots(ctx, owner)
		if err != nil {
			return views.CampaignFormVM{}, err
		}
		if in.BotID == "" && len(bots) == 1 {
			in.BotID = bots[0].ID
		}
		vm := views.CampaignFormVM{In: in, Bots: bots, Errors: fields, Message: msg, Placeholders: core.GreetingPlaceholders}
		if in.BotID != "" {
			if bot, chats, err := h.insights.AdminChats(ctx, owner, in.BotID); err == nil {
				vm.Picker = &views.ChatsVM{Bot: bot, Chats: chats, Selected: in.ChatID}
			}
		}
		return vm, nil
	}
	return web.Response{Title: "New campaign", Page: web.Render(vm, views.CampaignFormPage)}
}

// ChatPicker is the htmx fragment of the admin chats of the chosen bot.
func (h *Campaigns) ChatPicker(w http.ResponseWriter, r *http.Request) {
	botID := r.URL.Query().Get("botId")
	if botID == "" {
		h.respond.Respond(w, r, web.Response{Page: web.Static(views.ChatPickerPrompt())})
		return
	}
	bot, chats, err := h.insights.AdminChats(r.Context(), web.OwnerOf(r), botID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.ChatPicker(views.ChatsVM{Bot: bot, Chats: chats}))})
}

// GreetingPreview renders a greeting with sample values (htmx fragment).
func (h *Campaigns) GreetingPreview(w http.ResponseWriter, r *http.Request) {
	greeting := r.URL.Query().Get("greeting")
	if len(greeting) > 4000 {
		greeting = greeting[:4000]
	}
	sample := telego.User{FirstName: "Ann", LastName: "Lee", Username: "ann_lee"}
	chatTitle := r.URL.Query().Get("chatTitle")
	if chatTitle == "" {
		chatTitle = "your chat"
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.GreetingPreview(core.RenderGreeting(greeting, sample, chatTitle)))})
}

// Create starts a campaign and creates its invite link.
func (h *Campaigns) Create(w http.ResponseWriter, r *http.Request) {
	var in contract.CreateCampaignRequest
	form := func(f apperr.FieldErrors, msg string) web.Response { return h.formPage(r, in, f, msg) }
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	c, err := h.campaigns.Create(r.Context(), web.OwnerOf(r), in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID,
		Flash: "Campaign “" + c.Name + "” created. Share its invite link to start tracking joins."})
}

// Show renders a campaign's page (numbers, chart, the first page of its
// leads) or its JSON with the daily series.
func (h *Campaigns) Show(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	owner := web.OwnerOf(r)
	rep, err := h.campaigns.Report(r.Context(), owner, r.PathValue("id"), core.DefaultCampaignDays)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	vm := func(ctx context.Context) (views.CampaignVM, error) {
		return h.campaignVM(ctx, owner, rep, in, views.CampaignEditVM{})
	}
	h.respond.Respond(w, r, web.Response{Title: rep.Campaign.Name, Data: reportJSON(rep), Page: web.Render(vm, views.CampaignPage)})
}

// Leads lists a campaign's leads; on the page they are a section of the
// campaign page, swapped by htmx when filtered or paged.
func (h *Campaigns) Leads(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	owner := web.OwnerOf(r)
	c, leads, total, err := h.campaigns.Leads(r.Context(), owner, r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.LeadJSON, len(leads))
	for i := range leads {
		out[i] = contract.LeadOf(&leads[i])
	}
	p := contract.Paginate(in.Page, total)
	vm := func(ctx context.Context) (views.CampaignVM, error) {
		rep, err := h.campaigns.Report(ctx, owner, c.ID, core.DefaultCampaignDays)
		if err != nil {
			return views.CampaignVM{}, err
		}
		return h.campaignPage(ctx, owner, rep, leads, total, in, views.CampaignEditVM{})
	}
	h.respond.Respond(w, r, web.Response{Title: c.Name, Data: out, Pagination: &p,
		Page: web.Render(vm, views.CampaignPage), Fragment: web.Render(vm, views.CampaignLeads)})
}

// reportJSON is the API shape of a campaign's report.
func reportJSON(rep *core.CampaignReport) contract.CampaignReportJSON {
	data := contract.CampaignReportJSON{CampaignJSON: contract.CampaignOf(rep.Campaign), Daily: contract.CampaignDaysOf(rep.Daily),
		OtherJoins: rep.OtherJoins, Pending: rep.Leads.Pending}
	if rep.Leads.TotalRequests > 0 {
		rate := float64(rep.Leads.JoinedViaReq) / float64(rep.Leads.TotalRequests)
		data.RequestRate = &rate
	}
	return data
}

// campaignVM builds the campaign page around a report: one page of its
// leads, and the edit form in state edit.
func (h *Campaigns) campaignVM(ctx context.Context, owner string, rep *core.CampaignReport, leadsIn contract.ListLeadsRequest, edit views.CampaignEditVM) (views.CampaignVM, error) {
	_, leads, total, err := h.campaigns.Leads(ctx, owner, rep.Campaign.ID, leadsIn)
	if err != nil {
		return views.CampaignVM{}, err
	}
	return h.campaignPage(ctx, owner, rep, leads, total, leadsIn, edit)
}

// campaignPage builds the campaign page from a report and one page of its
// leads.
func (h *Campaigns) campaignPage(ctx context.Context, owner string, rep *core.CampaignReport, leads []models.CampaignLead, total int, leadsIn contract.ListLeadsRequest, edit views.CampaignEditVM) (views.CampaignVM, error) {
	bot, err := h.bots.Get(ctx, owner, rep.Campaign.BotID)
	if err != nil {
		return views.CampaignVM{}, err
	}
	return views.NewCampaignVM(rep.Campaign, rep.Daily, rep.Leads, rep.OtherJoins, bot, leads, leadsIn, contract.Paginate(leadsIn.Page, total), edit), nil
}

// Update changes name and greeting.
func (h *Campaigns) Update(w http.ResponseWriter, r *http.Request) {
	var in contract.UpdateCampaignRequest
	owner := web.OwnerOf(r)
	form := func(f apperr.FieldErrors, msg string) web.Response {
		rep, err := h.campaigns.Report(r.Context(), owner, r.PathValue("id"), core.DefaultCampaignDays)
		if err != nil {
			return web.Response{Page: web.Static(views.ErrorPage(views.ErrorVM{Status: 404, Message: "Campaign not found."}))}
		}
		vm := func(ctx context.Context) (views.CampaignVM, error) {
			return h.campaignVM(ctx, owner, rep, contract.ListLeadsRequest{}, views.EditFromCampaignRequest(in, f, msg))
		}
		return web.Response{Title: rep.Campaign.Name, Page: web.Render(vm, views.CampaignPage), Fragment: web.Render(vm, views.CampaignEditForm)}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	c, err := h.campaigns.Update(r.Context(), owner, r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID, Flash: "Campaign saved."})
}

// Archive ends a campaign and revokes its link.
func (h *Campaigns) Archive(w http.ResponseWriter, r *http.Request) {
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	c, err := h.campaigns.Archive(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID,
		Flash: "Campaign archived: its invite link no longer works, its leads are kept, and the chat can be picked again."})
}

// LeadsCSV streams a campaign's leads (the current status filter) as CSV.
func (h *Campaigns) LeadsCSV(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	c, err := h.campaigns.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+c.ID+`-leads.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write([]string{"userId", "username", "name", "status", "via", "requestedAt", "joinedAt", "leftAt", "greetedAt"}) //nolint:errcheck
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	err = h.campaigns.EachLead(r.Context(), c, in.Status, func(l *models.CampaignLead) error {
		return cw.Write([]string{strconv.FormatInt(l.UserID, 10), views.CSVText(l.Username), views.CSVText(l.Name), l.Status, l.Via,
			stamp(l.RequestedAt), stamp(l.JoinedAt), stamp(l.LeftAt), stamp(l.GreetedAt)})
	})
	cw.Flush()
	if err != nil {
		// Headers are gone: the best signal left is a cut-off download.
		h.respond.Log.ErrorContext(r.Context(), "export leads", "campaign", c.ID, "err", err)
	}
}
