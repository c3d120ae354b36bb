-- wrk script: POST distinct, realistic Telegram updates to /tg/{botId}.
-- BOT_ID and SECRET come from the environment; each thread numbers its
-- updates in its own range so update_ids never collide (no duplicates).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(wrk.thread:get("id")) or 0
  counter = thread_id * 100000000
end

local path = "/tg/" .. os.getenv("BOT_ID")
local headers = {
  ["Content-Type"] = "application/json",
  ["X-Telegram-Bot-Api-Secret-Token"] = os.getenv("SECRET"),
}
local now = os.time()

request = function()
  counter = counter + 1
  -- 1 user in 5 is new; the others come back, as real audiences do.
  local user = 1000000 + (counter % 5 == 0 and counter or (counter % 20000))
  local body = string.format(
    '{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"User","last_name":"%d","username":"u%d","language_code":"en"},"chat":{"id":%d,"first_name":"User","type":"private"},"date":%d,"text":"hello there, this is message %d"}}',
    counter, counter, user, user, user, user, now, counter)
  return wrk.format("POST", path, headers, body)
end
