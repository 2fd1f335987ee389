-- soak.lua — the mixed workload of scripts/soak for wrk (one Lua state per
-- wrk thread). Per 100 requests: 55 searches (half with facets, some with a
-- filter), 25 case pages, 8 facet lists, 5 POST /v1/similar, 4 exports with
-- a narrow filter, 3 submissions with a contributor token.
-- Environment: SOAK_IDS (a file of published case ids, one a line),
-- SOAK_TOKEN (a contributor token; without it there are no submissions).
-- done() prints one line "soak-status 2xx=N 3xx=N 4xx=N 5xx=N" summed
-- over the threads, which scripts/soak reads.

local ids = {}
local idfile = os.getenv("SOAK_IDS")
if idfile then
	for line in io.lines(idfile) do
		if #line > 0 then ids[#ids + 1] = line end
	end
end
if #ids == 0 then ids = { "case-lund-skolmaltider-2021" } end
local token = os.getenv("SOAK_TOKEN")

-- URL-encoded query texts (Swedish and English, some with syntax).
local queries = {
	"skolm%C3%A5ltider", "upphandling", "innovation", "elbussar", "v%C3%A5rd",
	"klimat", "livsmedel", "%22innovativ+upphandling%22", "upphandl*", "digital",
	"energy", "transport", "construction", "renovering+skola", "avfall",
	"title%3Abuss", "-test+fordon", "hospital+equipment", "belysning", "vatten",
}
local filters = {
	"", "", "", "&sectors=health", "&sectors=education", "&kind=case",
	"&authority_type=la", "&year=2019..2022", "&goals=sdg-13", "&country=SE",
}
local facets = { "&facets=all", "&facets=sectors,goals", "" }

local counter = 0
local status = { 0, 0, 0, 0, 0 } -- 1xx..5xx
local json = { ["Content-Type"] = "application/json" }

threads = {}

function setup(thread)
	threads[#threads + 1] = thread
end

local function pick(t)
	return t[math.random(#t)]
end

function init(args)
	math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
	threadstatus = status
end

local function submission()
	counter = counter + 1
	local body = '{"kind":"case","title":"Soak-inlämning ' .. counter ..
		' om klimatsmarta skolmåltider","language":"sv",' ..
		'"summary":"Ett belastningsprov av inlämningen.",' ..
		'"sources":[{"url":"https://example.org/soak/' .. counter .. '",' ..
		'"retrieved_at":"2026-01-01T00:00:00Z"}]}'
	local h = { ["Content-Type"] = "application/json",
		["Authorization"] = "Bearer " .. token }
	return wrk.format("POST", "/v1/submissions", h, body)
end

function request()
	local r = math.random(100)
	if r <= 55 then
		local page = (math.random(4) == 1) and "&offset=20" or ""
		return wrk.format("GET", "/v1/search?q=" .. pick(queries) .. pick(filters) ..
			pick(facets) .. page .. "&limit=20")
	elseif r <= 80 then
		return wrk.format("GET", "/v1/cases/" .. pick(ids))
	elseif r <= 88 then
		return wrk.format("GET", "/v1/facets")
	elseif r <= 93 then
		return wrk.format("POST", "/v1/similar", json,
			'{"text":"klimatsmarta skolmåltider och minskat matsvinn","limit":5}')
	elseif r <= 97 or not token then
		local f = (math.random(2) == 1) and "csv" or "jsonl"
		return wrk.format("GET", "/v1/export?format=" .. f ..
			"&q=skolm%C3%A5ltider&kind=case")
	else
		return submission()
	end
end

function response(st, headers, body)
	local k = math.floor(st / 100)
	if k >= 1 and k <= 5 then status[k] = status[k] + 1 end
end

function done(summary, latency, requests)
	local sum = { 0, 0, 0, 0, 0 }
	for _, t in ipairs(threads) do
		local s = t:get("threadstatus")
		if s then
			for k = 1, 5 do sum[k] = sum[k] + (s[k] or 0) end
		end
	end
	io.write(string.format("soak-status 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n",
		sum[2], sum[3], sum[4], sum[5]))
end
