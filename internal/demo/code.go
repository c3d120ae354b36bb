package demo

import (
	"context"
	"fmt"
	"github.com/botdeck/botdeck/internal/contract"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// exampleHandlers is the demo's bot code: a public order-status lookup, a
// lead form that stores submissions and pings the team, and a handler that
// greets a user by id — the kind of small integrations bot owners write.
const exampleHandlers = `// Order status for the website's "track my order" box.
// GET /custom/{botId}/order-status?order=A-1042
logic['order-status'] = async (query, body, db, response, params) => {
  const order = await db.operation.findOne('orders', { _id: query.order });
  if (!order) {
    response.statusCode = 404;
    response.message = 'No order ' + query.order;
    return;
  }
  console.log('order looked up', query.order);
  return { order: order._id, status: order.status, eta: order.eta };
};

// Newsletter sign-ups from the landing page.
// POST /custom/{botId}/signup  {"email": "…", "name": "…"}
logic['signup'] = async (query, body, db, response) => {
  if (!body.email || !String(body.email).includes('@')) {
    response.statusCode = 422;
    response.message = 'An email address is required';
    return;
  }
  const id = await db.operation.insertOne('signups', { email: body.email, name: body.name || '', at: new Date().toISOString() });
  const total = await db.operation.count('signups', {});
  console.info('new sign-up', body.email, 'total', total);
  response.statusCode = 201;
  return { id, total };
};

// How many people use the bot, for the website's footer.
// GET /custom/{botId}/stats
logic['stats'] = async (query, body, db) => {
  const users = await db.operation.count('users', {});
  const blocked = await db.operation.count('users', { botBlocked: true });
  return { users, active: users - blocked };
};
`

var orderStatuses = []string{"paid", "packed", "shipped", "out for delivery", "delivered"}

// seedCode saves the example code on the first bot and the orders its
// order-status handler reads.
func (w *world) seedCode(ctx context.Context) error {
	db := w.bots[0]
	b, err := w.app.Code.Bot(ctx, w.ws, db.id)
	if err != nil {
		return err
	}
	if _, err := w.app.Code.Save(ctx, b, w.owner.ID, contract.SaveCodeRequest{Source: exampleHandlers}); err != nil {
		return fmt.Errorf("demo code: %w", err)
	}
	// The orders go in through the same handlers an integrator would use:
	// a tiny seeding handler, called once, then the final code again.
	seeder := `logic['seed'] = async (q, body, db) => { for (const o of body.orders) { await db.operation.insertOne('orders', o); } return body.orders.length; };`
	if _, err := w.app.Code.Save(ctx, b, w.owner.ID, contract.SaveCodeRequest{Source: seeder}); err != nil {
		return err
	}
	var orders []string
	for i := range 40 {
		orders = append(orders, fmt.Sprintf(`{"_id":"A-%d","status":%q,"eta":"%s"}`, 1000+i, orderStatuses[i%len(orderStatuses)],
			time.Now().AddDate(0, 0, 1+i%5).Format(time.DateOnly)))
	}
	if err := w.callHandler(ctx, db, http.MethodPost, "seed", nil, `{"orders":[`+strings.Join(orders, ",")+`]}`); err != nil {
		return err
	}
	_, err = w.app.Code.Save(ctx, b, w.owner.ID, contract.SaveCodeRequest{Source: exampleHandlers})
	return err
}

// callHandler calls one of a bot's custom webhooks over HTTP, as a website
// or another service would.
func (w *world) callHandler(ctx context.Context, db *demoBot, method, path string, query url.Values, body string) error {
	u := w.baseURL + "/custom/" + db.id + "/" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	res.Body.Close()
	return nil
}

// handlerTraffic calls the example handlers now and then: mostly order
// lookups (a few for orders that do not exist), some sign-ups (a few
// without an email), the stats.
func (w *world) handlerTraffic(ctx context.Context) {
	db := w.bots[0]
	switch r := w.rng.IntN(10); {
	case r < 5:
		order := fmt.Sprintf("A-%d", 1000+w.rng.IntN(48))                                        // 1040–1047 do not exist
		w.callHandler(ctx, db, http.MethodGet, "order-status", url.Values{"order": {order}}, "") //nolint:errcheck
	case r < 8:
		p := w.people.newPerson()
		email := asciiLower(p.FirstName) + fmt.Sprint(w.rng.IntN(1000)) + "@example.com"
		if w.rng.IntN(6) == 0 {
			email = ""
		}
		w.callHandler(ctx, db, http.MethodPost, "signup", nil, fmt.Sprintf(`{"email":%q,"name":%q}`, email, p.FirstName)) //nolint:errcheck
	default:
		w.callHandler(ctx, db, http.MethodGet, "stats", nil, "") //nolint:errcheck
	}
}
