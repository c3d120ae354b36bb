package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/botdeck/botdeck/handlers"
	"github.com/botdeck/botdeck/internal/apptest"
	"github.com/botdeck/botdeck/internal/config"
	"github.com/botdeck/botdeck/internal/contract"
	"github.com/botdeck/botdeck/internal/events"
	"github.com/botdeck/botdeck/internal/web"
	"github.com/botdeck/botdeck/models"
)

// workspaceOf is the id of the client's current workspace.
func workspaceOf(t *testing.T, c *apptest.Client) string {
	t.Helper()
	for _, it := range c.Get(t, "/api/workspaces").Expect(t, http.StatusOK).List(t) {
		if m := it.(map[string]any); m["current"] == true {
			return m["id"].(string)
		}
	}
	t.Fatal("no current workspace")
	return ""
}

// invite makes an invite of wsID for role as owner and returns its token.
func invite(t *testing.T, owner *apptest.Client, wsID, role string) string {
	t.Helper()
	d := owner.Post(t, "/api/workspaces/"+wsID+"/invites", map[string]any{"role": role}).Expect(t, http.StatusCreated).Data(t)
	u := d["url"].(string)
	return u[strings.LastIndex(u, "/")+1:]
}

// join signs up email and joins wsID with role; the client acts in wsID
// through the X-Workspace header.
func join(t *testing.T, env *apptest.Env, owner *apptest.Client, wsID, role, email string) (*apptest.Client, string) {
	t.Helper()
	c := env.SignUp(t, email)
	d := c.Post(t, "/api/invites/"+invite(t, owner, wsID, role)+"/accept", nil).Expect(t, http.StatusOK).Data(t)
	if d["role"] != role || d["id"] != wsID {
		t.Fatalf("joined %v", d)
	}
	return c.WithHeader("X-Workspace", wsID), c.User(t).ID
}

// TestEveryPrivateRouteHasAPermission: the route table names every private
// route the router mounts, and nothing else.
func TestEveryPrivateRouteHasAPermission(t *testing.T) {
	env := apptest.Start(t, "sqlite")
	mounted := map[string]bool{}
	for _, r := range env.App.Router.Routes() {
		if !r.Private {
			continue
		}
		mounted[r.Pattern()] = true
		if _, ok := handlers.RoutePerms[r.Pattern()]; !ok {
			t.Errorf("%s is private but has no permission in handlers.RoutePerms", r.Pattern())
		}
	}
	for p := range handlers.RoutePerms {
		if !mounted[p] {
			t.Errorf("handlers.RoutePerms names %s, which is not a mounted private route", p)
		}
	}
}

// TestRoleMatrix walks every private route of the router as every role:
// a role the route table allows gets past the check (never 403
// forbidden_role), any other gets 403 forbidden_role before the handler
// runs. Requests carry an undeclared member or parameter, so an allowed
// action is refused as 422 unknown_field and nothing changes while walking.
func TestRoleMatrix(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		seedAudience(t, env, w.bot.ID, 2, models.Now())
		campaignID := w.create(t, "Matrix", false)["id"].(string)
		bcID := w.owner.Post(t, "/api/bots/"+w.bot.ID+"/broadcasts", map[string]any{"text": "hi"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		wsID := workspaceOf(t, w.owner)
		clients := map[string]*apptest.Client{models.RoleOwner: w.owner.WithHeader("X-Workspace", wsID)}
		for _, role := range models.Roles[1:] {
			clients[role], _ = join(t, env, w.owner, wsID, role, role+"@matrix.example")
		}
		ids := map[string]string{"/api/bots/": w.bot.ID, "/bots/": w.bot.ID, "/api/campaigns/": campaignID, "/campaigns/": campaignID,
			"/api/broadcasts/": bcID, "/broadcasts/": bcID, "/api/workspaces/": wsID}
		checked := 0
		for _, r := range env.App.Router.Routes() {
			if !r.Private || r.Method == "" {
				continue
			}
			perm := handlers.RoutePerms[r.Pattern()]
			path, _ := fillPath(r.Path, ids)
			for _, role := range models.Roles {
				var res *apptest.Response
				switch r.Method {
				case http.MethodGet, http.MethodDelete:
					sep := "?"
					if strings.Contains(path, "?") {
						sep = "&"
					}
					res = clients[role].Do(t, r.Method, path+sep+"zzUnknown=1", nil)
				default:
					res = clients[role].Do(t, r.Method, path, map[string]any{"zzUnknown": true})
				}
				checked++
				refused := res.StatusCode == http.StatusForbidden && (!r.API || res.ErrorCode(t) == "forbidden_role")
				if want := web.Can(role, perm); want && refused {
					t.Errorf("%s as %s (%s allowed): refused %s", r.Pattern(), role, perm, truncateText(res.Text()))
				} else if !want && !refused {
					t.Errorf("%s as %s (%s not allowed): %d %s, want 403 forbidden_role", r.Pattern(), role, perm, res.StatusCode, truncateText(res.Text()))
				}
			}
		}
		if checked < 5*100 {
			t.Errorf("checked %d route × role pairs", checked)
		}
		// Nothing happened: every member is still there, the broadcast queued.
		if n := len(w.owner.Get(t, "/api/workspaces/"+wsID+"/members").Expect(t, http.StatusOK).List(t)); n != 5 {
			t.Errorf("%d members after the walk", n)
		}
		if d := w.owner.Get(t, "/api/broadcasts/"+bcID).Expect(t, http.StatusOK).Data(t); d["status"] != "queued" {
			t.Errorf("broadcast after the walk: %v", d["status"])
		}
	}, apptest.Webhooks())
}

// TestSupportSeesConversationsButNoCodeOrBroadcasts: what the e2e shows,
// on both dialects and through pages and API.
func TestSupportSeesConversationsButNoCodeOrBroadcasts(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@support.example")
		bot := env.ConnectBot(t, owner, "support_bot")
		wsID := workspaceOf(t, owner)
		support, _ := join(t, env, owner, wsID, models.RoleSupport, "agent@support.example")
		support.Get(t, "/api/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK)
		support.Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusOK)
		support.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK)
		for _, p := range []string{"/api/bots/" + bot.ID + "/code", "/api/bots/" + bot.ID + "/broadcasts", "/bots/" + bot.ID + "/code", "/bots/" + bot.ID + "/broadcasts"} {
			res := support.Get(t, p).Expect(t, http.StatusForbidden)
			if strings.HasPrefix(p, "/api/") && res.ErrorCode(t) != "forbidden_role" {
				t.Errorf("%s: %s", p, res.Text())
			}
		}
		support.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusForbidden)
		// The pages hide what the role cannot use: no Code or Broadcasts tab.
		page := support.Get(t, "/bots/"+bot.ID+"/conversations").Text()
		if strings.Contains(page, `href="/bots/`+bot.ID+`/code"`) || strings.Contains(page, `href="/bots/`+bot.ID+`/broadcasts"`) {
			t.Error("the support member's page links to code or broadcasts")
		}
		if !strings.Contains(owner.Get(t, "/bots/"+bot.ID+"/conversations").Text(), `href="/bots/`+bot.ID+`/code"`) {
			t.Error("the owner's page has no code tab")
		}
	}, apptest.Webhooks())
}

// TestOtherWorkspacesObjectsAre404: bots, campaigns, broadcasts, members
// and invites of a workspace the caller does not belong to are 404, like
// objects that do not exist; so is naming that workspace.
func TestOtherWorkspacesObjectsAre404(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		w := newCampaignWorld(t, env)
		campaignID := w.create(t, "Mine", false)["id"].(string)
		seedAudience(t, env, w.bot.ID, 1, models.Now())
		bcID := w.owner.Post(t, "/api/bots/"+w.bot.ID+"/broadcasts", map[string]any{"text": "hi"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)
		wsA := workspaceOf(t, w.owner)
		inviteA := w.owner.Post(t, "/api/workspaces/"+wsA+"/invites", map[string]any{"role": "viewer"}).Expect(t, http.StatusCreated).Data(t)["id"].(string)

		other := env.SignUp(t, "other@ws.example")
		wsB := workspaceOf(t, other)
		key := other.NewAPIKey(t, "b")
		for _, c := range []*apptest.Client{other, other.WithAPIKey(key)} {
			for _, p := range []string{"/api/bots/" + w.bot.ID, "/api/campaigns/" + campaignID, "/api/broadcasts/" + bcID,
				"/api/bots/" + w.bot.ID + "/users", "/api/workspaces/" + wsA + "/members"} {
				c.Get(t, p).Expect(t, http.StatusNotFound)
			}
			c.Get(t, "/api/bots", "X-Workspace", wsA).Expect(t, http.StatusNotFound)
			c.Delete(t, "/api/workspaces/"+wsA+"/invites/"+inviteA).Expect(t, http.StatusNotFound)
			c.Delete(t, "/api/workspaces/"+wsB+"/invites/"+inviteA).Expect(t, http.StatusNotFound)
		}
		other.Get(t, "/bots/"+w.bot.ID).Expect(t, http.StatusNotFound)
		other.Post(t, "/workspaces/switch", url.Values{"workspace": {wsA}}).Expect(t, http.StatusNotFound)
		// The invite survived the attempts.
		if n := len(w.owner.Get(t, "/api/workspaces/"+wsA+"/invites").Expect(t, http.StatusOK).List(t)); n != 1 {
			t.Errorf("%d invites", n)
		}
	}, apptest.Webhooks())
}

// TestInvitesAreSingleUseAndExpire: an invite joins once, then 410; an
// expired one is 410, an unknown one 404; an invite joins its own
// workspace only.
func TestInvitesAreSingleUseAndExpire(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@invites.example")
		bot := env.ConnectBot(t, owner, "invites_bot")
		wsID := workspaceOf(t, owner)
		token := invite(t, owner, wsID, models.RoleEditor)

		// The page shows the workspace and role to anyone with the link.
		if p := env.Client().Get(t, "/invites/"+token).Expect(t, http.StatusOK).Text(); !strings.Contains(p, "Editor") {
			t.Error("invite page does not name the role")
		}
		a := env.SignUp(t, "a@invites.example")
		wsOfA := workspaceOf(t, a)
		a.Post(t, "/api/invites/"+token+"/accept", nil).Expect(t, http.StatusOK)
		// Used: a second person gets 410, and so does the first again.
		b := env.SignUp(t, "b@invites.example")
		if res := b.Post(t, "/api/invites/"+token+"/accept", nil).Expect(t, http.StatusGone); res.ErrorCode(t) != "invite_expired" {
			t.Errorf("reused: %s", res.Text())
		}
		a.Post(t, "/api/invites/"+token+"/accept", nil).Expect(t, http.StatusGone)
		env.Client().Get(t, "/invites/"+token).Expect(t, http.StatusGone)
		b.Post(t, "/api/invites/"+strings.Repeat("x", 40)+"/accept", nil).Expect(t, http.StatusNotFound)

		// Expired.
		late := invite(t, owner, wsID, models.RoleViewer)
		if _, err := env.App.DB.NewUpdate().Model((*models.Invite)(nil)).Set("expires_at = ?", time.Now().Add(-time.Minute)).
			Where("role = ?", models.RoleViewer).Exec(context.Background()); err != nil {
			t.Fatal(err)
		}
		if res := b.Post(t, "/api/invites/"+late+"/accept", nil).Expect(t, http.StatusGone); res.ErrorCode(t) != "invite_expired" {
			t.Errorf("expired: %s", res.Text())
		}
		// a joined the owner's workspace as editor, and nothing else: a's
		// own workspace is untouched and b joined nothing.
		aws := a.WithHeader("X-Workspace", wsID)
		aws.Get(t, "/api/bots/"+bot.ID).Expect(t, http.StatusOK)
		aws.Get(t, "/api/workspaces/"+wsID+"/members").Expect(t, http.StatusOK)
		if n := len(owner.Get(t, "/api/workspaces/"+wsOfA+"/members").Expect(t, http.StatusNotFound).Body); n == 0 {
			t.Error("empty 404")
		}
		if n := len(b.Get(t, "/api/workspaces").Expect(t, http.StatusOK).List(t)); n != 1 {
			t.Errorf("b is in %d workspaces", n)
		}
		// Revoked invites stop working.
		id := owner.Post(t, "/api/workspaces/"+wsID+"/invites", map[string]any{"role": "support"}).Expect(t, http.StatusCreated).Data(t)
		u := id["url"].(string)
		owner.Delete(t, "/api/workspaces/"+wsID+"/invites/"+id["id"].(string)).Expect(t, http.StatusOK)
		b.Post(t, "/api/invites/"+u[strings.LastIndex(u, "/")+1:]+"/accept", nil).Expect(t, http.StatusNotFound)
	})
}

// TestInviteSignupJoinsWorkspace: the invite's sign-up page creates the
// account, joins the workspace and acts in it, even with sign-up closed.
func TestInviteSignupJoinsWorkspace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		if _, err := env.App.Accounts.CreateUser(context.Background(), contract.SignupRequest{Email: "owner@signup-invite.example", Password: apptest.Password}); err != nil {
			t.Fatal(err)
		}
		owner := env.Client()
		owner.Post(t, "/api/auth/login", map[string]any{"email": "owner@signup-invite.example", "password": apptest.Password}).Expect(t, http.StatusOK)
		bot := env.ConnectBot(t, owner, "signup_invite_bot")
		token := invite(t, owner, workspaceOf(t, owner), models.RoleSupport)
		c := env.Client()
		c.Post(t, "/api/auth/signup", map[string]any{"email": "closed@signup-invite.example", "password": apptest.Password}).Expect(t, http.StatusForbidden)
		if p := c.Get(t, "/signup?invite="+token).Expect(t, http.StatusOK).Text(); !strings.Contains(p, "as Support") {
			t.Error("sign-up page does not say what the account joins")
		}
		c.Post(t, "/signup", url.Values{"email": {"new@signup-invite.example"}, "password": {apptest.Password}, "invite": {token}}).Expect(t, http.StatusSeeOther)
		c.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK)
		c.Get(t, "/bots/"+bot.ID+"/code").Expect(t, http.StatusForbidden)
	}, apptest.Config(func(c *config.Config) { c.Signup = "closed" }))
}

// TestRemovedMemberLosesAccessAtOnce: after removal, the member's very
// next request (session or API key) no longer reaches the workspace.
func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@remove.example")
		bot := env.ConnectBot(t, owner, "remove_bot")
		wsID := workspaceOf(t, owner)
		member, memberID := join(t, env, owner, wsID, models.RoleSupport, "gone@remove.example")
		// The session's own choice: switch to the workspace, no header.
		plain := member.WithHeader("X-Workspace", "")
		plain.Post(t, "/workspaces/switch", url.Values{"workspace": {wsID}}).Expect(t, http.StatusSeeOther)
		plain.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusOK)
		key := member.NewAPIKey(t, "support key")
		member.WithAPIKey(key).Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusOK)

		owner.Delete(t, "/api/workspaces/"+wsID+"/members/"+memberID).Expect(t, http.StatusOK)

		plain.Get(t, "/bots/"+bot.ID+"/conversations").Expect(t, http.StatusNotFound)
		plain.Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusNotFound)
		member.Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusNotFound) // X-Workspace names it
		member.WithAPIKey(key).Get(t, "/api/bots/"+bot.ID+"/users").Expect(t, http.StatusUnauthorized)
		// Still signed in, in their own workspace.
		plain.Get(t, "/api/me").Expect(t, http.StatusOK)
	})
}

// TestMembershipRules: admins manage members but not owners, a workspace
// keeps an owner, ownership is transferred by an owner.
func TestMembershipRules(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@rules.example")
		wsID := workspaceOf(t, owner)
		ownerID := owner.User(t).ID
		admin, adminID := join(t, env, owner, wsID, models.RoleAdmin, "admin@rules.example")
		_, viewerID := join(t, env, owner, wsID, models.RoleViewer, "viewer@rules.example")

		admin.Patch(t, "/api/workspaces/"+wsID+"/members/"+viewerID, map[string]any{"role": "editor"}).Expect(t, http.StatusOK)
		admin.Delete(t, "/api/workspaces/"+wsID+"/members/"+ownerID).Expect(t, http.StatusForbidden)
		admin.Patch(t, "/api/workspaces/"+wsID+"/members/"+adminID, map[string]any{"role": "owner"}).Expect(t, http.StatusForbidden)
		admin.Post(t, "/api/workspaces/"+wsID+"/transfer", map[string]any{"memberId": adminID}).Expect(t, http.StatusForbidden)
		if res := owner.Post(t, "/api/workspaces/"+wsID+"/leave", nil).Expect(t, http.StatusConflict); res.ErrorCode(t) != "last_owner" {
			t.Errorf("only owner leaving: %s", res.Text())
		}
		owner.Patch(t, "/api/workspaces/"+wsID+"/members/"+ownerID, map[string]any{"role": "admin"}).Expect(t, http.StatusConflict)
		owner.Patch(t, "/api/workspaces/"+wsID, map[string]any{"name": "Shop"}).Expect(t, http.StatusOK)

		owner.Post(t, "/api/workspaces/"+wsID+"/transfer", map[string]any{"memberId": adminID}).Expect(t, http.StatusOK)
		roles := map[string]string{}
		for _, m := range admin.Get(t, "/api/workspaces/"+wsID+"/members").Expect(t, http.StatusOK).List(t) {
			m := m.(map[string]any)
			roles[m["id"].(string)] = m["role"].(string)
		}
		if roles[adminID] != "owner" || roles[ownerID] != "admin" || roles[viewerID] != "editor" {
			t.Errorf("roles after transfer: %v", roles)
		}
		owner.WithHeader("X-Workspace", wsID).Post(t, "/api/workspaces/"+wsID+"/leave", nil).Expect(t, http.StatusOK)
		owner.Get(t, "/api/workspaces/"+wsID+"/members").Expect(t, http.StatusNotFound)
		// A new workspace is the creator's, with its own (empty) bots.
		d := owner.Post(t, "/api/workspaces", map[string]any{"name": "Second"}).Expect(t, http.StatusCreated).Data(t)
		if d["role"] != "owner" {
			t.Errorf("created: %v", d)
		}
		if n := len(owner.Get(t, "/api/bots", "X-Workspace", d["id"].(string)).Expect(t, http.StatusOK).List(t)); n != 0 {
			t.Errorf("%d bots in a new workspace", n)
		}
	})
}

// TestAuditLogRecordsChangesAndSignIns: every successful state-changing
// request is recorded with its route and path ids, failed ones are not,
// sign-ins are; filters by member and bot; admins only.
func TestAuditLogRecordsChangesAndSignIns(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@audit.example")
		bot := env.ConnectBot(t, owner, "audit_bot")
		wsID := workspaceOf(t, owner)
		editor, editorID := join(t, env, owner, wsID, models.RoleEditor, "editor@audit.example")
		editor.Post(t, "/api/bots/"+bot.ID+"/stop", nil).Expect(t, http.StatusOK)
		editor.Post(t, "/api/bots/"+bot.ID+"/stop", map[string]any{"zz": 1}).Expect(t, http.StatusUnprocessableEntity) // not recorded
		env.Client().Post(t, "/api/auth/login", map[string]any{"email": "editor@audit.example", "password": apptest.Password}).Expect(t, http.StatusOK)

		entries := owner.Get(t, "/api/audit?memberId="+editorID).Expect(t, http.StatusOK).List(t)
		var actions []string
		for _, e := range entries {
			e := e.(map[string]any)
			actions = append(actions, e["action"].(string)+" "+e["target"].(string))
		}
		want := []string{"sign-in ", "POST /api/bots/{id}/stop id=" + bot.ID}
		if len(actions) < 2 || actions[0] != want[0] || actions[1] != want[1] {
			t.Errorf("editor's audit entries: %q", actions)
		}
		byBot := owner.Get(t, "/api/audit?botId="+bot.ID).Expect(t, http.StatusOK).List(t)
		if len(byBot) != 1 || byBot[0].(map[string]any)["memberId"] != editorID {
			t.Errorf("by bot: %v", byBot)
		}
		editor.Get(t, "/api/audit").Expect(t, http.StatusForbidden)
		if p := owner.Get(t, "/workspace/audit").Expect(t, http.StatusOK).Text(); !strings.Contains(p, "POST /api/bots/{id}/stop") {
			t.Error("audit page does not list the stop")
		}
	})
}

// TestOwnerDeletesWorkspace: only an owner deletes a workspace; its bots
// are disconnected from Telegram and everything in it is gone, for every
// member.
func TestOwnerDeletesWorkspace(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@delete.example")
		d := owner.Post(t, "/api/workspaces", map[string]any{"name": "Doomed"}).Expect(t, http.StatusCreated).Data(t)
		wsID := d["id"].(string)
		in := owner.WithHeader("X-Workspace", wsID)
		bot := env.ConnectBot(t, in, "doomed_bot")
		admin, _ := join(t, env, in, wsID, models.RoleAdmin, "admin@delete.example")
		admin.Delete(t, "/api/workspaces/"+wsID).Expect(t, http.StatusForbidden)

		in.Delete(t, "/api/workspaces/"+wsID).Expect(t, http.StatusOK)
		in.Get(t, "/api/bots/"+bot.ID).Expect(t, http.StatusNotFound) // the workspace itself is gone: 404
		admin.Get(t, "/api/bots").Expect(t, http.StatusNotFound)
		if info, _, err := env.Telegram.WebhookInfo(bot.Fake.Token); err != nil || info.URL != "" {
			t.Errorf("webhook after delete: %q %v", info.URL, err)
		}
		if n, err := env.App.DB.NewSelect().Model((*models.Bot)(nil)).Where("id = ?", bot.ID).Count(context.Background()); err != nil || n != 0 {
			t.Errorf("bot rows left: %d %v", n, err)
		}
		// The owner keeps their own workspace.
		if n := len(owner.Get(t, "/api/workspaces").Expect(t, http.StatusOK).List(t)); n != 1 {
			t.Errorf("%d workspaces left", n)
		}
	}, apptest.Webhooks())
}

// TestRemovedMemberStreamEnds: an event stream opened before the removal
// ends soon after it (the membership is checked again while it is open),
// and reconnecting is refused.
func TestRemovedMemberStreamEnds(t *testing.T) {
	apptest.Each(t, func(t *testing.T, env *apptest.Env) {
		owner := env.SignUp(t, "owner@stream-remove.example")
		wsID := workspaceOf(t, owner)
		member, memberID := join(t, env, owner, wsID, models.RoleViewer, "viewer@stream-remove.example")
		s := member.Stream(t, "/api/events")
		defer s.Close()
		s.Next(t) // the stream is open
		owner.Delete(t, "/api/workspaces/"+wsID+"/members/"+memberID).Expect(t, http.StatusOK)
		if err := s.Ended(t); err != nil {
			t.Logf("stream ended with %v", err)
		}
		member.Get(t, "/api/events").Expect(t, http.StatusNotFound)
	}, apptest.Events(func(c *events.Config) { c.KeepAlive = 200 * time.Millisecond }))
}
