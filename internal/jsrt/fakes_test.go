package jsrt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"sync"
)

// memStore is an in-memory DocStore with the semantics documented on Filter, FindOptions and
// Update. For tests only; the real store lives elsewhere.
type memStore struct {
	mu    sync.Mutex
	colls map[string][]Doc
	seq   int
	delay func(ctx context.Context) error // optional: simulates a slow database
	fail  error                           // optional: every call fails with it
}

func newMemStore() *memStore { return &memStore{colls: map[string][]Doc{}} }

func (m *memStore) seed(coll string, docs ...Doc) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range docs {
		m.colls[coll] = append(m.colls[coll], copyDoc(d))
	}
}

func copyDoc(d Doc) Doc {
	out := make(Doc, len(d))
	for k, v := range d {
		out[k] = v
	}
	return out
}

func matches(d Doc, f Filter) bool {
	for k, want := range f {
		got, ok := d[k]
		if want == nil {
			if ok && got != nil {
				return false
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, want) {
			return false
		}
	}
	return true
}

func (m *memStore) pre(ctx context.Context) error {
	if m.delay != nil {
		if err := m.delay(ctx); err != nil {
			return err
		}
	}
	return m.fail
}

func (m *memStore) FindOne(ctx context.Context, coll string, f Filter) (Doc, error) {
	if err := m.pre(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.colls[coll] {
		if matches(d, f) {
			return copyDoc(d), nil
		}
	}
	return nil, nil
}

func (m *memStore) Find(ctx context.Context, coll string, f Filter, o FindOptions) ([]Doc, error) {
	if err := m.pre(ctx); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Doc
	for _, d := range m.colls[coll] {
		if matches(d, f) {
			out = append(out, copyDoc(d))
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		for _, s := range o.Sort {
			a, b := fmt.Sprint(out[i][s.Field]), fmt.Sprint(out[j][s.Field])
			if fa, ok := out[i][s.Field].(float64); ok {
				if fb, ok := out[j][s.Field].(float64); ok {
					if fa == fb {
						continue
					}
					return (fa < fb) != s.Desc
				}
			}
			if a == b {
				continue
			}
			return (a < b) != s.Desc
		}
		return false
	})
	if o.Skip >= len(out) {
		return []Doc{}, nil
	}
	out = out[o.Skip:]
	if len(out) > o.Limit {
		out = out[:o.Limit]
	}
	return out, nil
}

func (m *memStore) InsertOne(ctx context.Context, coll string, d Doc) (string, error) {
	if err := m.pre(ctx); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d = copyDoc(d)
	if _, ok := d["_id"]; !ok {
		m.seq++
		d["_id"] = fmt.Sprintf("id%d", m.seq)
	}
	for _, e := range m.colls[coll] {
		if e["_id"] == d["_id"] {
			return "", Public("duplicate _id", errors.New("unique violation"))
		}
	}
	m.colls[coll] = append(m.colls[coll], d)
	return d["_id"].(string), nil
}

func (m *memStore) UpdateOne(ctx context.Context, coll string, f Filter, u Update) (UpdateResult, error) {
	if err := m.pre(ctx); err != nil {
		return UpdateResult{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	apply := func(d Doc) {
		if u.Replace != nil {
			id := d["_id"]
			clear(d)
			for k, v := range u.Replace {
				d[k] = v
			}
			d["_id"] = id
		}
		for k, v := range u.Set {
			d[k] = v
		}
		for k, n := range u.Inc {
			cur, _ := d[k].(float64)
			d[k] = cur + n
		}
	}
	for _, d := range m.colls[coll] {
		if matches(d, f) {
			apply(d)
			return UpdateResult{Matched: 1, Modified: 1}, nil
		}
	}
	if !u.Upsert {
		return UpdateResult{}, nil
	}
	d := Doc{}
	for k, v := range f {
		d[k] = v
	}
	apply(d)
	if _, ok := d["_id"]; !ok {
		m.seq++
		d["_id"] = fmt.Sprintf("id%d", m.seq)
	}
	m.colls[coll] = append(m.colls[coll], d)
	return UpdateResult{UpsertedID: d["_id"].(string)}, nil
}

func (m *memStore) DeleteOne(ctx context.Context, coll string, f Filter) (int64, error) {
	if err := m.pre(ctx); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	docs := m.colls[coll]
	for i, d := range docs {
		if matches(d, f) {
			m.colls[coll] = append(docs[:i:i], docs[i+1:]...)
			return 1, nil
		}
	}
	return 0, nil
}

func (m *memStore) Count(ctx context.Context, coll string, f Filter) (int64, error) {
	if err := m.pre(ctx); err != nil {
		return 0, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	n := int64(0)
	for _, d := range m.colls[coll] {
		if matches(d, f) {
			n++
		}
	}
	return n, nil
}

// fakeTelegram records calls; it holds a "token" that must never reach JavaScript.
type fakeTelegram struct {
	mu    sync.Mutex
	token string
	calls []tgCall
	fail  error
}

type tgCall struct {
	Method string
	Params map[string]any
}

func (t *fakeTelegram) Call(ctx context.Context, method string, params map[string]any) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, tgCall{method, params})
	if t.fail != nil {
		return nil, t.fail
	}
	if method == "sendMessage" {
		return map[string]any{"message_id": float64(len(t.calls)), "chat": map[string]any{"id": params["chat_id"]}, "text": params["text"]}, nil
	}
	return true, nil
}
