// Package contract holds what crosses HTTP: the request structs handlers
// bind (their json, form and validate tags are the input rules, and
// Normalize tidies what people type), the JSON shapes answers carry
// (BotDetail, BotUserJSON, Pagination …) and the functions that build
// those shapes from stored rows (BotDetailOf, BotUserOf …).
//
// Handlers, views and core use it; the store (models) never does: a
// request reaches the store as the filter and window a store function
// takes (ListBotsRequest.Filter, Page.Window), and a row becomes JSON only
// here. Changing a shape in this package changes the public API, which
// handlers/openapi documents.
package contract
