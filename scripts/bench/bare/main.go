// Command bare is the load runs' baseline (scripts/bench/custom.sh and
// custom_ab.sh): a bare net/http handler answering the same JSON envelope
// as a trivial /custom handler, so a run shows what Botdeck adds to it.
//
//	bare 127.0.0.1:18482
package main

import (
	"encoding/json"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := json.Marshal(map[string]any{"ok": true, "data": map[string]any{"pong": r.URL.Query().Get("n")}})
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	})
	http.ListenAndServe(os.Args[1], nil)
}
