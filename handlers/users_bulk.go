package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/views"
)

// memberZone is the time zone the signed-in member reads dates in (UTC
// until known): the users filters' dates are days of this zone.
func memberZone(r *http.Request) *time.Location {
	if u := web.UserOf(r); u != nil && u.TimeZone != "" {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// Tag adds and removes tags of many users at once: the rows chosen by id,
// or every user a filter matches. The users page's bulk bar posts here;
// htmx gets the list again (with the result as a toast), a browser without
// JavaScript goes back to the list it was on.
func (h *Users) Tag(w http.ResponseWriter, r *http.Request) {
	b, err := h.audience.Bot(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err) // another owner's bot is a 404 whatever the body says
		return
	}
	var in contract.TagUsersRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	in.Zone = memberZone(r)
	if err := in.Problems(); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	changed, err := h.audience.TagUsers(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list := in.ListBotUsersRequest
	vm := func(ctx context.Context) (views.UsersVM, error) {
		return h.usersVM(ctx, r, list)
	}
	h.respond.Respond(w, r, web.Response{
		Data:     contract.TagUsersResult{Changed: changed},
		Fragment: web.Render(vm, views.UsersFragment),
		Redirect: listURLOf(b.ID, list),
		Flash:    views.TagResult(in.Add, in.Remove, changed),
	})
}

// listURLOf is the users list a bulk form came from.
func listURLOf(botID string, in contract.ListBotUsersRequest) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("q", in.Q)
	set("status", in.Status)
	set("sort", in.Sort)
	set("source", in.Source)
	set("language", in.Language)
	set("startedFrom", in.StartedFrom)
	set("startedTo", in.StartedTo)
	set("lastSeenFrom", in.LastSeenFrom)
	set("segment", in.Segment)
	for _, t := range in.Tag {
		v.Add("tag", t)
	}
	for _, t := range in.NotTag {
		v.Add("notTag", t)
	}
	for name, val := range in.Prop {
		v.Set("prop."+name, val)
	}
	for _, c := range in.Cols {
		v.Add("cols", c)
	}
	if in.PageParam != nil && *in.PageParam > 1 {
		v.Set("page", strconv.Itoa(*in.PageParam))
	}
	if len(v) == 0 {
		return "/bots/" + botID + "/users"
	}
	return "/bots/" + botID + "/users?" + v.Encode()
}

// Tags lists a bot's tags with how many users have each, most used first.
func (h *Users) Tags(w http.ResponseWriter, r *http.Request) {
	var in contract.ListTagsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	tags, total, err := h.audience.Tags(r.Context(), web.OwnerOf(r), r.PathValue("id"), in.Page)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.TagCountJSON, len(tags))
	for i, t := range tags {
		data[i] = contract.TagCountJSON{Name: t.Name, Users: t.Users}
	}
	pagination := contract.Paginate(in.Page, total)
	h.respond.Respond(w, r, web.Response{Data: data, Pagination: &pagination})
}
