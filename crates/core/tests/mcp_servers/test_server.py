"""The project's MCP test server, on the official Python SDK (`mcp` on PyPI; its FastMCP is
called MCPServer since mcp 2).

    test_server.py [--http PORT] [--page-size N] [--protocol VERSION] [--garbage] [--hang]
                   [--crash-when-listed]

Tools: echo, add, slow, cancellations (how many calls of slow were cancelled), image, fail, big,
header, grow (adds a tool and says the list changed), spawn_child (starts a sleeping grandchild,
for the process-group test), pid.
--page-size lists the tools that many at a time; --garbage prints a line that is not JSON on
stdout before speaking MCP; --hang never answers at all; --protocol makes the handshake answer
with that version whatever the client asks (an older server, or one from the future);
--crash-when-listed exits with status 3 half a second after listing its tools (a server that
is ready, then crashes, every time).
"""

import argparse
import os
import subprocess
import sys
import threading
import time

import anyio
from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ListToolsResult

# A 1x1 red PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


class PagedServer(MCPServer):
    """Lists its tools `page_size` at a time, the cursor being the next index."""

    page_size = 0
    crash_when_listed = False

    async def _handle_list_tools(self, ctx, params):
        tools = await self.list_tools()
        if self.crash_when_listed:
            # Later, so the list reaches the client and the server counts as ready first.
            threading.Timer(0.5, crash).start()
        if not self.page_size:
            return ListToolsResult(tools=tools)
        start = int(params.cursor) if params is not None and params.cursor else 0
        end = start + self.page_size
        return ListToolsResult(tools=tools[start:end], next_cursor=str(end) if end < len(tools) else None)


def crash() -> None:
    print("crashing on purpose", file=sys.stderr, flush=True)
    os._exit(3)


server = PagedServer("glama-test")


@server.tool()
def echo(text: str) -> str:
    """Says the text back."""
    return text


@server.tool()
def add(a: int, b: int) -> str:
    """Adds two numbers."""
    return str(a + b)


cancelled_calls = 0


@server.tool()
async def slow(seconds: float) -> str:
    """Waits, then says done."""
    global cancelled_calls
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        # The SDK interrupts the call when the client sends notifications/cancelled for it:
        # counted, so a test can tell that Stop reached the server.
        cancelled_calls += 1
        raise
    return f"slept {seconds}"


@server.tool()
def cancellations() -> str:
    """How many calls of slow were cancelled."""
    return str(cancelled_calls)


@server.tool()
def image() -> Image:
    """A 1x1 red PNG."""
    return Image(data=PNG, format="png")


@server.tool()
def fail(message: str) -> str:
    """Always fails with the message."""
    raise ToolError(message)


@server.tool()
def big(kb: int) -> str:
    """Returns kb kilobytes of text."""
    return "x" * (kb * 1024)


@server.tool()
def pid() -> str:
    """The server's process id."""
    return str(os.getpid())


@server.tool()
def spawn_child() -> str:
    """Starts a sleeping child process and returns its pid."""
    child = subprocess.Popen(["sleep", "300"])
    return str(child.pid)


@server.tool()
def header(name: str, ctx: Context) -> str:
    """The value of a header of the HTTP request that called it."""
    headers = ctx.headers or {}
    return headers.get(name.lower(), headers.get(name, "(none)"))


def extra(text: str) -> str:
    """A tool that appears after grow."""
    return "extra " + text


@server.tool()
async def grow(ctx: Context) -> str:
    """Adds the tool `extra` and tells the client its tools changed."""
    server.add_tool(extra)
    await ctx.session.send_tool_list_changed()
    return "grown"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int)
    parser.add_argument("--page-size", type=int, default=0)
    parser.add_argument("--garbage", action="store_true")
    parser.add_argument("--hang", action="store_true")
    parser.add_argument("--protocol")
    parser.add_argument("--crash-when-listed", action="store_true")
    args = parser.parse_args()
    print(f"test server {os.getpid()} starting", file=sys.stderr, flush=True)
    if args.hang:
        while True:
            time.sleep(60)
    if args.garbage:
        print("Welcome to the server! This line is not JSON.", flush=True)
    if args.protocol:
        # The SDK answers with the client's version when it knows it, else its latest.
        import mcp.server.runner as runner

        runner.HANDSHAKE_PROTOCOL_VERSIONS = (args.protocol,)
        runner.LATEST_HANDSHAKE_VERSION = args.protocol
    server.page_size = args.page_size
    server.crash_when_listed = args.crash_when_listed
    if args.http:
        server.run("streamable-http", host="127.0.0.1", port=args.http)
    else:
        server.run()


if __name__ == "__main__":
    main()
