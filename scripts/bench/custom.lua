-- wrk script: GET a bot's custom webhook. PATH_PREFIX comes from the
-- environment ("/custom/<bot id>/item?id=i"); with IDS set, each request
-- reads one of IDS documents at random, so the database is really read.
local prefix = os.getenv("PATH_PREFIX")
local ids = tonumber(os.getenv("IDS") or "0")

request = function()
  if ids > 0 then
    return wrk.format("GET", prefix .. math.random(0, ids - 1))
  end
  return wrk.format("GET", prefix)
end
