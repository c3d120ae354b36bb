package handlers

import (
	"context"
	"net/http"
	"strings"

	"github.com/botdeck/botdeck/internal/apperr"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/core"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
	"github.com/botdeck/botdeck/views"
)

// Segments handles a bot's saved users-list filters: the list with live
// counts, the form that builds one (with a live count), edits and
// deletes. Ownership goes through the bot: another account's segment is
// a 404, checked before the body is read.
type Segments struct {
	respond  *web.Responder
	bind     *web.Binder
	audience *core.Audience
	bots     *core.Bots
}

// NewSegments returns the segment handlers.
func NewSegments(d Deps) *Segments {
	return &Segments{respond: d.Respond, bind: d.Bind, audience: d.Audience, bots: d.Bots}
}

func segmentsPath(botID string) string { return "/bots/" + botID + "/segments" }

// List is the bot's segments with their live counts, by name.
func (h *Segments) List(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.ListSegmentsRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	list, err := h.audience.ListSegments(r.Context(), b, in.Page)
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	data := make([]contract.SegmentJSON, len(list.Segments))
	items := make([]views.SegmentItem, len(list.Segments))
	for i, s := range list.Segments {
		data[i] = s.JSON()
		items[i] = views.SegmentItem{Segment: s.Segment, Filter: s.Filter, Users: s.Users}
	}
	pagination := contract.Paginate(in.Page, list.Total)
	vm := func(context.Context) (views.SegmentsVM, error) {
		return views.NewSegmentsVM(b, items, pagination), nil
	}
	h.respond.Respond(w, r, web.Response{Title: "Segments · " + b.Name, Page: web.Render(vm, views.SegmentsPage),
		Data: data, Pagination: &pagination})
}

// NewForm is the form that builds a segment, prefilled from a users-list
// query ("Save as segment").
func (h *Segments) NewForm(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	propParams(r)
	var in contract.ListBotUsersRequest
	_ = h.bind.Decode(r, &in) // a page: whatever the query holds that fits prefills the form
	in.Normalize()
	f := contract.FilterOfQuery(in)
	h.respond.Respond(w, r, h.formPage(b, nil, "", f, nil, ""))
}

// formPage is the segment form (new when s is nil), with its live count
// drawn when the page is.
func (h *Segments) formPage(b *models.Bot, s *models.Segment, name string, f contract.SegmentFilter, fields apperr.FieldErrors, msg string) web.Response {
	vm := func(ctx context.Context) (views.SegmentFormVM, error) {
		vm := views.NewSegmentFormVM(b, s, name, f, fields, msg)
		if len(f.Problems("")) == 0 {
			n, err := h.audience.CountFilter(ctx, b, f)
			if err != nil {
				return vm, err
			}
			vm.Count = &n
		}
		return vm, nil
	}
	title := "New segment · " + b.Name
	if s != nil {
		title = s.Name + " · " + b.Name
	}
	return web.Response{Title: title, Page: web.Render(vm, views.SegmentFormPage)}
}

// Count is the segment form's live count (an htmx fragment).
func (h *Segments) Count(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.SegmentCountRequest
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	text := "Fix the highlighted fields to see how many users match."
	if len(in.SegmentFilter.Problems("")) == 0 {
		n, err := h.audience.CountFilter(r.Context(), b, in.SegmentFilter)
		if err != nil {
			h.respond.Fail(w, r, err)
			return
		}
		text = views.SegmentCountText(n)
	}
	h.respond.Respond(w, r, web.Response{Page: web.Static(views.SegmentCount(text))})
}

// Create saves a segment (201 with the Segment; the page goes back to the
// list).
func (h *Segments) Create(w http.ResponseWriter, r *http.Request) {
	b, err := h.bots.Get(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.CreateSegmentRequest
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		return h.formPage(b, nil, in.Name, in.SegmentFilter, formFields(fields), msg)
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	v, err := h.audience.CreateSegment(r.Context(), b, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Status: http.StatusCreated, Data: v.JSON(), Redirect: segmentsPath(b.ID),
		Flash: "Segment “" + v.Segment.Name + "” saved: " + views.SegmentCountText(v.Users) + "."})
}

// formFields maps the API's filter paths to the form's fields.
func formFields(fields apperr.FieldErrors) apperr.FieldErrors {
	out := apperr.FieldErrors{}
	for k, v := range fields {
		if rest, ok := strings.CutPrefix(k, "filter."); ok {
			k = rest
		}
		out[k] = v
	}
	return out
}

// Show is one segment: its edit form on the page, the Segment as JSON.
func (h *Segments) Show(w http.ResponseWriter, r *http.Request) {
	v, b, err := h.audience.Segment(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	res := h.formPage(b, v.Segment, v.Segment.Name, v.Filter, nil, "")
	res.Data = v.JSON()
	h.respond.Respond(w, r, res)
}

// Update renames a segment or replaces its filter.
func (h *Segments) Update(w http.ResponseWriter, r *http.Request) {
	cur, b, err := h.audience.Segment(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	var in contract.UpdateSegmentRequest
	form := func(fields apperr.FieldErrors, msg string) web.Response {
		name := cur.Segment.Name
		if in.Name != nil {
			name = *in.Name
		}
		return h.formPage(b, cur.Segment, name, in.SegmentFilter, formFields(fields), msg)
	}
	if err := h.bind.Bind(r, &in); err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	v, err := h.audience.UpdateSegment(r.Context(), web.OwnerOf(r), cur.Segment.ID, in)
	if err != nil {
		h.respond.Fail(w, r, err, form)
		return
	}
	h.respond.Respond(w, r, web.Response{Data: v.JSON(), Redirect: segmentsPath(b.ID),
		Flash: "Segment “" + v.Segment.Name + "” saved: " + views.SegmentCountText(v.Users) + "."})
}

// Delete deletes a segment; one a scheduled broadcast goes to is kept
// (409 segment_in_use, shown on the segment's page).
func (h *Segments) Delete(w http.ResponseWriter, r *http.Request) {
	cur, b, err := h.audience.Segment(r.Context(), web.OwnerOf(r), r.PathValue("id"))
	if err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.bind.None(r); err != nil {
		h.respond.Fail(w, r, err)
		return
	}
	if err := h.audience.DeleteSegment(r.Context(), web.OwnerOf(r), cur.Segment.ID); err != nil {
		h.respond.Fail(w, r, err, func(_ apperr.FieldErrors, msg string) web.Response {
			return h.formPage(b, cur.Segment, cur.Segment.Name, cur.Filter, nil, msg)
		})
		return
	}
	h.respond.Respond(w, r, web.Response{Data: cur.JSON(), Redirect: segmentsPath(b.ID),
		Flash: "Segment “" + cur.Segment.Name + "” deleted."})
}
