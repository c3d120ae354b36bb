// Command bare is the load runs' baseline (scripts/bench/custom.sh and
// custom_ab.sh): bare net/http handlers doing what the benchmark's /custom
// handlers do, so a run shows what Botdeck adds to them.
//
//	bare 127.0.0.1:18482 [postgres://…]
//
// GET /?n=1 answers the same JSON envelope as a trivial handler. With a
// database URL, GET /item?bot=…&id=… reads one document by _id from
// bot_documents, as the item handler's findOne does, through database/sql
// and pgx with one parameterised statement and Botdeck's pool size, and
// answers it in the same envelope.
package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"ok": true, "data": map[string]any{"pong": r.URL.Query().Get("n")}})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
	if len(os.Args) > 2 {
		db, err := sql.Open("pgx", os.Args[2])
		if err != nil {
			panic(err)
		}
		db.SetMaxOpenConns(40)
		db.SetMaxIdleConns(40)
		http.HandleFunc("/item", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			var id, data string
			err := db.QueryRowContext(r.Context(),
				`SELECT id, data FROM bot_documents WHERE bot_id = $1 AND collection = $2 AND id = $3 ORDER BY seq LIMIT 1`,
				q.Get("bot"), "items", q.Get("id")).Scan(&id, &data)
			var doc map[string]any
			switch {
			case err == sql.ErrNoRows:
			case err != nil:
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			default:
				if err := json.Unmarshal([]byte(data), &doc); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				doc["_id"] = id
			}
			body, _ := json.Marshal(map[string]any{"ok": true, "data": doc})
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write(body)
		})
	}
	http.ListenAndServe(os.Args[1], nil)
}
