"""A stand-in for the agent runner (issue 11): an ASGI app under uvicorn that, on
GET /run, spawns the agent's command through sandbox-exec the way the runner spawns the
Claude Code CLI (its whole environment handed down, stdio on pipes) and answers with what
the command printed. Run by test_container.py inside a container whose PID 1 is
`airlock init`.
"""
import asyncio
import os

SANDBOX = ["/airlock", "sandbox-exec", "--policy", "/app/policy.ini", "--"]
COMMAND = ["curl", "-sS", "-m", "20", "-H", "Authorization: Bearer " + os.environ.get(
    "API_TOKEN", ""), "https://api.example.test/echo"]


async def reply(send, status, body):
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/health":
        await reply(send, 200, b"ok\n")
        return
    if scope["path"] != "/run":
        await reply(send, 404, b"no such path\n")
        return
    proc = await asyncio.create_subprocess_exec(
        *SANDBOX, *COMMAND, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate(b"")
    await reply(send, 200, b"status %d\n" % proc.returncode + out + b"\n--\n" + err)
