// Package models is Botdeck's persistence: the bun rows, the store
// functions that read and write them, and the filters and windows those
// functions take. Each store function takes a bun.IDB, so it composes
// inside a caller's transaction; one that must run in a transaction says
// so and leaves opening it to the caller (core, jobs). Every error a store
// function returns says what failed ("store: list bot users: …") and
// still matches errors.Is and errors.As; what a user can cause is an
// *apperr.Error (a not_found, a unique email).
//
// Nothing here knows about HTTP: request structs, JSON shapes and the
// conversion of rows into them live in internal/contract, which this
// package never imports.
package models
