package contract

// ImportUsersRequest is the query of POST /api/bots/{id}/users/import:
// nothing yet (the CSV body is read by the handler), so any parameter is
// refused as unknown.
type ImportUsersRequest struct{}

// ImportMappingRequest is the dashboard's column mapping of a staged
// import: for each column of the file, in order, what it holds (Field:
// user_id, username, first_name, last_name, language, tags, prop or
// ignore) and, for prop, the property's name.
type ImportMappingRequest struct {
	Field []string `json:"-" form:"field" validate:"min=1,max=500,dive,max=32"`
	Prop  []string `json:"-" form:"prop" validate:"max=500,dive,max=64"`
}

// ImportRejectionJSON is one line an import refused.
type ImportRejectionJSON struct {
	Line  int64  `json:"line"`
	Error string `json:"error"`
}

// ImportUsersJSON is the answer of an import (schema UserImportResult).
type ImportUsersJSON struct {
	Imported      int64                 `json:"imported"`
	Updated       int64                 `json:"updated"`
	Rejected      []ImportRejectionJSON `json:"rejected"`
	RejectedTotal int64                 `json:"rejectedTotal"`
}
