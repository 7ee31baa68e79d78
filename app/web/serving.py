"""Serving with several worker processes, each on a listening socket of its own.

uvicorn's supervisor shares one listening socket among its workers, and the
worker that happens to be awake accepts. Keep-alive clients connect once and
stay, so a handful of them (a reverse proxy's upstream pool, a load test)
end up on one worker while the others idle: all 32 of 32 connections were
seen on one of two workers. With SO_REUSEPORT every worker listens on a
socket of its own bound to the same address, and the kernel spreads new
connections across them evenly. Elsewhere than Linux uvicorn's shared
socket is kept.
"""

from __future__ import annotations

import logging
import socket
import sys

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.server import Server
from uvicorn.supervisors.multiprocess import Multiprocess, Process

logger = logging.getLogger("uvicorn.error")


def spreads_connections() -> bool:
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def worker_sockets(config: Config) -> list[socket.socket]:
    """One listening socket per worker, all bound to config's host and port."""
    family = socket.AF_INET6 if config.host and ":" in config.host else socket.AF_INET
    sockets = []
    for _ in range(config.workers):
        sock = socket.socket(family=family)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            sock.bind((config.host, config.port))
        except OSError as exc:
            logger.error(exc)
            sys.exit(STARTUP_FAILURE)
        sock.set_inheritable(True)
        sockets.append(sock)
    logger.info("csbm workers listening on %s:%d, one socket each", config.host, config.port)
    return sockets


class SpreadWorkers(Multiprocess):
    """uvicorn's supervisor (signals, health checks, restarts) with worker i always on socket i."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self.worker_sockets = sockets

    def _new(self, index: int) -> Process:
        process = Process(self.config, [self.worker_sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self._new(index) for index in range(len(self.worker_sockets))]

    def restart_all(self) -> None:
        # As uvicorn's: each replacement is serving before the worker it replaces goes.
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self._new(index)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def keep_subprocess_alive(self) -> None:
        if self.should_exit.is_set():
            return
        for index, process in enumerate(self.processes):
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()
            process.join()
            if process.exitcode == STARTUP_FAILURE:
                logger.error("Worker [%s] failed to start, stopping.", process.pid)
                self.should_exit.set()
                return
            if self.should_exit.is_set():
                return
            logger.info("Worker [%s] died; starting a new one on its socket", process.pid)
            self.processes[index] = self._new(index)


def run(config: Config) -> None:
    """Serve ``config``: one process, or its workers spread over sockets of their own."""
    if config.workers <= 1:
        Server(config).run()
    elif spreads_connections():
        SpreadWorkers(config, worker_sockets(config)).run()
    else:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
