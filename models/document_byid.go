package models

import "context"

// Reading a document by _id, the commonest read of bot code (findOne({_id})
// in a webhook), with one fixed statement whose values are parameters.
// bun writes values into the SQL text, so through bun every id is a
// statement of its own: on PostgreSQL pgx prepares each distinct text it
// queries (a Parse round trip before the first execution) and keeps up to
// 512 per connection, so ids beyond the cache are prepared again on every
// read; and formatting the query and scanning through bun's model cost
// more than the read itself. One text serves every bot, collection and id:
// prepared once per connection, then one round trip per read.

// byIDFilter returns the _id of a filter that is exactly {_id: "…"}.
func byIDFilter(filter DocFilter) (string, bool) {
	if len(filter) != 1 {
		return "", false
	}
	id, ok := filter["_id"].(string)
	return id, ok
}

// findByID returns coll's document id, or nil. ok is false when db offers
// no database/sql handle (the caller then takes the general path).
func (d *Documents) findByID(ctx context.Context, coll, id string) (doc map[string]any, ok bool, err error) {
	raw := rawQuerier(d.db) // botuser_import.go
	if raw == nil {
		return nil, false, nil
	}
	if err := checkValue(id, 0); err != nil {
		return nil, true, err
	}
	rows, err := raw.QueryContext(ctx, d.sql.byIDQuery(), d.botID, coll, id)
	if err != nil {
		return nil, true, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, true, rows.Err()
	}
	var data string
	if err := rows.Scan(&data); err != nil {
		return nil, true, err
	}
	if len(data)+len(id) > d.limits.ResultBytes {
		return nil, true, docErr("the documents found are larger than %s in all; ask for fewer with the limit option", byteSize(int64(d.limits.ResultBytes)))
	}
	doc, err = decodeDoc(id, data)
	return doc, true, err
}
