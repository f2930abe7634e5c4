"""Tesouro's settings for a new sending domain."""

from __future__ import annotations

import attrs


@attrs.frozen
class TesouroSettings:
    """What Tesouro takes to create a mailbox domain besides its name: nothing (yet).

    Exists so that Tesouro is a ``SendingDomainProvider[TesouroSettings]`` like every other
    provider; ``TesouroSettings()`` is the default.
    """
