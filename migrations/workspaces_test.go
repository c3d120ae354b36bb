package migrations_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun/migrate"

	"github.com/botdeck/botdeck/internal/database"
	"github.com/botdeck/botdeck/internal/dbtest"
	"github.com/botdeck/botdeck/migrations"
	"github.com/botdeck/botdeck/models"
)

// workspacesMigration is the migration that moved ownership to workspaces.
const workspacesMigration = "20261204010000"

// TestWorkspacesMigrationKeepsEverything: a database written before
// workspaces (two accounts with bots, uploads, API keys, campaigns,
// broadcasts and events) is migrated; each account owns one workspace
// named after it, and everything it owned belongs to that workspace.
func TestWorkspacesMigrationKeepsEverything(t *testing.T) {
	for _, d := range dbtest.Dialects() {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, err := database.Open(ctx, dbtest.URL(t, d))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			// Migrate to the version before workspaces.
			before := migrate.NewMigrations()
			for _, m := range migrations.All.Sorted() {
				if m.Name < workspacesMigration {
					before.Add(m)
				}
			}
			m := migrate.NewMigrator(db, before, migrate.WithMarkAppliedOnSuccess(true))
			if err := m.Init(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Migrate(ctx); err != nil {
				t.Fatal(err)
			}

			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.ExecContext(ctx, q, args...); err != nil {
					t.Fatalf("%v\n%s", err, q)
				}
			}
			at := "2026-01-01 00:00:00"
			exec(`INSERT INTO users (id, email, name, password_hash, created_at, updated_at) VALUES
				('usr_ann', 'ann@example.com', 'Ann', 'x', ?, ?), ('usr_bob', 'bob@example.com', '', 'x', ?, ?)`, at, at, at, at)
			for i, b := range [][2]string{{"bot_a1", "usr_ann"}, {"bot_a2", "usr_ann"}, {"bot_b1", "usr_bob"}} {
				exec(`INSERT INTO bots (id, owner_id, telegram_id, username, name, token_ciphertext, token_hash, token_masked, status, update_mode, webhook_secret, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, 'm', 'active', 'polling', 's', ?, ?)`, b[0], b[1], i+1, b[0], b[0], []byte("x"), "h"+b[0], at, at)
			}
			exec(`INSERT INTO uploads (id, owner_id, name, content_type, size, data, created_at) VALUES ('upl_1', 'usr_bob', 'a.png', 'image/png', 1, ?, ?)`, []byte("x"), at)
			exec(`INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at) VALUES ('key_1', 'usr_ann', 'crm', 'bdk_x', 'kh1', ?), ('key_2', 'usr_bob', 'b', 'bdk_y', 'kh2', ?)`, at, at)
			exec(`INSERT INTO campaigns (id, bot_id, chat_id, chat_title, name, invite_link, status, created_at, updated_at)
				VALUES ('cmp_1', 'bot_a1', -1, 'Chat', 'Spring', 'https://t.me/+x', 'active', ?, ?)`, at, at)
			bcID := models.NewID("bc")
			exec(`INSERT INTO broadcasts (id, bot_id, text, audience, status, created_at, updated_at) VALUES (?, 'bot_b1', 'hi', '{}', 'done', ?, ?)`, bcID, at, at)
			exec(`INSERT INTO events (scope, bot_id, kind, data, created_at) VALUES ('usr_ann', 'bot_a1', 'bot', '{}', ?)`, at)

			if _, err := database.Migrate(ctx, db); err != nil {
				t.Fatalf("migrate: %v", err)
			}

			ws := map[string]models.Membership{}
			for _, u := range []string{"usr_ann", "usr_bob"} {
				ms, err := models.WorkspacesOfUser(ctx, db, u)
				if err != nil || len(ms) != 1 || ms[0].Role != models.RoleOwner || !models.LooksLikeID("ws", ms[0].WorkspaceID) {
					t.Fatalf("%s workspaces: %+v %v", u, ms, err)
				}
				ws[u] = ms[0]
			}
			if ws["usr_ann"].WorkspaceName != "Ann's workspace" || ws["usr_bob"].WorkspaceName != "bob@example.com's workspace" {
				t.Errorf("names: %q, %q", ws["usr_ann"].WorkspaceName, ws["usr_bob"].WorkspaceName)
			}
			ann, bob := ws["usr_ann"].WorkspaceID, ws["usr_bob"].WorkspaceID
			for bot, want := range map[string]string{"bot_a1": ann, "bot_a2": ann, "bot_b1": bob} {
				if got, err := models.BotOwnerID(ctx, db, bot); err != nil || got != want {
					t.Errorf("%s owner %q, want %q (%v)", bot, got, want, err)
				}
			}
			countBots := func(owner string) int {
				n, err := db.NewSelect().Model((*models.Bot)(nil)).Where("owner_id = ?", owner).Count(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return int(n)
			}
			if n := countBots(ann); n != 2 {
				t.Errorf("ann's workspace has %d bots", n)
			}
			if _, err := models.CampaignOfOwner(ctx, db, ann, "cmp_1"); err != nil {
				t.Errorf("campaign of ann's workspace: %v", err)
			}
			if _, err := models.CampaignOfOwner(ctx, db, bob, "cmp_1"); err == nil {
				t.Error("ann's campaign is bob's")
			}
			if _, _, err := models.BroadcastOfOwner(ctx, db, bob, bcID); err != nil {
				t.Errorf("broadcast of bob's workspace: %v", err)
			}
			if _, err := models.UploadOfOwner(ctx, db, bob, "upl_1"); err != nil {
				t.Errorf("upload of bob's workspace: %v", err)
			}
			keys, err := models.APIKeysOfUser(ctx, db, "usr_ann", ann)
			if err != nil || len(keys) != 1 || keys[0].ID != "key_1" {
				t.Errorf("ann's keys in her workspace: %+v %v", keys, err)
			}
			var scope string
			if err := db.NewRaw(`SELECT scope FROM events`).Scan(ctx, &scope); err != nil || scope != ann {
				t.Errorf("event scope %q (%v)", scope, err)
			}
			// The foreign keys now point at workspaces: deleting a workspace
			// takes its bots, deleting an account no longer does.
			if _, err := db.NewDelete().Model((*models.User)(nil)).Where("id = ?", "usr_ann").Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if n := countBots(ann); n != 2 {
				t.Errorf("after deleting ann's account her workspace has %d bots", n)
			}
			if _, err := db.NewDelete().Model((*models.Workspace)(nil)).Where("id = ?", bob).Exec(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := models.BotOwnerID(ctx, db, "bot_b1"); err == nil {
				t.Error("bob's bot survived his workspace")
			}
			if _, err := db.ExecContext(ctx, `INSERT INTO bots (id, owner_id, telegram_id, username, name, token_ciphertext, token_hash, token_masked, status, update_mode, webhook_secret, created_at, updated_at)
				VALUES ('bot_x', 'usr_bob', 99, 'x', 'x', ?, 'hx', 'm', 'active', 'polling', 's', ?, ?)`, []byte("x"), at, at); err == nil {
				t.Error("a bot owned by an account id (not a workspace) was accepted")
			}
		})
	}
}
