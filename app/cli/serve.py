"""``csbm serve``: the web app and the API."""

from __future__ import annotations

import os
from contextlib import suppress
from typing import Annotated

import typer

from app.cli.common import Url, commands, settings
from app.cli.output import console

app = commands()


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Uvicorn worker processes")] = 1,
    url: Url = None,
) -> None:
    """Serve the web app and the API (the scheduler runs separately: csbm scheduler run)."""
    import uvicorn

    from app.web import serving

    # Each worker process builds its own app (and engine) from the environment.
    os.environ["CSBM_DATABASE_URL"] = settings(url).resolved_database_url()
    console.print(f"csbm is serving on http://{host}:{port}/ (API docs: http://{host}:{port}/api/docs)")
    config = uvicorn.Config(
        "app.web.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )
    with suppress(KeyboardInterrupt):  # Ctrl-C is how a foreground server is stopped
        serving.run(config)
