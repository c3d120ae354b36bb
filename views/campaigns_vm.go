package views

import (
	"net/url"
	"strconv"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views/components"
)

// CampaignListVM is the view model of the campaign list.
type CampaignListVM struct {
	In         contract.ListCampaignsRequest
	Campaigns  []models.Campaign
	Bots       []models.Bot
	Pagination contract.Pagination
}

// URL is the list URL with the current filters and the given changes.
func (vm CampaignListVM) URL(status string, page int) string {
	v := url.Values{}
	if vm.In.BotID != "" {
		v.Set("botId", vm.In.BotID)
	}
	if vm.In.Q != "" {
		v.Set("q", vm.In.Q)
	}
	if status != "" {
		v.Set("status", status)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/campaigns"
	}
	return "/campaigns?" + v.Encode()
}

// PageURL links to another page of the list.
func (vm CampaignListVM) PageURL(page int) string { return vm.URL(vm.In.Status, page) }

// StatusTabs are All / Active / Archived.
func (vm CampaignListVM) StatusTabs() []StatusTab {
	var tabs []StatusTab
	for _, t := range [][2]string{{"", "All"}, {models.CampaignActive, "Active"}, {models.CampaignArchived, "Archived"}} {
		tabs = append(tabs, StatusTab{Label: t[1], Href: vm.URL(t[0], 1), Current: vm.In.Status == t[0]})
	}
	return tabs
}

// BotName names a campaign's bot from the loaded bots.
func (vm CampaignListVM) BotName(id string) string {
	for _, b := range vm.Bots {
		if b.ID == id {
			return b.Handle()
		}
	}
	return "a disconnected bot"
}

// Filtered reports whether any filter narrows the list.
func (vm CampaignListVM) Filtered() bool {
	return vm.In.BotID != "" || vm.In.Status != "" || vm.In.Q != ""
}

// CampaignFormVM is the view model of the new-campaign form.
type CampaignFormVM struct {
	In           contract.CreateCampaignRequest
	Bots         []models.Bot
	Errors       map[string]string
	Message      string
	Placeholders [][2]string
	Picker       *ChatsVM // the chosen bot's admin chats, when a bot is chosen
}

// CampaignEditVM holds the edit form's values and errors.
type CampaignEditVM struct {
	Name, Greeting string
	Errors         map[string]string
	Message        string
	filled         bool
}

// EditFromCampaignRequest keeps what the user typed in a failed edit.
func EditFromCampaignRequest(in contract.UpdateCampaignRequest, fields apperr.FieldErrors, msg string) CampaignEditVM {
	vm := CampaignEditVM{Errors: fields, Message: msg, filled: true}
	if in.Name != nil {
		vm.Name = *in.Name
	}
	if in.Greeting != nil {
		vm.Greeting = *in.Greeting
	}
	return vm
}

// CampaignVM is the view model of a campaign's page.
type CampaignVM struct {
	Campaign   *models.Campaign
	Bot        *models.Bot
	Daily      []models.CampaignDay
	Stats      models.LeadStats
	OtherJoins int64
	Leads      []models.CampaignLead
	LeadsIn    contract.ListLeadsRequest
	LeadsPage  contract.Pagination
	Edit       CampaignEditVM
}

// NewCampaignVM builds the page's view model.
func NewCampaignVM(c *models.Campaign, daily []models.CampaignDay, stats models.LeadStats, otherJoins int64, bot *models.Bot,
	leads []models.CampaignLead, leadsIn contract.ListLeadsRequest, p contract.Pagination, edit CampaignEditVM) CampaignVM {
	if !edit.filled {
		edit.Name, edit.Greeting = c.Name, c.Greeting
	}
	return CampaignVM{Campaign: c, Bot: bot, Daily: daily, Stats: stats, OtherJoins: otherJoins, Leads: leads, LeadsIn: leadsIn,
		LeadsPage: p, Edit: edit}
}

// Active reports whether the campaign still tracks joins.
func (vm CampaignVM) Active() bool { return vm.Campaign.Status == models.CampaignActive }

// Conversion is "joined after asking ÷ asked" as a percentage text.
func (vm CampaignVM) Conversion() string {
	if vm.Stats.TotalRequests == 0 {
		return "—"
	}
	return strconv.Itoa(int(float64(vm.Stats.JoinedViaReq)*100/float64(vm.Stats.TotalRequests)+0.5)) + "%"
}

// Charts draws joins and leaves per day.
func (vm CampaignVM) Charts() []components.ChartVM {
	joins := components.ChartVM{ID: "campaign-joins", Title: "Joins", Noun: "joins", Kind: components.ChartBar, Tone: "emerald"}
	leaves := components.ChartVM{ID: "campaign-leaves", Title: "Leaves", Noun: "leaves", Kind: components.ChartBar, Tone: "rose"}
	for _, d := range vm.Daily {
		joins.Points = append(joins.Points, dayPoint(contract.DayStats{Date: d.Day}, d.Joins))
		leaves.Points = append(leaves.Points, dayPoint(contract.DayStats{Date: d.Day}, d.Leaves))
	}
	return []components.ChartVM{joins, leaves}
}

// LeadsURL links to the leads section with a status and page.
func (vm CampaignVM) LeadsURL(status string, page int) string {
	v := url.Values{}
	if status != "" {
		v.Set("status", status)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	u := "/campaigns/" + vm.Campaign.ID + "/leads"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// LeadsPageURL links to another page of the current leads filter.
func (vm CampaignVM) LeadsPageURL(page int) string { return vm.LeadsURL(vm.LeadsIn.Status, page) }

// CSVURL exports the current leads filter.
func (vm CampaignVM) CSVURL() string {
	u := "/campaigns/" + vm.Campaign.ID + "/leads.csv"
	if vm.LeadsIn.Status != "" {
		u += "?status=" + vm.LeadsIn.Status
	}
	return u
}

// LeadTabs filter leads by status.
func (vm CampaignVM) LeadTabs() []StatusTab {
	var tabs []StatusTab
	for _, t := range [][2]string{{"", "All"}, {models.LeadJoined, "In the chat"}, {models.LeadLeft, "Left"}, {models.LeadPending, "Asked to join"}} {
		tabs = append(tabs, StatusTab{Label: t[1], Href: vm.LeadsURL(t[0], 1), Current: vm.LeadsIn.Status == t[0]})
	}
	return tabs
}

// LeadStatusLabel names a lead status.
func LeadStatusLabel(s string) string {
	switch s {
	case models.LeadJoined:
		return "In the chat"
	case models.LeadLeft:
		return "Left"
	case models.LeadPending:
		return "Asked to join"
	}
	return s
}

func leadStatusClass(s string) string {
	switch s {
	case models.LeadJoined:
		return "bg-emerald-50 text-emerald-800 ring-emerald-600/30"
	case models.LeadPending:
		return "bg-sky-50 text-sky-800 ring-sky-600/30"
	default:
		return "bg-slate-100 text-slate-700 ring-slate-500/30"
	}
}

// ViaLabel names how a lead came.
func ViaLabel(v string) string {
	if v == models.ViaJoinRequest {
		return "Join request"
	}
	return "Invite link"
}
