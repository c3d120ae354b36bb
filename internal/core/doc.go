// Package core holds Botdeck's use cases: the operations that span the
// store, Telegram and the JavaScript runtime. Handlers decode and validate
// a request, call one method here, and render what it returns. Errors are
// *apperr.Error (or wrap one) for anything a user can cause.
package core
