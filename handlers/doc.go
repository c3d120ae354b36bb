// Package handlers is Botdeck's HTTP layer: each handler decodes one
// request struct (internal/contract), validates it, calls one core use
// case and responds with one web.Response. Every handler serves both its
// page route and its /api twin (see routes.go), and nothing here branches
// on the response format: the Response carries the JSON data and, as
// web.Views that run only for HTML, the page and the htmx fragment; errors
// go to web.Responder.Fail, which answers each format.
//
// One exception, on purpose: Users.Photo answers a failure on the
// dashboard's route with a placeholder picture (an <img> cannot show an
// error page) and on the API route with the JSON error. Downloads (CSV
// exports), the profile photo itself and an uploaded file (Uploads.Show)
// write their bytes directly; they have no page.
package handlers
