// Package handlers is Botdeck's HTTP layer: each handler decodes one
// request struct, validates it, calls one core use case and responds. Every
// handler serves both its page route and its /api twin (see routes.go);
// nothing here branches on the response format.
package handlers
