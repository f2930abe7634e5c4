"""What ``maildns onboard watch`` shows beside its events: the Prometheus endpoint
(``--metrics-port``) and the signed webhook (``--webhook``, its secret from
``MAILDNS_WEBHOOK_SECRET``). Both are set up, and every value checked, before the watch sends
a request; both are stopped when it ends."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Final

import typer

from ..errors import ConfigurationError
from ._common import ERROR, _fail, inform

MetricsPort = Annotated[
    int | None,
    typer.Option(
        "--metrics-port",
        min=0,
        max=65535,
        help="Serve Prometheus metrics at http://HOST:PORT/metrics and liveness at /healthz "
        "(0: any free port, shown on stderr).",
        show_default=False,
    ),
]
MetricsHost = Annotated[
    str,
    typer.Option("--metrics-host", help="The address --metrics-port listens on."),
]
Webhook = Annotated[
    str | None,
    typer.Option(
        "--webhook",
        help="POST each event as JSON to this URL, signed with MAILDNS_WEBHOOK_SECRET "
        "(Maildns-Signature: t=...,v1=HMAC-SHA256), retried; never delays the checks.",
        show_default=False,
    ),
]
MIN_STALE: Final = 60.0
WEBHOOK_DRAIN: Final = 3.0
"""Seconds a stopping watch gives the webhook to deliver what is queued (SIGTERM's bound)."""


class Observing:
    """The observer and event hook a watch is given, and what serves them."""

    def __init__(self, observer: Any, on_event: Callable[[Any], None]) -> None:
        self.observer = observer
        self.on_event = on_event


def check_webhook(webhook: str | None) -> str | None:
    """The webhook's secret (None without ``--webhook``); a bad URL is a usage error, a
    missing or short secret one line (exit 1), before anything starts."""
    if webhook is None:
        return None
    from ..onboarding import WebhookSender

    try:
        WebhookSender.check_url(webhook)
    except ValueError as error:
        shown = str(error).removeprefix("--webhook ")
        raise typer.BadParameter(shown, param_hint="--webhook") from None
    try:
        return WebhookSender.check_secret(os.environ.get(WebhookSender.SECRET_ENV))
    except ValueError as error:
        _fail(str(error), ERROR)


@contextlib.contextmanager
def observing(
    print_event: Callable[[Any], None],
    *,
    metrics_port: int | None,
    metrics_host: str,
    webhook: str | None,
    secret: str | None,
    interval: float,
) -> Iterator[Observing]:
    """The metrics endpoint and the webhook sender, running for the ``with`` block."""
    from .. import onboarding

    with contextlib.ExitStack() as stack:
        metrics = None
        if metrics_port is not None:
            # Liveness: the loop ticks at least once per interval (its domain counts), so two
            # intervals without a word is a loop that stopped.
            metrics = onboarding.WatchMetrics(stale_after=max(MIN_STALE, 2 * interval))
            stack.callback(metrics.close)
            metrics.subscribe()
            try:
                server = onboarding.serve_metrics(metrics, metrics_port, host=metrics_host)
            except OSError as error:  # call() prints it as one line, exit 1
                raise ConfigurationError(
                    f"--metrics-port {metrics_port} on {metrics_host}: {error.strerror or error}"
                ) from None
            stack.callback(server.close)
            inform(f"serving metrics at {server.url}/metrics and liveness at {server.url}/healthz")
        sender = None
        if webhook is not None:
            assert secret is not None
            sender = onboarding.WebhookSender(webhook, secret, observer=metrics)
            stack.callback(sender.close, WEBHOOK_DRAIN)

        def on_event(event: Any) -> None:
            print_event(event)
            if sender is not None:
                sender(event)

        yield Observing(metrics, on_event)
