"""`envol run --workers N`: N web processes, each accepting connections on a socket of its own.

With one listening socket shared by every process (uvicorn's own supervisor), the process whose
event loop wakes first accepts every connection waiting, since asyncio accepts up to the backlog at
each wake-up: under the load benchmark 44 of 50 clients' kept-alive connections went to one of two
processes, whose pages then took several times as long as the other's. Here each process listens on
its own socket bound to the same port with SO_REUSEPORT, and the kernel spreads new connections
across the sockets by a hash of their addresses (Linux; only sockets of the same user may join).

The supervisor keeps uvicorn's `Process` (the child that serves, answering the parent's health
pings) and does what uvicorn's does with it: starts them, replaces one that dies or stops answering
on the same socket (connections the kernel queued there wait for the replacement), gives up if one
fails before it could serve, and stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from types import FrameType

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

logger = logging.getLogger("envol.serve")


def listening_sockets(config: uvicorn.Config, count: int) -> list[socket.socket]:
    """``count`` sockets listening on the configured address, all on the same port (the first
    one's, when the port asked for is 0)."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    port, sockets = config.port, []
    if port:
        # SO_REUSEPORT would also join sockets another `envol run` of this user already listens
        # with, and share its connections: a port in use must be refused, as without it.
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((config.host, port))
    try:
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((config.host, port))
            port = sock.getsockname()[1]
            sock.listen(config.backlog)
            sock.set_inheritable(True)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets


class WebProcesses:
    """The web processes of one `envol run`, process *i* serving socket *i*."""

    def __init__(self, config: uvicorn.Config, sockets: list[socket.socket]) -> None:
        self.config, self.sockets = config, sockets
        self.processes = [Process(config, [sock]) for sock in sockets]
        self.stopping = threading.Event()

    def run(self) -> None:
        def stop(signum: int, frame: FrameType | None) -> None:
            self.stopping.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        for process in self.processes:
            process.start()
        while not self.stopping.wait(0.5):
            self.replace_the_dead()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        for sock in self.sockets:
            sock.close()

    def replace_the_dead(self) -> None:
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung, if still there
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                # It could not start serving (the application or the socket is broken): every
                # replacement would fail the same way.
                logger.error("a web process failed to start; stopping", extra={"pid": process.pid})
                self.stopping.set()
                return
            if self.stopping.is_set():
                return
            logger.warning("a web process died; replacing it", extra={"pid": process.pid})
            replacement = Process(self.config, [self.sockets[index]])
            replacement.start()
            self.processes[index] = replacement
