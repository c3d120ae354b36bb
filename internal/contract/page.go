package contract

import (
	"github.com/botdeck/botdeck/models"
)

// Page is the pagination input every list takes: page starts at 1; limit
// defaults to 20 and may not exceed 100. Out-of-range values (0 included)
// are a validation error (422), never silently clamped, which is why the
// fields are pointers: absent and 0 must differ.
//
// Embed it in a list request as Page `form:",inline"` so the form decoder
// (explicit mode) reads its fields from the same query string.
type Page struct {
	PageParam  *int `json:"page" form:"page" validate:"omitempty,min=1,max=1000000"`
	LimitParam *int `json:"limit" form:"limit" validate:"omitempty,min=1,max=100"`
}

// DefaultLimit is the page size when none is given.
const DefaultLimit = 20

// Number is the page number, 1 when not given.
func (p Page) Number() int {
	if p.PageParam == nil {
		return 1
	}
	return *p.PageParam
}

// Size is the page size, DefaultLimit when not given.
func (p Page) Size() int {
	if p.LimitParam == nil {
		return DefaultLimit
	}
	return *p.LimitParam
}

// Offset is the number of rows to skip.
func (p Page) Offset() int { return (p.Number() - 1) * p.Size() }

// Window is the part of the list the store reads for this page.
func (p Page) Window() models.Window { return models.Window{Limit: p.Size(), Offset: p.Offset()} }

// Pagination is the "pagination" object of list responses.
type Pagination struct {
	Total      int `json:"total"`
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
}

// Paginate describes the page p of a list with total items.
func Paginate(p Page, total int) Pagination {
	size := p.Size()
	return Pagination{Total: total, Page: p.Number(), Limit: size, TotalPages: (total + size - 1) / size}
}

// Slice returns page p of items, a list read whole — the short ones: an
// account's API keys and workspaces, a workspace's members and invites, a
// bot's replies, settings, sources and admin chats — and its pagination.
func Slice[T any](items []T, p Page) ([]T, Pagination) {
	start := min(p.Offset(), len(items))
	end := min(start+p.Size(), len(items))
	return items[start:end], Paginate(p, len(items))
}

// HasPrev and HasNext help views draw pagers.
func (p Pagination) HasPrev() bool { return p.Page > 1 }
func (p Pagination) HasNext() bool { return p.Page < p.TotalPages }
