-- wrk script: POST the JSON body in $CL_BODY with the bearer token in $CL_TOKEN.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CL_TOKEN")
local f = assert(io.open(os.getenv("CL_BODY"), "r"))
wrk.body = f:read("*a")
f:close()
