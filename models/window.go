package models

// Window is the part of a list a store function reads: at most Limit rows
// after skipping Offset. Requests turn their page and limit parameters
// into one (contract.Page.Window).
type Window struct {
	Limit  int
	Offset int
}
