package models

// Bot code's document store: bot-scoped collections of JSON documents
// (table bot_documents), and the read-only "users" collection, which is
// the bot's audience (table bot_users) seen as documents.
//
// Semantics, identical on PostgreSQL and SQLite (document_test.go runs the
// same cases on both):
//
//   - A document is a JSON object whose "_id" is a string, unique within its
//     collection; insert generates one when the document has none.
//   - A filter matches a document when every key is present with a
//     JSON-equal value: numbers compare as numbers (1 equals 1.0), strings
//     and booleans exactly, objects deeply whatever their key order, arrays
//     element by element in order. A null filter value also matches a
//     missing field. "_id" filters by id. The empty filter matches all.
//   - Unsorted finds, findOne, updateOne and deleteOne see documents in
//     insertion order ("the first matching document" is the oldest).
//   - Sorting orders by type first — missing or null, then numbers, then
//     strings, then booleans (false before true), then objects, then
//     arrays — numbers numerically, strings by their UTF-8 bytes (code
//     point order), objects and arrays among themselves in insertion order;
//     descending reverses all of it. Ties keep insertion order.
//   - updateOne changes the first match: a replacement keeps the _id;
//     $set assigns top-level fields; $inc adds to top-level numbers (a
//     missing or null field counts as 0, any other type is an error); a
//     field may not be in both. modifiedCount is 0 when nothing changed.
//     An upsert that matches nothing inserts the filter's non-null fields
//     with the update applied (a replacement keeps only the filter's _id).
//   - Quotas (DocLimits) are checked in the writing transaction, so
//     concurrent writers never overshoot them.
//
// Everything a bot's code can get wrong comes back as a *DocError, whose
// message is written for the bot's author. The SQL that differs between
// the dialects is in one place at the end of this file (docDialect).

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/botdeck/botdeck/internal/sqldialect"
)

// DocLimits bounds what one bot may store and read.
type DocLimits struct {
	DocumentBytes int   // one document's JSON, _id included (default 64 KiB)
	Documents     int64 // documents per bot, all collections (default 10,000)
	Bytes         int64 // JSON bytes per bot, all collections (default 32 MiB)
	ResultBytes   int   // JSON bytes one find may return (default 4 MiB)
}

// DefaultDocLimits are the limits Botdeck applies.
func DefaultDocLimits() DocLimits {
	return DocLimits{DocumentBytes: 64 << 10, Documents: 10_000, Bytes: 32 << 20, ResultBytes: 4 << 20}
}

// UsersCollection is the read-only collection of the bot's audience.
const UsersCollection = "users"

// DocFilter selects documents (see the package comment above).
type DocFilter = map[string]any

// DocSort orders find results by a top-level field.
type DocSort struct {
	Field string
	Desc  bool
}

// DocFind are find's options. Limit ≥ 1.
type DocFind struct {
	Limit int
	Skip  int
	Sort  []DocSort
}

// DocUpdate is updateOne's change: Replace, or Set and/or Inc.
type DocUpdate struct {
	Set     map[string]any
	Inc     map[string]float64
	Replace map[string]any
	Upsert  bool
}

// DocUpdateResult is what updateOne did.
type DocUpdateResult struct {
	Matched    int64
	Modified   int64
	UpsertedID string
}

// DocError is a refusal the bot's code may read: a quota, a size, a
// duplicate _id, a field that cannot be filtered on.
type DocError struct{ Message string }

func (e *DocError) Error() string { return e.Message }

func docErr(format string, args ...any) error {
	return &DocError{Message: fmt.Sprintf(format, args...)}
}

// Documents is one bot's document store over db (a *bun.DB or a bun.Tx).
type Documents struct {
	db     bun.IDB
	botID  string
	limits DocLimits
	sql    docDialect
}

// BotDocuments returns the document store of botID. Zero limits take the
// defaults.
func BotDocuments(db bun.IDB, botID string, limits DocLimits) *Documents {
	def := DefaultDocLimits()
	if limits.DocumentBytes <= 0 {
		limits.DocumentBytes = def.DocumentBytes
	}
	if limits.Documents <= 0 {
		limits.Documents = def.Documents
	}
	if limits.Bytes <= 0 {
		limits.Bytes = def.Bytes
	}
	if limits.ResultBytes <= 0 {
		limits.ResultBytes = def.ResultBytes
	}
	return &Documents{db: db, botID: botID, limits: limits, sql: dialectOf(db)}
}

// botDocument is a row of bot_documents.
type botDocument struct {
	bun.BaseModel `bun:"table:bot_documents"`

	Seq        int64     `bun:"seq,pk,autoincrement"`
	BotID      string    `bun:"bot_id"`
	Collection string    `bun:"collection"`
	ID         string    `bun:"id"`
	Data       string    `bun:"data"`
	Size       int       `bun:"size"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// docUsage is a row of bot_document_usage.
type docUsage struct {
	bun.BaseModel `bun:"table:bot_document_usage"`

	BotID     string `bun:"bot_id,pk"`
	Documents int64  `bun:"documents"`
	Bytes     int64  `bun:"bytes"`
}

// DocumentUsage reports how many documents and JSON bytes a bot stores.
func DocumentUsage(ctx context.Context, db bun.IDB, botID string) (docs, size int64, err error) {
	u := new(docUsage)
	err = db.NewSelect().Model(u).Where("bot_id = ?", botID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return u.Documents, u.Bytes, wrap("document usage", err)
}

// --- reading ---

// FindOne returns the first document matching filter, or nil.
func (d *Documents) FindOne(ctx context.Context, coll string, filter DocFilter) (map[string]any, error) {
	docs, err := d.Find(ctx, coll, filter, DocFind{Limit: 1})
	if err != nil || len(docs) == 0 {
		return nil, wrap("documents find one", err)
	}
	return docs[0], nil
}

// Find returns the documents matching filter, sorted, skipped and limited.
func (d *Documents) Find(ctx context.Context, coll string, filter DocFilter, opts DocFind) ([]map[string]any, error) {
	if coll == UsersCollection {
		v0, err := d.findUsers(ctx, filter, opts)
		return v0, wrap("documents find", err)
	}
	if opts.Limit < 1 {
		opts.Limit = 1
	}
	if id, byID := byIDFilter(filter); byID && opts.Skip == 0 {
		// At most one document has the id, so sorting changes nothing.
		doc, ok, err := d.findByID(ctx, coll, id)
		switch {
		case ok && err != nil:
			return nil, wrap("documents find", err)
		case ok && doc == nil:
			return []map[string]any{}, nil
		case ok:
			return []map[string]any{doc}, nil
		}
	}
	q, err := d.selectMatching(coll, filter)
	if err != nil {
		return nil, wrap("documents find", err)
	}
	for _, s := range opts.Sort {
		if err := checkQueryField(s.Field, "sort"); err != nil {
			return nil, wrap("documents find", err)
		}
		for _, expr := range d.sql.sortKeys(s.Field) {
			dir := " ASC"
			if s.Desc {
				dir = " DESC"
			}
			q = q.OrderExpr(expr.sql+dir, expr.args...)
		}
	}
	var rows []botDocument
	err = q.Column("seq", "id", "data").OrderExpr("seq ASC").Limit(int64(opts.Limit)).Offset(int64(opts.Skip)).Scan(ctx, &rows)
	if err != nil {
		return nil, wrap("documents find", err)
	}
	out := make([]map[string]any, 0, len(rows))
	total := 0
	for i := range rows {
		total += len(rows[i].Data) + len(rows[i].ID)
		if total > d.limits.ResultBytes {
			return nil, wrap("documents find", docErr("the documents found are larger than %s in all; ask for fewer with the limit option", byteSize(int64(d.limits.ResultBytes))))
		}
		doc, err := decodeDoc(rows[i].ID, rows[i].Data)
		if err != nil {
			return nil, wrap("documents find", err)
		}
		out = append(out, doc)
	}
	return out, nil
}

// Count counts the documents matching filter.
func (d *Documents) Count(ctx context.Context, coll string, filter DocFilter) (int64, error) {
	if coll == UsersCollection {
		v0, err := d.countUsers(ctx, filter)
		return v0, wrap("documents count", err)
	}
	q, err := d.selectMatching(coll, filter)
	if err != nil {
		return 0, wrap("documents count", err)
	}
	n, err := q.Count(ctx)
	return int64(n), wrap("documents count", err)
}

// selectMatching starts a select of coll's documents matching filter.
func (d *Documents) selectMatching(coll string, filter DocFilter) (*bun.SelectQuery, error) {
	q := d.db.NewSelect().Model((*botDocument)(nil)).Where("bot_id = ?", d.botID).Where("collection = ?", coll)
	return d.where(q, filter)
}

func (d *Documents) where(q *bun.SelectQuery, filter DocFilter) (*bun.SelectQuery, error) {
	scalars := map[string]any{}
	for _, field := range sortedFields(filter) {
		v := filter[field]
		if err := checkValue(v, 0); err != nil {
			return nil, err
		}
		if field == "_id" {
			id, ok := v.(string)
			if !ok {
				return nil, docErr("filter: _id must be a string")
			}
			q = q.Where("id = ?", id)
			continue
		}
		if err := checkQueryField(field, "filter"); err != nil {
			return nil, err
		}
		switch v.(type) {
		case string, float64, bool:
			scalars[field] = v
		case nil:
			frag := d.sql.isNullOrMissing(field)
			q = q.Where(frag.sql, frag.args...)
		case map[string]any, []any:
			enc, err := canonicalJSON(v)
			if err != nil {
				return nil, err
			}
			frag := d.sql.equalsComposite(field, v, enc)
			q = q.Where(frag.sql, frag.args...)
		default:
			return nil, docErr("filter: %s has a value that is not JSON", field)
		}
	}
	if len(scalars) > 0 {
		frags, err := d.sql.equalsScalars(scalars)
		if err != nil {
			return nil, err
		}
		for _, f := range frags {
			q = q.Where(f.sql, f.args...)
		}
	}
	return q, nil
}

// --- writing ---

// Insert stores doc in coll and returns its _id (doc's, or a new one).
func (d *Documents) Insert(ctx context.Context, coll string, doc map[string]any) (string, error) {
	if coll == UsersCollection {
		return "", wrap("documents insert", errUsersReadOnly)
	}
	id, err := docID(doc)
	if err != nil {
		return "", wrap("documents insert", err)
	}
	if id == "" {
		id = RandomString(10)
	}
	data, err := d.encodeDoc(id, doc)
	if err != nil {
		return "", wrap("documents insert", err)
	}
	err = d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		_, err := d.insertRow(ctx, tx, coll, id, data)
		if errors.Is(err, errDuplicate) {
			err = docErr("a document with _id %q already exists in %q", clipText(id, 80), coll)
		}
		return err
	})
	if err != nil {
		return "", wrap("documents insert", err)
	}
	return id, nil
}

// insertRow takes quota and inserts; false means the _id exists.
func (d *Documents) insertRow(ctx context.Context, tx bun.IDB, coll, id, data string) (bool, error) {
	size := len(data) + len(id)
	if err := d.takeQuota(ctx, tx, 1, int64(size)); err != nil {
		return false, err
	}
	now := Now()
	row := &botDocument{BotID: d.botID, Collection: coll, ID: id, Data: data, Size: size, CreatedAt: now, UpdatedAt: now}
	res, err := tx.NewInsert().Model(row).ExcludeColumn("seq").Value("data", d.sql.jsonValue(), data).
		On("CONFLICT (bot_id, collection, id) DO NOTHING").Returning("NULL").Exec(ctx)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 0 {
		return false, errDuplicate // rolls the quota back with the transaction
	}
	return true, nil
}

var (
	errDuplicate     = errors.New("duplicate _id")
	errUsersReadOnly = docErr("the %q collection is read-only: it is the bot's audience, maintained by Botdeck", UsersCollection)
)

// UpdateOne applies u to the first document matching filter.
func (d *Documents) UpdateOne(ctx context.Context, coll string, filter DocFilter, u DocUpdate) (DocUpdateResult, error) {
	if coll == UsersCollection {
		return DocUpdateResult{}, wrap("documents update one", errUsersReadOnly)
	}
	if err := checkUpdate(u); err != nil {
		return DocUpdateResult{}, wrap("documents update one", err)
	}
	var res DocUpdateResult
	// An upsert racing another upsert of the same _id finds the document on
	// its second attempt.
	for attempt := 0; ; attempt++ {
		res = DocUpdateResult{}
		err := d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			return d.updateOne(ctx, tx, coll, filter, u, &res)
		})
		if errors.Is(err, errDuplicate) && attempt == 0 {
			continue
		}
		if errors.Is(err, errDuplicate) {
			return DocUpdateResult{}, wrap("documents update one", docErr("a document with this _id already exists in %q", coll))
		}
		return res, wrap("documents update one", err)
	}
}

func (d *Documents) updateOne(ctx context.Context, tx bun.Tx, coll string, filter DocFilter, u DocUpdate, res *DocUpdateResult) error {
	q := tx.NewSelect().Model((*botDocument)(nil)).Where("bot_id = ?", d.botID).Where("collection = ?", coll)
	q, err := d.where(q, filter)
	if err != nil {
		return err
	}
	var rows []botDocument
	if err := d.sql.lockRows(q.Column("seq", "id", "data", "size").OrderExpr("seq ASC").Limit(1)).Scan(ctx, &rows); err != nil {
		return err
	}
	if len(rows) == 0 {
		if !u.Upsert {
			return nil
		}
		doc := map[string]any{}
		for k, v := range filter {
			if v != nil && (u.Replace == nil || k == "_id") {
				doc[k] = v
			}
		}
		id, _ := doc["_id"].(string)
		delete(doc, "_id")
		if err := applyUpdate(doc, u); err != nil {
			return err
		}
		if id == "" {
			id = RandomString(10)
		}
		data, err := d.encodeDoc(id, doc)
		if err != nil {
			return err
		}
		if _, err := d.insertRow(ctx, tx, coll, id, data); err != nil {
			return err
		}
		res.UpsertedID = id
		return nil
	}
	row := rows[0]
	res.Matched = 1
	doc, err := decodeDoc(row.ID, row.Data)
	if err != nil {
		return err
	}
	delete(doc, "_id")
	before, err := canonicalJSON(doc)
	if err != nil {
		return err
	}
	if u.Replace != nil {
		doc = map[string]any{}
	}
	if err := applyUpdate(doc, u); err != nil {
		return err
	}
	data, err := d.encodeDoc(row.ID, doc)
	if err != nil {
		return err
	}
	if data == before {
		return nil
	}
	size := len(data) + len(row.ID)
	if err := d.takeQuota(ctx, tx, 0, int64(size-row.Size)); err != nil {
		return err
	}
	_, err = tx.NewUpdate().Model((*botDocument)(nil)).Set("data = "+d.sql.jsonValue(), data).Set("size = ?", size).
		Set("updated_at = ?", Now()).Where("seq = ?", row.Seq).Exec(ctx)
	if err == nil {
		res.Modified = 1
	}
	return err
}

// DeleteOne deletes the first document matching filter and reports how
// many it deleted (0 or 1).
func (d *Documents) DeleteOne(ctx context.Context, coll string, filter DocFilter) (int64, error) {
	if coll == UsersCollection {
		return 0, wrap("documents delete one", errUsersReadOnly)
	}
	var n int64
	err := d.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*botDocument)(nil)).Where("bot_id = ?", d.botID).Where("collection = ?", coll)
		q, err := d.where(q, filter)
		if err != nil {
			return err
		}
		var rows []botDocument
		if err := d.sql.lockRows(q.Column("seq", "size").OrderExpr("seq ASC").Limit(1)).Scan(ctx, &rows); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		if _, err := tx.NewDelete().Model((*botDocument)(nil)).Where("seq = ?", rows[0].Seq).Exec(ctx); err != nil {
			return err
		}
		n = 1
		return d.takeQuota(ctx, tx, -1, -int64(rows[0].Size))
	})
	return n, wrap("documents delete one", err)
}

// takeQuota moves the bot's usage by (docs, size), refusing growth past
// the limits. The check and the change are one conditional UPDATE.
func (d *Documents) takeQuota(ctx context.Context, tx bun.IDB, docs, size int64) error {
	for attempt := 0; attempt < 2; attempt++ {
		q := tx.NewUpdate().Model((*docUsage)(nil)).
			Set("documents = documents + ?", docs).Set("bytes = bytes + ?", size).Where("bot_id = ?", d.botID)
		if docs > 0 {
			q = q.Where("documents + ? <= ?", docs, d.limits.Documents)
		}
		if size > 0 {
			q = q.Where("bytes + ? <= ?", size, d.limits.Bytes)
		}
		res, err := q.Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		// No row yet, or over quota: make sure the row exists, then look.
		if _, err := tx.NewInsert().Model(&docUsage{BotID: d.botID}).On("CONFLICT (bot_id) DO NOTHING").Exec(ctx); err != nil {
			return err
		}
		var u docUsage
		if err := tx.NewSelect().Model(&u).Where("bot_id = ?", d.botID).Scan(ctx); err != nil {
			return err
		}
		switch {
		case docs > 0 && u.Documents+docs > d.limits.Documents:
			return docErr("this bot already stores %d documents, the most it may; delete some first", d.limits.Documents)
		case size > 0 && u.Bytes+size > d.limits.Bytes:
			return docErr("this bot's documents would take more than %s, the most it may store; delete some first", byteSize(d.limits.Bytes))
		}
	}
	return errors.New("document usage row vanished")
}

// --- documents as JSON ---

// encodeDoc checks doc and returns its canonical JSON (without _id).
func (d *Documents) encodeDoc(id string, doc map[string]any) (string, error) {
	body := make(map[string]any, len(doc))
	for k, v := range doc {
		if k == "_id" {
			continue
		}
		if err := checkKey(k); err != nil {
			return "", err
		}
		if err := checkValue(v, 0); err != nil {
			return "", err
		}
		body[k] = v
	}
	data, err := canonicalJSON(body)
	if err != nil {
		return "", err
	}
	if len(data)+len(id) > d.limits.DocumentBytes {
		return "", docErr("the document is %s as JSON; a document may take at most %s", byteSize(int64(len(data)+len(id))), byteSize(int64(d.limits.DocumentBytes)))
	}
	return data, nil
}

func docID(doc map[string]any) (string, error) {
	v, ok := doc["_id"]
	if !ok {
		return "", nil
	}
	id, ok := v.(string)
	if !ok || id == "" || len(id) > 128 || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return "", docErr("_id must be a non-empty string of at most 128 bytes")
	}
	return id, nil
}

// decodeDoc reads a stored document and adds its _id.
func decodeDoc(id, data string) (map[string]any, error) {
	var doc map[string]any
	if err := json.Unmarshal([]byte(data), &doc); err != nil {
		return nil, fmt.Errorf("decode document %s: %w", id, err)
	}
	if doc == nil {
		doc = map[string]any{}
	}
	doc["_id"] = id
	return doc, nil
}

// canonicalJSON encodes v with sorted keys, no HTML escaping and -0 as 0,
// so that equal values always have the same text.
func canonicalJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(normalizeZero(v)); err != nil {
		return "", docErr("the value cannot be stored as JSON")
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func normalizeZero(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return float64(0)
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeZero(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeZero(e)
		}
		return out
	}
	return v
}

// checkValue refuses what one dialect could store and the other not:
// NUL characters (PostgreSQL's jsonb cannot hold them) and non-finite
// numbers.
func checkValue(v any, depth int) error {
	if depth > 200 {
		return docErr("the value is nested too deeply")
	}
	switch x := v.(type) {
	case nil, bool:
	case string:
		if strings.ContainsRune(x, 0) || !utf8.ValidString(x) {
			return docErr("strings in documents cannot contain the NUL character (\\u0000) or invalid UTF-8")
		}
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return docErr("numbers in documents must be finite")
		}
	case map[string]any:
		for k, e := range x {
			if err := checkKey(k); err != nil {
				return err
			}
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range x {
			if err := checkValue(e, depth+1); err != nil {
				return err
			}
		}
	default:
		return docErr("a value of type %T is not JSON", v)
	}
	return nil
}

func checkKey(k string) error {
	if strings.ContainsRune(k, 0) || !utf8.ValidString(k) {
		return docErr("field names cannot contain the NUL character (\\u0000) or invalid UTF-8")
	}
	return nil
}

// checkQueryField refuses field names the SQLite JSON path cannot quote,
// on both dialects alike.
func checkQueryField(field, what string) error {
	if field == "" || len(field) > 256 {
		return docErr("%s: invalid field name", what)
	}
	for _, r := range field {
		if r < 0x20 || r == '"' || r == '\\' || r == 0x7f {
			return docErr("%s: field %q cannot be filtered or sorted on (quotes, backslashes and control characters are not supported there)", what, clipText(field, 40))
		}
	}
	return nil
}

func checkUpdate(u DocUpdate) error {
	for k := range u.Set {
		if _, both := u.Inc[k]; both {
			return docErr("update: %q is in both $set and $inc", clipText(k, 40))
		}
	}
	return nil
}

// applyUpdate changes doc (without _id) in place.
func applyUpdate(doc map[string]any, u DocUpdate) error {
	for k, v := range u.Replace {
		if k != "_id" {
			doc[k] = v
		}
	}
	for k, v := range u.Set {
		doc[k] = v
	}
	for _, k := range sortedFields(incFields(u.Inc)) {
		n := u.Inc[k]
		var cur float64
		switch x := doc[k].(type) {
		case nil:
		case float64:
			cur = x
		default:
			return docErr("$inc: field %q holds %s, not a number", clipText(k, 40), jsonKindOf(x))
		}
		sum := cur + n
		if math.IsInf(sum, 0) || math.IsNaN(sum) {
			return docErr("$inc: field %q would no longer be a finite number", clipText(k, 40))
		}
		doc[k] = sum
	}
	return nil
}

func incFields(m map[string]float64) map[string]any {
	out := make(map[string]any, len(m))
	for k := range m {
		out[k] = nil
	}
	return out
}

func jsonKindOf(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a value"
}

func sortedFields(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// Small maps: insertion sort keeps this allocation-free beyond keys.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/1024, 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// --- the users collection: the bot's audience, read-only ---

// userField maps a field of a user document to its bot_users column.
type userField struct {
	column string
	kind   string // "number", "string", "nullable" (a string, null when empty), "bool", "time"
}

var userFields = map[string]userField{
	"userId":       {"user_id", "number"},
	"username":     {"username", "nullable"},
	"firstName":    {"first_name", "string"},
	"lastName":     {"last_name", "nullable"},
	"languageCode": {"language_code", "nullable"},
	"isPremium":    {"is_premium", "bool"},
	"blocked":      {"blocked", "bool"},
	"botBlocked":   {"bot_blocked", "bool"},
	"startedAt":    {"started_at", "time"},
	"lastSeenAt":   {"last_seen_at", "time"},
}

// UserDocument is how a bot user looks to bot code.
func UserDocument(u *BotUser) map[string]any {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	return map[string]any{
		"_id": strconv.FormatInt(u.UserID, 10), "userId": float64(u.UserID), "username": nullable(u.Username),
		"firstName": u.FirstName, "lastName": nullable(u.LastName), "name": u.Name, "languageCode": nullable(u.LanguageCode),
		"isPremium": u.IsPremium, "blocked": u.Blocked, "botBlocked": u.BotBlocked,
		"startedAt": u.StartedAt.UTC().Format(time.RFC3339Nano), "lastSeenAt": u.LastSeenAt.UTC().Format(time.RFC3339Nano),
	}
}

// whereUsers adds filter to a select of the bot's users; false means the
// filter can match nobody (a value of the wrong type).
func (d *Documents) whereUsers(q *bun.SelectQuery, filter DocFilter) (*bun.SelectQuery, bool, error) {
	q = q.Where("bot_id = ?", d.botID)
	for _, field := range sortedFields(filter) {
		v := filter[field]
		if field == "_id" {
			s, ok := v.(string)
			id, err := strconv.ParseInt(s, 10, 64)
			if !ok || err != nil || strconv.FormatInt(id, 10) != s {
				return q, false, nil
			}
			q = q.Where("user_id = ?", id)
			continue
		}
		f, ok := userFields[field]
		if !ok || f.kind == "time" {
			return q, false, docErr("the users collection can be filtered by userId, username, firstName, lastName, languageCode, isPremium, blocked and botBlocked, not %q", clipText(field, 40))
		}
		col := bun.Ident(f.column)
		switch f.kind {
		case "number":
			n, ok := v.(float64)
			if v == nil {
				return q, false, nil
			}
			if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
				return q, false, nil
			}
			q = q.Where("? = ?", col, int64(n))
		case "string", "nullable":
			s, ok := v.(string)
			switch {
			case v == nil && f.kind == "nullable":
				q = q.Where("? = ''", col)
			case !ok || (s == "" && f.kind == "nullable"):
				return q, false, nil
			default:
				q = q.Where("? = ?", col, s)
			}
		case "bool":
			b, ok := v.(bool)
			if !ok {
				return q, false, nil
			}
			q = q.Where("? = ?", col, b)
		}
	}
	return q, true, nil
}

func (d *Documents) findUsers(ctx context.Context, filter DocFilter, opts DocFind) ([]map[string]any, error) {
	q, ok, err := d.whereUsers(d.db.NewSelect().Model((*BotUser)(nil)), filter)
	if err != nil || !ok {
		return []map[string]any{}, err
	}
	for _, s := range opts.Sort {
		f, ok := userFields[s.Field]
		if s.Field == "_id" {
			f, ok = userFields["userId"], true
		}
		if !ok {
			return nil, docErr("the users collection can be sorted by userId, username, firstName, lastName, startedAt and lastSeenAt, not %q", clipText(s.Field, 40))
		}
		dir := "ASC"
		if s.Desc {
			dir = "DESC"
		}
		q = q.OrderExpr("? "+dir, bun.Ident(f.column))
	}
	if opts.Limit < 1 {
		opts.Limit = 1
	}
	var users []BotUser
	if err := q.OrderExpr("started_at ASC, user_id ASC").Limit(int64(opts.Limit)).Offset(int64(opts.Skip)).Scan(ctx, &users); err != nil {
		return nil, err
	}
	out := make([]map[string]any, len(users))
	for i := range users {
		out[i] = UserDocument(&users[i])
	}
	return out, nil
}

func (d *Documents) countUsers(ctx context.Context, filter DocFilter) (int64, error) {
	q, ok, err := d.whereUsers(d.db.NewSelect().Model((*BotUser)(nil)), filter)
	if err != nil || !ok {
		return 0, err
	}
	n, err := q.Count(ctx)
	return int64(n), err
}

// --- dialect-specific SQL: the one place where PostgreSQL and SQLite differ ---

// sqlFrag is a piece of SQL with its arguments (bun placeholders).
type sqlFrag struct {
	sql  string
	args []any
}

// docDialect writes the SQL that reads inside stored JSON. PostgreSQL
// stores JSONB and uses its operators (equality and containment compare
// numbers numerically and objects whatever their key order); SQLite stores
// canonical JSON text (sorted keys, see canonicalJSON) and uses json_type
// and json_extract, testing the JSON type explicitly because json_extract
// turns true into 1.
type docDialect interface {
	// equalsScalars: each field equals its string, number or boolean value.
	equalsScalars(fields map[string]any) ([]sqlFrag, error)
	// equalsComposite: field equals the object or array v (canonical text enc).
	equalsComposite(field string, v any, enc string) sqlFrag
	// isNullOrMissing: field is null or absent.
	isNullOrMissing(field string) sqlFrag
	// sortKeys: expressions to order by, in order (type rank, number, string).
	sortKeys(field string) []sqlFrag
	// jsonValue is the placeholder for a JSON document parameter.
	jsonValue() string
	// lockRows locks the selected rows for the rest of the transaction.
	lockRows(q *bun.SelectQuery) *bun.SelectQuery
	// byIDQuery reads the data of one document by bot, collection and id
	// (document_byid.go), with the dialect's placeholders.
	byIDQuery() string
}

func dialectOf(db bun.IDB) docDialect {
	if sqldialect.IsPostgres(db) {
		return pgDocs{}
	}
	return sqliteDocs{}
}

type pgDocs struct{}

func (pgDocs) equalsScalars(fields map[string]any) ([]sqlFrag, error) {
	// One containment test: for scalar values, containment is equality, and
	// the GIN index (jsonb_path_ops) serves it.
	enc, err := canonicalJSON(fields)
	if err != nil {
		return nil, err
	}
	return []sqlFrag{{"data @> ?::jsonb", []any{enc}}}, nil
}

func (pgDocs) equalsComposite(field string, _ any, enc string) sqlFrag {
	return sqlFrag{"data -> ? = ?::jsonb", []any{field, enc}}
}

func (pgDocs) isNullOrMissing(field string) sqlFrag {
	return sqlFrag{"(data -> ? IS NULL OR data -> ? = 'null'::jsonb)", []any{field, field}}
}

func (pgDocs) sortKeys(field string) []sqlFrag {
	if field == "_id" {
		return []sqlFrag{{`id COLLATE "C"`, nil}}
	}
	f := []any{field}
	return []sqlFrag{
		{"CASE jsonb_typeof(data -> ?) WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'boolean' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 5 ELSE 0 END", f},
		{"CASE jsonb_typeof(data -> ?) WHEN 'number' THEN (data ->> ?)::numeric WHEN 'boolean' THEN CASE WHEN data ->> ? = 'true' THEN 1 ELSE 0 END END", []any{field, field, field}},
		{`CASE WHEN jsonb_typeof(data -> ?) = 'string' THEN data ->> ? END COLLATE "C"`, []any{field, field}},
	}
}

func (pgDocs) jsonValue() string { return "?::jsonb" }

func (pgDocs) lockRows(q *bun.SelectQuery) *bun.SelectQuery { return q.For("UPDATE") }

func (pgDocs) byIDQuery() string {
	return "SELECT data FROM bot_documents WHERE bot_id = $1 AND collection = $2 AND id = $3"
}

type sqliteDocs struct{}

// path is the JSON path of a top-level field; checkQueryField keeps
// quotes and backslashes out of field names.
func (sqliteDocs) path(field string) string { return `$."` + field + `"` }

func (s sqliteDocs) equalsScalars(fields map[string]any) ([]sqlFrag, error) {
	frags := make([]sqlFrag, 0, len(fields))
	for _, field := range sortedFields(fields) {
		p := s.path(field)
		switch v := fields[field].(type) {
		case string:
			frags = append(frags, sqlFrag{"(json_type(data, ?) = 'text' AND json_extract(data, ?) = ?)", []any{p, p, v}})
		case float64:
			frags = append(frags, sqlFrag{"(json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?)", []any{p, p, v}})
		case bool:
			t := "false"
			if v {
				t = "true"
			}
			frags = append(frags, sqlFrag{"json_type(data, ?) = ?", []any{p, t}})
		}
	}
	return frags, nil
}

func (s sqliteDocs) equalsComposite(field string, v any, enc string) sqlFrag {
	kind := "object"
	if _, ok := v.([]any); ok {
		kind = "array"
	}
	// Both sides are canonical JSON (sorted keys) rendered by SQLite's own
	// minifier, so equal values have equal text.
	p := s.path(field)
	return sqlFrag{"(json_type(data, ?) = ? AND json_extract(data, ?) = json(?))", []any{p, kind, p, enc}}
}

func (s sqliteDocs) isNullOrMissing(field string) sqlFrag {
	p := s.path(field)
	return sqlFrag{"(json_type(data, ?) IS NULL OR json_type(data, ?) = 'null')", []any{p, p}}
}

func (s sqliteDocs) sortKeys(field string) []sqlFrag {
	if field == "_id" {
		return []sqlFrag{{"id", nil}}
	}
	p := []any{s.path(field)}
	pp := []any{s.path(field), s.path(field)}
	return []sqlFrag{
		{"CASE json_type(data, ?) WHEN 'integer' THEN 1 WHEN 'real' THEN 1 WHEN 'text' THEN 2 WHEN 'true' THEN 3 WHEN 'false' THEN 3 WHEN 'object' THEN 4 WHEN 'array' THEN 5 ELSE 0 END", p},
		{"CASE WHEN json_type(data, ?) IN ('integer', 'real', 'true', 'false') THEN json_extract(data, ?) END", pp},
		{"CASE WHEN json_type(data, ?) = 'text' THEN json_extract(data, ?) END", pp},
	}
}

func (sqliteDocs) jsonValue() string { return "?" }

// lockRows: SQLite transactions are IMMEDIATE (see database.Open): the
// write lock is held from BEGIN, so nothing else can change the rows.
func (sqliteDocs) lockRows(q *bun.SelectQuery) *bun.SelectQuery { return q }

func (sqliteDocs) byIDQuery() string {
	return "SELECT data FROM bot_documents WHERE bot_id = ? AND collection = ? AND id = ?"
}
