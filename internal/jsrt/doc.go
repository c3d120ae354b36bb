// Package jsrt runs bot owners' JavaScript webhook handlers in a goja sandbox.
//
// A bot's code is one script that registers handlers on `logic`:
//
//	logic['notify'] = async (query, body, db, response, params) => {
//		const user = await db.operation.findOne('users', { _id: query.user });
//		await bot.telegram.sendMessage(user.chatId, body.text);
//		response.statusCode = 202;
//		return { sent: true };
//	};
//
// Compile checks and compiles the script and discovers its handlers; Engine.Run executes one
// handler for one request and returns what the HTTP layer needs (Result). Programs are immutable
// and shared; runs execute on a bounded pool of locked-down runtimes (pool.go explains why
// runtimes are reused and how runs stay isolated).
//
// # What bot code sees
//
//   - The handler's arguments: query (strings), body (decoded JSON, {} when none), db, response
//     ({statusCode: 200, headers: {}} plus message and data the handler may set) and params
//     ({botId, customPath, method}). Only the ones a handler can see are built: one declaring
//     `(query)` gets query alone, and its response keeps the defaults (arity.go).
//   - db.operation.findOne/find/insertOne/updateOne/deleteOne/count (bindings.go documents the
//     semantics), bot.telegram.sendMessage/call, console.log/info/warn/error/debug. db and
//     Telegram calls return promises.
//   - env: the bot's settings (Invocation.Env), a frozen object made for each run; and on `bot`,
//     bot.command/hears/callback/on to register update handlers (updates.go), which receive a
//     ctx instead of the HTTP arguments.
//   - Response headers from an allow-list only (headers.go).
//   - The ECMAScript built-ins goja provides, frozen, minus: eval, Function and the other
//     function constructors (they throw EvalError: code created at run time would bypass the
//     compile-time checks), Proxy, BigInt, typed arrays, ArrayBuffer, DataView, and GoError.
//     Regular expressions that need backtracking (lookaround, backreferences) are refused, and
//     so are private class members (#name: syntax.go says why).
//   - No require, process, file system, network, import(), setTimeout/setInterval. Timers are
//     deliberately absent: everything a handler waits for completes within its run, so a
//     promise still pending when the handler's call returns can never settle and is reported
//     at once as a timeout.
//
// # Runtime model
//
// The script runs as the body of a function, once per pooled runtime and bot (instance.go):
// its top level registers handlers, and each request or update calls one of them (the model of
// Cloudflare Workers and PocketBase). Top-level variables therefore persist between calls of the
// same bot and code version on the same runtime — useful for caches and constants, never a
// store: a bot has several runtimes, runtimes are recycled, and a save starts from a fresh top
// level. They never cross bots. Programs are compiled once per code version; a save swaps the
// Program and runs in flight finish on the old one. Because the realm is frozen, assigning an
// undeclared variable cannot create a global (a TypeError in strict mode, ignored otherwise) and
// built-ins cannot be patched; assigning properties such as name, message, toString or
// constructor on your own objects works as usual.
//
// # Update handlers
//
// The script may also register handlers for Telegram updates on its `bot`: bot.command,
// bot.hears (a string matches as whole words, case-insensitively; a RegExp also works),
// bot.callback and bot.on(kind) (updates.go). Engine.RunUpdate calls the first handler that
// matches, in registration order, with a ctx (update, from, chat, text, args, match, user, reply,
// replyWithPhoto, answer, db, telegram, env). ctx.reply and the other senders do not call
// Telegram themselves: they go through Invocation.Telegram like bot.telegram, and the caller
// (internal/core) collects them for the bot's outbox. Program.WantsUpdate answers, without a
// runtime, whether the script has a handler for an update.
//
// # Limits
//
// Config lists them with their defaults: 2 s per run (enforced with rt.Interrupt, and inside
// guarded built-ins), a call stack of 1000 frames, strings of 2 Mi characters and arrays of
// 1 Mi elements from built-ins, nesting of 100 levels, 1 MiB values across the Go boundary,
// 100 log lines of 2 KiB, 100 db/Telegram calls, and a heap watchdog at 1 GiB. guards.go,
// regexp.go, syntax.go and watchdog.go explain what each guard stops and why. A run whose
// context is canceled (the client went away) is stopped at the watchdog's next sample, within
// 5 ms.
//
// # Known limits of the sandbox
//
//   - Memory is bounded per built-in, not per run: a loop may allocate for as long as its
//     deadline lasts (about 1 GB/s at most). The heap watchdog stops all active runs when the
//     process heap passes MaxHeapBytes, or grows by more than MaxHeapBytes/16 between two of its
//     5 ms samples (which catches the one operation no guard sees, `+` on strings, at the
//     allocation that doubles a string past that step, long before the limit); it cannot tell
//     which run is to blame. A stopped run's
//     runtime is dropped and its memory collected, so what it allocated does not keep the heap
//     over the limit (goja keeps stale values on a runtime's stack; a reused one would hold
//     them, and every later run of every bot would be stopped).
//   - Some native work is bounded by size rather than interruptible: a property lookup through a
//     prototype chain built within the deadline (about a million levels in 2 s, then 0.3 s per
//     lookup), a single RE2 match over MaxStringLength characters, sorting, searching or
//     copying MaxArrayLength elements. Keep Timeout near its default: these grow with it.
//   - The nesting scan that protects goja's parser mirrors goja's lexer; its soundness rests on
//     that mirroring, with MaxSourceBytes as the backstop: were the scan fooled, the worst
//     128 KiB sources measured cost goja 400 MB of stack (nested brackets, no crash) or about
//     8 s of parsing (nested arrow functions, quadratic in goja).
//
// # Errors
//
// Compile returns *CompileError (message, 1-based line and column). Run returns ErrNoHandler,
// *HandlerError (Kind exception, timeout or limit, with message, stack, line and column), the
// context's error, or ErrInternal.
package jsrt
