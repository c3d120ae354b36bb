package handlers

import (
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
	owner := web.UserOf(r).ID
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
	res := web.Response{Title: "Campaigns", Data: out, Pagination: &p}
	if !web.IsAPI(r) {
		bots, err := h.ownBots(r)
		if err != nil {
			h.respond.Fail(w, r, err)
			return
		}
		vm := views.CampaignListVM{In: in, Campaigns: list, Bots: bots, Pagination: p}
		res.Page, res.Fragment = views.CampaignsPage(vm), views.CampaignsPanel(vm)
	}
	h.respond.Respond(w, r, res)
}

// ownBots lists the account's bots for pickers (disconnected ones left out).
func (h *Campaigns) ownBots(r *http.Request) ([]models.Bot, error) {
	list, err := h.bots.List(r.Context(), web.UserOf(r).ID, contract.ListBotsRequest{Sort: "name", Page: contract.Page{LimitParam: ptr(100)}})
	if err != nil {
		return nil, err
	}
	return list.Bots, nil
}

func ptr[T any](v T) *T { return &v }

// NewForm shows the campaign form: bot, chat picker, name, greeting, mode.
func (h *Campaigns) NewForm(w http.ResponseWriter, r *http.Request) {
	in := contract.CreateCampaignRequest{BotID: r.URL.Query().Get("botId")}
	res, err := h.formPage(r, in, nil, "")
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, res)
}

func (h *Campaigns) formPage(r *http.Request, in contract.CreateCampaignRequest, fields apperr.FieldErrors, msg string) (web.Response, error) {
	bots, err := h.ownBots(r)
	if err != nil {
		return web.Response{}, err
	}
	if in.BotID == "" && len(bots) == 1 {
		in.BotID = bots[0].ID
	}
	vm := views.CampaignFormVM{In: in, Bots: bots, Errors: fields, Message: msg, Placeholders: core.GreetingPlaceholders}
	if in.BotID != "" {
		if bot, chats, err := h.insights.AdminChats(r.Context(), web.UserOf(r).ID, in.BotID); err == nil {
			vm.Picker = &views.ChatsVM{Bot: bot, Chats: chats, Selected: in.ChatID}
		}
	}
	return web.Response{Title: "New campaign", Page: views.CampaignFormPage(vm)}, nil
}

// ChatPicker is the htmx fragment of the admin chats of the chosen bot.
func (h *Campaigns) ChatPicker(w http.ResponseWriter, r *http.Request) {
	botID := r.URL.Query().Get("botId")
	if botID == "" {
		h.respond.Respond(w, r, web.Response{Page: views.ChatPickerPrompt()})
		return
	}
	bot, chats, err := h.insights.AdminChats(r.Context(), web.UserOf(r).ID, botID)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Page: views.ChatPicker(views.ChatsVM{Bot: bot, Chats: chats})})
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
	h.respond.Respond(w, r, web.Response{Page: views.GreetingPreview(core.RenderGreeting(greeting, sample, chatTitle))})
}

// Create starts a campaign and creates its invite link.
func (h *Campaigns) Create(w http.ResponseWriter, r *http.Request) {
	var in contract.CreateCampaignRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		res, err := h.formPage(r, in, f, msg)
		if err != nil {
			return web.Response{Page: views.ErrorPage(views.ErrorVM{Status: 500, Message: "The form could not be shown again."})}
		}
		return res
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	c, err := h.campaigns.Create(r.Context(), web.UserOf(r).ID, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID,
		Flash: "Campaign “" + c.Name + "” created. Share its invite link to start tracking joins."})
}

// Show renders a campaign's page (numbers, chart, leads) or its JSON with
// the daily series.
func (h *Campaigns) Show(w http.ResponseWriter, r *http.Request) {
	h.showWithLeads(w, r, false)
}

// Leads lists a campaign's leads; on the page they are a section of the
// campaign page, swapped by htmx when filtered or paged.
func (h *Campaigns) Leads(w http.ResponseWriter, r *http.Request) {
	if web.IsAPI(r) {
		h.leadsJSON(w, r)
		return
	}
	h.showWithLeads(w, r, true)
}

func (h *Campaigns) showWithLeads(w http.ResponseWriter, r *http.Request, leadsFragment bool) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data, vm, err := h.load(r, in, views.CampaignEditVM{})
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res := web.Response{Title: data.Name, Data: data}
	if vm != nil {
		res.Page = views.CampaignPage(*vm)
		if leadsFragment {
			res.Fragment = views.CampaignLeads(*vm)
		}
	}
	h.respond.Respond(w, r, res)
}

// load reads a campaign's report; for pages it also builds the view model
// (leads page, edit form state).
func (h *Campaigns) load(r *http.Request, leadsIn contract.ListLeadsRequest, edit views.CampaignEditVM) (contract.CampaignReportJSON, *views.CampaignVM, error) {
	owner := web.UserOf(r).ID
	rep, err := h.campaigns.Report(r.Context(), owner, r.PathValue("id"), core.DefaultCampaignDays)
	if err != nil {
		return contract.CampaignReportJSON{}, nil, err
	}
	data := contract.CampaignReportJSON{CampaignJSON: contract.CampaignOf(rep.Campaign), Daily: contract.CampaignDaysOf(rep.Daily), OtherJoins: rep.OtherJoins, Pending: rep.Leads.Pending}
	if rep.Leads.TotalRequests > 0 {
		rate := float64(rep.Leads.JoinedViaReq) / float64(rep.Leads.TotalRequests)
		data.RequestRate = &rate
	}
	if web.IsAPI(r) {
		return data, nil, nil
	}
	_, leads, total, err := h.campaigns.Leads(r.Context(), owner, rep.Campaign.ID, leadsIn)
	if err != nil {
		return data, nil, err
	}
	bot, err := h.bots.Get(r.Context(), owner, rep.Campaign.BotID)
	if err != nil {
		return data, nil, err
	}
	vm := views.NewCampaignVM(rep.Campaign, rep.Daily, rep.Leads, rep.OtherJoins, bot, leads, leadsIn, contract.Paginate(leadsIn.Page, total), edit)
	return data, &vm, nil
}

// Update changes name and greeting.
func (h *Campaigns) Update(w http.ResponseWriter, r *http.Request) {
	var in contract.UpdateCampaignRequest
	form := func(f apperr.FieldErrors, msg string) web.Response {
		_, vm, err := h.load(r, contract.ListLeadsRequest{}, views.EditFromCampaignRequest(in, f, msg))
		if err != nil || vm == nil {
			return web.Response{Page: views.ErrorPage(views.ErrorVM{Status: 404, Message: "Campaign not found."})}
		}
		return web.Response{Title: vm.Campaign.Name, Page: views.CampaignPage(*vm), Fragment: views.CampaignEditForm(*vm)}
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	c, err := h.campaigns.Update(r.Context(), web.UserOf(r).ID, r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID, Flash: "Campaign saved."})
}

// Archive ends a campaign and revokes its link.
func (h *Campaigns) Archive(w http.ResponseWriter, r *http.Request) {
	c, err := h.campaigns.Archive(r.Context(), web.UserOf(r).ID, r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: contract.CampaignOf(c), Redirect: "/campaigns/" + c.ID,
		Flash: "Campaign archived: its invite link no longer works, its leads are kept, and the chat can be picked again."})
}

func (h *Campaigns) leadsJSON(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	_, leads, total, err := h.campaigns.Leads(r.Context(), web.UserOf(r).ID, r.PathValue("id"), in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	out := make([]contract.LeadJSON, len(leads))
	for i := range leads {
		out[i] = contract.LeadOf(&leads[i])
	}
	p := contract.Paginate(in.Page, total)
	h.respond.Respond(w, r, web.Response{Data: out, Pagination: &p})
}

// LeadsCSV streams a campaign's leads (the current status filter) as CSV.
func (h *Campaigns) LeadsCSV(w http.ResponseWriter, r *http.Request) {
	var in contract.ListLeadsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	c, err := h.campaigns.Get(r.Context(), web.UserOf(r).ID, r.PathValue("id"))
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
