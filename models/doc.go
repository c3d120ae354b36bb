// Package models holds Botdeck's bun models, the request and response
// types shared by the HTML and JSON handlers, the store functions (each
// takes a bun.IDB so it composes inside RunInTx) and the typed errors the
// rest of the application returns.
package models
