package models

import (
	"strings"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/replies"
)

// Searches of names (users, bots, campaigns) compare folded text kept by
// Botdeck in a search_key column, not lower(col): SQLite's lower() and
// LIKE fold ASCII only, and PostgreSQL's depend on the database's locale,
// so "Андрей" was not found by "андрей" on SQLite. The key is computed in
// Go with replies.Fold (Unicode case folding, ß = ss, İ = i, accents and
// Arabic harakat removed), the same on both dialects; the query is folded
// the same way. Writers never set it: the models' BeforeAppendModel hooks
// do, on every insert and update (an update with a column list must name
// search_key, see searchColumns).

// SearchKey is the search_key of a row with these texts: each folded,
// every one preceded by a space, so " ann lee ann_l" can be searched for
// a substring anywhere (LIKE '%q%') or for the start of a word
// (LIKE '% q%').
func SearchKey(texts ...string) string {
	var b strings.Builder
	for _, t := range texts {
		if t = strings.TrimSpace(t); t != "" {
			b.WriteByte(' ')
			b.WriteString(replies.Fold(t))
		}
	}
	return b.String()
}

// searchLike is the LIKE pattern matching q anywhere in a search_key, or,
// with wordStart, at the start of one of its words.
func searchLike(q string, wordStart bool) string {
	folded := EscapeLike(replies.Fold(strings.TrimSpace(q)))
	if wordStart {
		return "% " + folded + "%"
	}
	return "%" + folded + "%"
}

// whereSearch narrows q to rows whose search_key column col matches search.
func whereSearch(q *bun.SelectQuery, col, search string, wordStart bool) *bun.SelectQuery {
	return q.Where(`? LIKE ? ESCAPE '\'`, bun.Ident(col), searchLike(search, wordStart))
}

// searchColumns adds search_key to an update's column list when it names
// one of the columns the key is made of.
func searchColumns(columns []string, sources ...string) []string {
	for _, c := range columns {
		for _, s := range sources {
			if c == s {
				return append(columns, "search_key")
			}
		}
	}
	return columns
}
